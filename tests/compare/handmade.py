"""Hand-built Exchanges for the pure diff tests: transcripts, our parse, a library dict."""

from __future__ import annotations

import base64

from inspector.compare.common import LibraryReport
from inspector.compare.diff import Difference
from inspector.model import (
    Exchange,
    ExchangeError,
    ParsedResponse,
    RequestSpec,
    Timings,
    Transcript,
)
from inspector.wire.parser import ResponseParser

SPEC = RequestSpec(url="http://example.test/")
GET = b"GET / HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n\r\n"
NO_TIMINGS = Timings()
OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


def parse(received: bytes) -> ParsedResponse:
    parser = ResponseParser(b"GET", keep_body=True)
    parser.feed(received)
    parser.feed_eof()
    return parser.result()


def make(
    engine: str = "inspector",
    sent: bytes = GET,
    received: bytes = OK,
    *,
    library: dict[str, object] | None = None,
    error: ExchangeError | None = None,
    timings: Timings = NO_TIMINGS,
) -> Exchange:
    return Exchange(
        engine=engine,
        spec=SPEC,
        transcript=Transcript.from_bytes(received, sent),
        response=parse(received) if received else None,
        timings=timings,
        error=error,
        library=library,
    )


def report(name: str = "httpx", **fields: object) -> dict[str, object]:
    """A library dict as the engines write it, from what the library reported."""
    doc = LibraryReport(name, "1.0").to_doc()
    doc.update(fields)
    return doc


def lib_ok(name: str = "httpx", **fields: object) -> dict[str, object]:
    """What a library reports for OK, exposing the headers as given."""
    base: dict[str, object] = {
        "status": 200,
        "reason": "OK",
        "http_version": "HTTP/1.1",
        "headers": [["Content-Type", "text/plain"], ["Content-Length", "2"]],
        "body_b64": base64.b64encode(b"ok").decode(),
        "keep_alive": True,
    }
    base.update(fields)
    return report(name, **base)


def fields(diffs: tuple[Difference, ...] | list[Difference]) -> list[str]:
    return [d.field for d in diffs]


def one(diffs: tuple[Difference, ...], field: str) -> Difference:
    found = [d for d in diffs if d.field == field]
    assert len(found) == 1, fields(diffs)
    return found[0]
