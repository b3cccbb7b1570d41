"""Golden raw responses in tests/data/responses: NAME.raw (exact bytes) and NAME.json.

A golden expectation records the method the response answers and everything
the parse must give: fields with spans, body, framing, completeness and the
anomalies with their spans. Text is ISO-8859-1 so every byte survives JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inspector.wire.parser import ResponseParser

DATA = Path(__file__).resolve().parents[1] / "data" / "responses"


def _t(b: bytes) -> str:
    return b.decode("latin-1")


def parse(method: bytes, pieces: list[bytes]) -> ResponseParser:
    """Feed pieces, then EOF."""
    p = ResponseParser(method)
    for piece in pieces:
        p.feed(piece)
    p.feed_eof()
    return p


def describe(method: bytes, parser: ResponseParser) -> dict[str, Any]:
    """Everything a golden file pins down about one parse."""
    r = parser.result()
    return {
        "method": _t(method),
        "status": r.status,
        "reason": _t(r.reason),
        "http_version": _t(r.http_version),
        "headers": [[_t(h.name), _t(h.value), h.start, h.end] for h in r.headers],
        "interim": [[i.status, [[_t(h.name), _t(h.value)] for h in i.headers]] for i in r.interim],
        "trailers": [[_t(h.name), _t(h.value), h.start, h.end] for h in r.trailers],
        "framing": r.framing.value if r.framing else None,
        "content_length": r.content_length,
        "body": _t(r.body or b""),
        "body_spans": [list(s) for s in r.body_spans],
        "complete": r.complete,
        "keep_alive": r.keep_alive,
        "end": r.end,
        "leftover": _t(parser.leftover),
        "anomalies": [[a.code, a.severity.value, a.start, a.end] for a in r.anomalies],
    }


def expectation(method: bytes, raw: bytes) -> dict[str, Any]:
    """The description of a whole-input parse (used to write a new golden file)."""
    return describe(method, parse(method, [raw] if raw else []))


def names() -> list[str]:
    """Every golden case, by file stem."""
    return sorted(p.stem for p in DATA.glob("*.raw"))
