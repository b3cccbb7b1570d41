"""What each reference engine *would* write, without a real server.

A throwaway loopback sink on ``127.0.0.1:0`` reads one request per connection
(its head, plus a Content-Length or chunked body) and closes without answering.
Each engine is pointed at the sink by rewriting the URL's host and port (always
plain ``http``: for an ``https`` URL this shows the plaintext that would go
inside TLS), and its transcript holds what it wrote. The only trace of the
sink left in those bytes is the ``Host`` value, which an engine derives from the
URL: it is put back to the original authority, and the note says so.

With ``--proxy``, a plain ``http`` URL is kept as it is and the sink plays the
proxy: each engine writes to it the absolute-form request it would write to
the real proxy. An ``https`` URL through a proxy is pointed at the sink as
above, without the proxy: what is shown is the plaintext that would go inside
the tunnel; the CONNECT head before it is not shown (nor is it in ours).
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, replace
from urllib.parse import urlsplit, urlunsplit

from inspector.compare.request_head import parse_request_head
from inspector.compare.run import ENGINES, compare
from inspector.model import EventKind, Exchange, RequestSpec
from inspector.net import SendOptions
from inspector.wire.serialize import host_value

SINK_TIMEOUT = 5.0
"""Seconds the sink waits for more bytes of a request before giving up on it."""
_MAX_REQUEST = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class DryRun:
    """The bytes one engine would write for a spec."""

    engine: str
    sent: bytes
    """What it wrote, with the sink's address in ``Host`` put back to the URL's authority."""
    note: str
    """Why it wrote nothing, or what was adjusted; empty when nothing needs saying."""
    exchange: Exchange
    """Its exchange against the sink (it ends in an error: the sink never answers)."""
    received: bytes = b""
    """What the sink read from it: the same as its transcript's sent bytes."""


def _chunked_done(body: bytes) -> bool:
    """Whether a chunked body is whole: chunks walked by their sizes, then the last chunk
    and the trailer section. A size that is not hex ends it (the sink cannot read on)."""
    pos = 0
    while True:
        nl = body.find(b"\n", pos)
        if nl < 0:
            return False
        try:
            size = int(body[pos:nl].split(b";")[0].strip(), 16)
        except ValueError:
            return True
        pos = nl + 1
        if size == 0:
            # Trailer fields, if any, end with an empty line.
            while True:
                nl = body.find(b"\n", pos)
                if nl < 0:
                    return False
                if body[pos:nl].strip(b"\r") == b"":
                    return True
                pos = nl + 1
        pos += size
        nl = body.find(b"\n", pos)
        if nl < 0:
            return False
        pos = nl + 1


def _request_done(data: bytes) -> bool:
    """Whether ``data`` holds one whole request: head, then its declared body."""
    head = parse_request_head(data)
    if not head.complete:
        return False
    for f in head.fields:
        if f.key == b"transfer-encoding" and b"chunked" in f.value.lower():
            return _chunked_done(head.body)
    for f in head.fields:
        if f.key == b"content-length":
            try:
                return len(head.body) >= int(f.value)
            except ValueError:
                return True
    return True


class Sink:
    """A loopback listener that reads requests and never answers. Use as a context manager."""

    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(8)
        self._listener.settimeout(0.05)  # accept() wakes up to see the stop flag
        self._stop = threading.Event()
        self.port: int = self._listener.getsockname()[1]
        self.received: list[bytes] = []
        """Each request read, in the order connections came."""
        self._thread = threading.Thread(target=self._serve, name="inspector-sink", daemon=True)

    def __enter__(self) -> Sink:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(SINK_TIMEOUT + 1)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                self.received.append(self._read(conn))

    @staticmethod
    def _read(conn: socket.socket) -> bytes:
        conn.settimeout(SINK_TIMEOUT)
        data = bytearray()
        while len(data) < _MAX_REQUEST and not _request_done(bytes(data)):
            try:
                piece = conn.recv(65536)
            except OSError:
                break
            if not piece:
                break
            data += piece
        return bytes(data)


def _at_sink(url: str, port: int) -> str:
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@127.0.0.1:{port}" if userinfo else f"127.0.0.1:{port}"
    return urlunsplit(("http", netloc, parts.path, parts.query, ""))


def _restore_host(sent: bytes, sink: bytes, original: bytes | None) -> tuple[bytes, bool]:
    """Put the URL's authority back in a ``Host`` line that names the sink."""
    if original is None:
        return sent, False
    head = parse_request_head(sent)
    for f in head.fields:
        if f.key == b"host" and f.value == sink:
            line = f.raw.replace(sink, original, 1)
            start = sent.find(f.raw + f.ending)
            return sent[:start] + line + sent[start + len(f.raw) :], True
    return sent, False


def dry_run(
    spec: RequestSpec, options: SendOptions, engines: tuple[str, ...] = tuple(ENGINES)
) -> tuple[DryRun, ...]:
    """Run the spec through each reference engine against a sink that never answers.

    Args:
        spec: The request as the user composed it (its URL is only read).
        options: The send options; timeouts are capped. With a proxy, an http
            URL goes to the sink as to the proxy (absolute-form); an https URL
            goes to the sink without it (the tunnel's plaintext, no CONNECT).
        engines: Which engines to run.

    Returns:
        One DryRun per engine, in order; an engine that cannot send the spec
        has empty ``sent`` and says why in ``note``.
    """
    original = host_value(spec)
    tls = spec.url.lower().startswith("https:")
    as_proxy = bool(options.proxy) and not tls
    with Sink() as sink:
        if as_proxy:  # the URL stays: the engines write the absolute form to the "proxy"
            sink_spec, proxy = spec, f"http://127.0.0.1:{sink.port}"
        else:
            sink_spec, proxy = replace(spec, url=_at_sink(spec.url, sink.port)), None
        opts = replace(
            options,
            proxy=proxy,
            read_timeout=min(options.read_timeout, SINK_TIMEOUT),
            connect_timeout=min(options.connect_timeout, SINK_TIMEOUT),
        )
        exchanges = compare(sink_spec, opts, engines)
    sink_authority = f"127.0.0.1:{sink.port}".encode()
    received = iter(sink.received)
    out = []
    for exchange in exchanges:
        sent = exchange.transcript.sent.read()
        notes = []
        if not sent:
            lib = exchange.library or {}
            why = lib.get("not_expressed") or (exchange.error and exchange.error.message)
            notes.append(f"it writes nothing: {why}")
        else:
            sent, restored = _restore_host(sent, sink_authority, original)
            if restored:
                notes.append("Host put back from the sink's address to the URL's")
            if as_proxy:
                notes.append("as written to the proxy")
            if tls:
                notes.append("the plaintext that would go inside TLS")
                if options.proxy:
                    notes.append("the CONNECT to the proxy not shown")
        connected = any(e.kind is EventKind.CONNECT for e in exchange.transcript.events)
        got = next(received, b"") if connected else b""  # one connection per engine, in order
        out.append(DryRun(exchange.engine, sent, "; ".join(notes), exchange, got))
    return tuple(out)
