"""What every reference engine shares: recording, our parse of its transcript, the Exchange."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from typing import Any

from inspector.model import (
    ErrorKind,
    EventKind,
    Exchange,
    ExchangeError,
    RequestSpec,
    Timings,
    Transcript,
)
from inspector.net import SendOptions, request_method
from inspector.wire.parser import ResponseParser
from inspector.wire.serialize import find_head_end

# A header block both libraries accept: RFC 9110 token names, visible values.
_TOKEN = frozenset(b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


@dataclass
class LibraryReport:
    """What a library itself said about the response, JSON-ready for the Exchange document."""

    name: str
    version: str
    expressed: bool = True
    """False when the library cannot send this request at all (a raw request, say)."""
    not_expressed: str | None = None
    status: int | None = None
    reason: str | None = None
    http_version: str | None = None
    headers: list[list[str]] = field(default_factory=list)
    """Headers as the library's main API exposes them (its case and merging)."""
    body: bytes | None = None
    """The body after the library's own decoding."""
    body_decoded: bool = False
    """Whether the library undid Content-Encoding."""
    keep_alive: bool | None = None
    exception: dict[str, str] | None = None
    """``{type, message, kind}`` when the library raised."""
    hung: bool = False
    """Whether the library waited until the timeout."""
    crashed: bool = False
    """Whether our engine code itself failed (a bug, not the library's answer)."""

    def to_doc(self) -> dict[str, object]:
        return {
            "name": self.name,
            "version": self.version,
            "expressed": self.expressed,
            "not_expressed": self.not_expressed,
            "status": self.status,
            "reason": self.reason,
            "http_version": self.http_version,
            "headers": self.headers,
            "body_b64": None if self.body is None else base64.b64encode(self.body).decode(),
            "body_decoded": self.body_decoded,
            "keep_alive": self.keep_alive,
            "exception": self.exception,
            "hung": self.hung,
            "crashed": self.crashed,
        }


def not_expressible(spec: RequestSpec) -> str | None:
    """Why a library API cannot carry this spec faithfully, or None when it can."""
    if spec.raw is not None:
        return "a raw request cannot be expressed through a library API"
    if spec.request_target is not None:
        return "a custom request-target cannot be expressed through a library API"
    for name, value in spec.headers:
        if not name or name.translate(None, bytes(_TOKEN)):
            return f"the header name {name!r} is not a token; the library refuses it"
        if any(c in value for c in b"\r\n\x00"):
            return f"the value of {name.decode('latin-1')} holds CR, LF or NUL"
    if spec.http_version != b"HTTP/1.1":
        return f"the library speaks HTTP/1.1 only, not {spec.http_version.decode('latin-1')}"
    return None


def bad_input(
    engine: str,
    spec: RequestSpec,
    report: LibraryReport,
    exc: Exception,
    options: SendOptions,
) -> Exchange:
    """The Exchange of an engine stopped by unusable input (a bad --proxy, say)."""
    report.exception = exception_doc(exc, ErrorKind.INVALID_REQUEST)
    transcript = Transcript(options.spill_threshold)
    error = ExchangeError(ErrorKind.INVALID_REQUEST, f"{engine}: {exc}")
    return finish(engine, spec, transcript, transcript.started, report, error, options)


def _after_tunnel(spec: RequestSpec, sent: bytes, received: bytes) -> tuple[int, int] | None:
    """Where the request and its response start, after a proxy's CONNECT exchange if any.

    An engine that opens a CONNECT tunnel through the recording layer (httpx)
    records the CONNECT head and the proxy's reply before the tunnelled request
    and its response, as our own client does. Returns ``(sent, received)``
    offsets (0, 0 without a tunnel), or None when the proxy did not open the
    tunnel: then no response to the request ever came.
    """
    if spec.method.upper() == b"CONNECT" or not sent.startswith(b"CONNECT "):
        return 0, 0
    end = find_head_end(sent)
    parser = ResponseParser(b"CONNECT")
    parser.feed(received)
    reply = parser.result()
    if end is None or not parser.done or reply.status is None or not 200 <= reply.status < 300:
        return None
    return end.body, reply.end


def finish(
    engine: str,
    spec: RequestSpec,
    transcript: Transcript,
    started: float,
    report: LibraryReport,
    error: ExchangeError | None,
    options: SendOptions,
) -> Exchange:
    """Parse the engine's received bytes with *our* parser and build its Exchange.

    Through a CONNECT tunnel the response is read after the proxy's reply (the
    origin's response, never the proxy's ``200``), and the timings are those
    of the tunnelled request.
    """
    events = transcript.events  # one snapshot
    received = transcript.received.read()
    response = None
    starts = _after_tunnel(spec, transcript.sent.read(), received)
    sent_at, start = starts if starts is not None else (0, len(received))
    if len(received) > start:
        parser = ResponseParser(
            request_method(spec),
            limits=options.limits,
            keep_body=True,
            start_offset=start,
        )
        parser.feed(memoryview(received)[start:])
        if any(e.kind is EventKind.EOF for e in events):
            parser.feed_eof()
        response = parser.result()
    sends = [e.t for e in events if e.kind is EventKind.SEND and e.offset >= sent_at]
    recvs = [e.t for e in events if e.kind is EventKind.RECV and e.offset >= start]
    timings = Timings(
        send=(sends[-1] - sends[0]) if sends else None,
        ttfb=max(0.0, recvs[0] - sends[-1]) if sends and recvs else None,
        receive=(recvs[-1] - recvs[0]) if recvs else None,
        total=time.monotonic() - started,
    )
    return Exchange(
        engine=engine,
        spec=spec,
        transcript=transcript,
        response=response,
        anomalies=response.anomalies if response is not None else (),
        timings=timings,
        error=error,
        library=report.to_doc(),
    )


def unexpressed(
    engine: str, spec: RequestSpec, report: LibraryReport, why: str, options: SendOptions
) -> Exchange:
    """The Exchange of an engine that could not send the request at all."""
    report.expressed = False
    report.not_expressed = why
    transcript = Transcript(options.spill_threshold)
    error = ExchangeError(ErrorKind.INVALID_REQUEST, f"{engine}: {why}")
    return finish(engine, spec, transcript, transcript.started, report, error, options)


def exception_doc(exc: BaseException, kind: ErrorKind) -> dict[str, str]:
    """How a library exception is reported: its type, its message, our kind."""
    return {"type": type(exc).__name__, "message": str(exc), "kind": kind.value}


def header_text(pairs: Any) -> list[list[str]]:
    """Header pairs (str or bytes) as text lists, bytes read as ISO-8859-1."""
    out = []
    for name, value in pairs:
        n = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        v = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        out.append([n, v])
    return out
