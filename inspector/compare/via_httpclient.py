"""The spec through Python's ``http.client``, every byte recorded by our recorder.

Only public API: an HTTPConnection subclass whose ``connect()`` hands the
library a socket that records (for HTTPS, the TLS socket, so the plaintext is
recorded), and ``request()`` with a header mapping that keeps order and
duplicates.

Through ``--proxy`` (read as our client reads it): for ``http`` the connection
goes to the proxy and the request carries the absolute-form target, as ours
does; for ``https`` the library's own ``set_tunnel`` opens a CONNECT tunnel and
TLS runs inside it to the origin, verified as ours is. http.client writes that
CONNECT and reads the proxy's reply before ``connect()`` returns the socket to
us, so those bytes are not in the transcript: a CONNECT event says so, and the
transcript holds the plaintext above TLS.
"""

from __future__ import annotations

import http.client
import platform
import socket
import ssl
import time
from collections.abc import Iterator

from inspector.compare.common import (
    LibraryReport,
    bad_input,
    exception_doc,
    finish,
    header_text,
    not_expressible,
    unexpressed,
)
from inspector.compare.shim import SocketShim
from inspector.model import (
    ErrorKind,
    EventKind,
    Exchange,
    ExchangeError,
    InputError,
    RequestSpec,
    Transcript,
)
from inspector.net import SendOptions
from inspector.net.connection import proxy_target
from inspector.net.errors import translate
from inspector.net.recorder import RecordingSocket
from inspector.net.tls import make_context
from inspector.wire.serialize import request_target

ENGINE = "http.client"


class _Pairs:
    """A header mapping that keeps order and duplicates (http.client iterates items())."""

    def __init__(self, pairs: tuple[tuple[bytes, bytes], ...]) -> None:
        self._pairs = [(n.decode("latin-1"), v) for n, v in pairs]

    def __iter__(self) -> Iterator[str]:
        return (n for n, _ in self._pairs)

    def items(self) -> list[tuple[str, bytes]]:
        return list(self._pairs)


_TUNNEL_REFUSED = "Tunnel connection failed"
"""How http.client's message starts when the proxy answers CONNECT with no 200."""


def _record(sock: socket.socket, transcript: Transcript, via: str) -> SocketShim:
    peer = sock.getpeername()
    transcript.record_event(EventKind.CONNECT, f"-> {peer[0]}:{peer[1]}{via}")
    if isinstance(sock, ssl.SSLSocket):
        transcript.record_event(EventKind.TLS, str(sock.version()))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return SocketShim(RecordingSocket(sock, transcript))


class _RecordingHTTP(http.client.HTTPConnection):
    transcript: Transcript
    via = ""
    """Said after the peer address in the CONNECT event (which proxy, what tunnel)."""

    def connect(self) -> None:
        super().connect()
        self.sock = _record(self.sock, self.transcript, self.via)


class _RecordingHTTPS(http.client.HTTPSConnection):
    transcript: Transcript
    via = ""

    def connect(self) -> None:
        super().connect()  # the TLS socket (inside the tunnel, if any): the recorder sees plaintext
        self.sock = _record(self.sock, self.transcript, self.via)


def _kind(exc: BaseException) -> ErrorKind:
    if type(exc) is OSError and str(exc).startswith(_TUNNEL_REFUSED):
        return ErrorKind.PROTOCOL  # as our client reports a proxy that refused the tunnel
    if isinstance(exc, http.client.IncompleteRead | http.client.RemoteDisconnected):
        return ErrorKind.INCOMPLETE
    if isinstance(exc, http.client.HTTPException):
        return ErrorKind.PROTOCOL
    if isinstance(exc, OSError):
        return translate(exc, "recv").kind
    return ErrorKind.PROTOCOL


def run(spec: RequestSpec, options: SendOptions) -> Exchange:
    """Send the spec with http.client; never raises for what the library raises."""
    report = LibraryReport(ENGINE, f"Python {platform.python_version()}")
    why = not_expressible(spec)
    if why is not None:
        return unexpressed(ENGINE, spec, report, why, options)
    try:
        proxy = proxy_target(options)
    except InputError as exc:
        return bad_input(ENGINE, spec, report, exc, options)
    transcript = Transcript(options.spill_threshold)
    started = transcript.started
    target = spec.target
    hop = proxy or target  # where the TCP connection goes
    error: ExchangeError | None = None
    conn: _RecordingHTTP | _RecordingHTTPS
    if target.tls:
        context = make_context(options.verify, options.cacert)
        conn = _RecordingHTTPS(hop.host, hop.port, timeout=options.read_timeout, context=context)
        if proxy is not None:
            conn.set_tunnel(target.host, target.port)
            conn.via = (
                f" (the proxy {options.proxy}); http.client wrote CONNECT"
                f" {target.host}:{target.port} and read the proxy's reply before recording"
                " began, so those bytes are not in this transcript"
            )
    else:
        conn = _RecordingHTTP(hop.host, hop.port, timeout=options.read_timeout)
        if proxy is not None:
            conn.via = f" (the proxy {options.proxy})"
    conn.transcript = transcript
    # Through a proxy, plain http asks for the absolute URL (RFC 9112 §3.2.2), as ours does.
    absolute = proxy is not None and not target.tls
    try:
        conn.request(
            spec.method.decode("latin-1"),
            request_target(spec.url, absolute=absolute).decode("ascii"),
            body=spec.body or None,
            headers=_Pairs(spec.headers),  # type: ignore[arg-type]
        )
        resp = conn.getresponse()
        report.status = resp.status
        report.reason = resp.reason
        report.http_version = {10: "HTTP/1.0", 11: "HTTP/1.1"}.get(resp.version, str(resp.version))
        report.headers = header_text(resp.msg.items())
        report.keep_alive = not resp.will_close
        report.body = resp.read()
    except Exception as exc:  # noqa: BLE001 - each library failure is a result, not a crash
        kind = _kind(exc)
        report.exception = exception_doc(exc, kind)
        if proxy is not None and not any(e.kind is EventKind.CONNECT for e in transcript.events):
            where = f"the proxy {options.proxy}"
            transcript.record_event(EventKind.ERROR, f"{where}: {type(exc).__name__}: {exc}")
        report.hung = isinstance(exc, TimeoutError)
        if report.hung:
            transcript.record_event(EventKind.TIMEOUT, "http.client waited until the timeout")
        error = ExchangeError(kind, f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()
        transcript.record_event(EventKind.CLOSE, "", time.monotonic())
    return finish(ENGINE, spec, transcript, started, report, error, options)
