"""Translate socket and TLS exceptions once, where they are raised, into TransportError."""

from __future__ import annotations

import errno
import socket
import ssl

from inspector.model import ErrorKind, TransportError


def translate(exc: BaseException, phase: str, where: str = "") -> TransportError:
    """Map an exception raised by the socket layer to a TransportError with one clear line.

    Args:
        exc: What the socket, ssl or DNS call raised.
        phase: ``dns``, ``connect``, ``tls``, ``send`` or ``recv``.
        where: The host and port concerned, for the message.
    """
    at = f" ({where})" if where else ""
    if isinstance(exc, TransportError):
        return exc
    if isinstance(exc, socket.gaierror):
        return TransportError(ErrorKind.DNS, f"cannot resolve{at}: {exc.strerror or exc}")
    if isinstance(exc, ssl.SSLCertVerificationError):
        reason = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or str(exc)
        return TransportError(ErrorKind.TLS, f"TLS certificate verification failed{at}: {reason}")
    if isinstance(exc, ssl.SSLError):
        reason = getattr(exc, "reason", None) or str(exc)
        return TransportError(ErrorKind.TLS, f"TLS failed during {phase}{at}: {reason}")
    if isinstance(exc, TimeoutError | socket.timeout):
        if phase in ("dns", "connect"):
            return TransportError(ErrorKind.CONNECT_TIMEOUT, f"connect timed out{at}")
        if phase == "tls":
            return TransportError(ErrorKind.TLS, f"TLS handshake timed out{at}")
        return TransportError(ErrorKind.READ_TIMEOUT, f"{phase} timed out{at}")
    if isinstance(exc, ConnectionRefusedError):
        return TransportError(ErrorKind.REFUSED, f"connection refused{at}")
    if isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return TransportError(ErrorKind.RESET, f"connection reset by the server during {phase}{at}")
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL):
            return TransportError(ErrorKind.UNREACHABLE, f"unreachable{at}: {exc.strerror}")
        return TransportError(ErrorKind.OS, f"{phase} failed{at}: {exc.strerror or exc}")
    return TransportError(ErrorKind.PROTOCOL, f"{phase} failed{at}: {exc}")
