"""translate(): every socket, DNS and TLS exception becomes one TransportError kind.

This is where DNS failure is tested: a real lookup of a name that does not
exist would leave the machine, so the gaierror is built by hand.
"""

from __future__ import annotations

import errno
import socket
import ssl

import pytest

from inspector.model import ErrorKind, TransportError
from inspector.net.errors import translate


def _verify_error(message: str) -> ssl.SSLCertVerificationError:
    exc = ssl.SSLCertVerificationError(1, "certificate verify failed")
    exc.verify_message = message
    exc.reason = "CERTIFICATE_VERIFY_FAILED"
    return exc


def _ssl_error(cls: type[ssl.SSLError], reason: str, text: str) -> ssl.SSLError:
    """An SSLError as the C module raises it: with ``reason`` and ``library`` set."""
    exc = cls(1, text)
    exc.reason = reason
    exc.library = "SSL"
    return exc


@pytest.mark.parametrize(
    ("exc", "phase", "kind"),
    [
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "dns", ErrorKind.DNS),
        (socket.gaierror(socket.EAI_AGAIN, "Temporary failure"), "dns", ErrorKind.DNS),
        (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), "connect", ErrorKind.REFUSED),
        (ConnectionResetError(errno.ECONNRESET, "reset"), "recv", ErrorKind.RESET),
        (BrokenPipeError(errno.EPIPE, "broken pipe"), "send", ErrorKind.RESET),
        (ConnectionAbortedError(errno.ECONNABORTED, "aborted"), "recv", ErrorKind.RESET),
        (TimeoutError("timed out"), "dns", ErrorKind.CONNECT_TIMEOUT),
        (TimeoutError("timed out"), "connect", ErrorKind.CONNECT_TIMEOUT),
        (TimeoutError("timed out"), "tls", ErrorKind.TLS),
        (TimeoutError("timed out"), "send", ErrorKind.READ_TIMEOUT),
        (TimeoutError("timed out"), "recv", ErrorKind.READ_TIMEOUT),
        (OSError(errno.ENETUNREACH, "Network is unreachable"), "connect", ErrorKind.UNREACHABLE),
        (OSError(errno.EHOSTUNREACH, "No route to host"), "connect", ErrorKind.UNREACHABLE),
        (OSError(errno.EADDRNOTAVAIL, "Cannot assign"), "connect", ErrorKind.UNREACHABLE),
        (OSError(errno.EMFILE, "Too many open files"), "connect", ErrorKind.OS),
        (_verify_error("unable to get local issuer certificate"), "tls", ErrorKind.TLS),
        (_ssl_error(ssl.SSLError, "WRONG_VERSION_NUMBER", "wrong version"), "tls", ErrorKind.TLS),
        (_ssl_error(ssl.SSLZeroReturnError, "ZERO_RETURN", "closed"), "recv", ErrorKind.TLS),
        (_ssl_error(ssl.SSLEOFError, "UNEXPECTED_EOF_WHILE_READING", "eof"), "tls", ErrorKind.TLS),
        (ValueError("something odd"), "recv", ErrorKind.PROTOCOL),
    ],
)
def test_each_exception_maps_to_its_kind(exc: BaseException, phase: str, kind: ErrorKind) -> None:
    """The kind depends on the exception and, for timeouts, on the phase it happened in."""
    err = translate(exc, phase, "example.test:80")
    assert isinstance(err, TransportError)
    assert err.kind is kind
    assert "example.test:80" in err.message
    assert "\n" not in err.message


def test_dns_failure_names_the_host_and_the_reason() -> None:
    """A resolver failure says what could not be resolved and why."""
    err = translate(socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "dns", "x:1")
    assert err.kind is ErrorKind.DNS
    assert err.message == "cannot resolve (x:1): Name or service not known"


def test_a_verification_failure_says_verification_and_the_reason() -> None:
    """A certificate error carries OpenSSL's verify message, e.g. the hostname mismatch."""
    err = translate(_verify_error("Hostname mismatch, certificate is not valid"), "tls", "h:443")
    assert err.kind is ErrorKind.TLS
    assert "verification failed" in err.message
    assert "Hostname mismatch" in err.message


def test_timeouts_by_phase_have_distinct_messages() -> None:
    """connect, tls and recv timeouts read differently, so a person can tell them apart."""
    messages = {
        phase: translate(TimeoutError(), phase).message for phase in ("connect", "tls", "recv")
    }
    assert messages == {
        "connect": "connect timed out",
        "tls": "TLS handshake timed out",
        "recv": "recv timed out",
    }


def test_a_transport_error_passes_through_unchanged() -> None:
    """An error already translated is returned as it is, not wrapped again."""
    original = TransportError(ErrorKind.CANCELLED, "cancelled")
    assert translate(original, "recv") is original


def test_without_a_place_the_message_has_no_parentheses() -> None:
    """The place is optional; without it the message stays clean."""
    assert translate(ConnectionRefusedError(), "connect").message == "connection refused"


def test_a_tls_failure_carries_openssl_reason() -> None:
    """A handshake failure other than verification names the phase and OpenSSL's reason."""
    exc = _ssl_error(ssl.SSLError, "WRONG_VERSION_NUMBER", "[SSL] wrong version number")
    err = translate(exc, "tls", "h:443")
    assert err.message == "TLS failed during tls (h:443): WRONG_VERSION_NUMBER"


def test_translate_never_raises_for_an_sslerror_without_reason() -> None:
    """translate() must not raise itself, whatever SSLError it is given."""
    err = translate(ssl.SSLError("ALPN protocols must be 1 to 255 in length"), "tls")
    assert err.kind is ErrorKind.TLS
