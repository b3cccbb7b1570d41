"""The Exchange document (DESIGN.md §4): the JSON other tools rely on.

Bytes are base64; header names and values are their bytes decoded as
ISO-8859-1, which maps every byte to one character, so nothing is lost; times
are seconds from the start of the exchange. Keys beyond the contract (spans)
are additive.
"""

from __future__ import annotations

import base64
from typing import Any

from inspector.model import Anomaly, Exchange, HeaderField, ParsedResponse


def b64(data: bytes) -> str:
    """Base64 text of bytes."""
    return base64.b64encode(data).decode("ascii")


def text(data: bytes) -> str:
    """Lossless text form of header bytes (ISO-8859-1)."""
    return data.decode("latin-1")


def _fields(fields: tuple[HeaderField, ...]) -> list[list[str]]:
    return [[text(f.name), text(f.value)] for f in fields]


def anomaly_doc(anomaly: Anomaly) -> dict[str, Any]:
    """One anomaly as a JSON object."""
    return {
        "code": anomaly.code,
        "severity": anomaly.severity.value,
        "start": anomaly.start,
        "end": anomaly.end,
        "message": anomaly.message,
        "rfc": anomaly.rfc,
    }


def response_doc(parsed: ParsedResponse, body: bytes) -> dict[str, Any] | None:
    """The ``response`` member, or None when no status line was read.

    Args:
        parsed: The parse.
        body: The body with transfer framing removed (``parsed.body`` or read
            back from a transcript).
    """
    if parsed.status is None:
        return None
    return {
        "http_version": text(parsed.http_version),
        "status": parsed.status,
        "reason": text(parsed.reason),
        "headers": _fields(parsed.headers),
        "body_b64": b64(body),
        "framing": parsed.framing.value if parsed.framing else "none",
        "interim": [
            {
                "http_version": text(i.http_version),
                "status": i.status,
                "reason": text(i.reason),
                "headers": _fields(i.headers),
                "start": i.start,
                "end": i.end,
            }
            for i in parsed.interim
        ],
        "trailers": _fields(parsed.trailers),
        "keep_alive": parsed.keep_alive,
        "complete": parsed.complete,
        "status_line_span": list(parsed.status_line_span),
        "head_span": list(parsed.head_span),
        "header_spans": [[f.start, f.end] for f in parsed.headers],
        "body_spans": [list(s) for s in parsed.body_spans],
        "end": parsed.end,
    }


def exchange_doc(exchange: Exchange) -> dict[str, Any]:
    """The whole Exchange document, with the compared engines in ``comparisons``."""
    tr = exchange.transcript
    spec = exchange.spec
    t0 = tr.started
    timings = exchange.timings
    tls = exchange.tls
    return {
        "engine": exchange.engine,
        "request": {
            "method": text(spec.method),
            "url": spec.url,
            "headers": [[text(n), text(v)] for n, v in spec.headers],
            "body_b64": b64(spec.body),
            "raw_b64": b64(spec.raw) if spec.raw is not None else None,
        },
        "sent_b64": b64(tr.sent.read()),
        "received_b64": b64(tr.received.read()),
        "events": [
            {
                "t": round(e.t - t0, 9),
                "kind": e.kind.value,
                "offset": e.offset,
                "size": e.size,
                **({"detail": e.detail} if e.detail else {}),
            }
            for e in tr.events
        ],
        "response": response_doc(exchange.response, exchange.response_body())
        if exchange.response
        else None,
        "anomalies": [anomaly_doc(a) for a in exchange.anomalies],
        "timings": {
            "dns": timings.dns,
            "connect": timings.connect,
            "tls": timings.tls,
            "send": timings.send,
            "ttfb": timings.ttfb,
            "receive": timings.receive,
            "total": timings.total,
        },
        "tls": None
        if tls is None
        else {
            "version": tls.version,
            "cipher": tls.cipher,
            "alpn": tls.alpn,
            "peer_cert": None
            if tls.peer_cert is None
            else {
                "subject": tls.peer_cert.subject,
                "issuer": tls.peer_cert.issuer,
                "not_after": tls.peer_cert.not_after,
                "san": list(tls.peer_cert.san),
            },
        },
        "error": None
        if exchange.error is None
        else {"kind": exchange.error.kind.value, "message": exchange.error.message},
        "comparisons": [exchange_doc(c) for c in exchange.comparisons],
        "connection": None
        if exchange.connection is None
        else {
            "id": exchange.connection.id,
            "reused": exchange.connection.reused,
            "remote": exchange.connection.remote,
            "local": exchange.connection.local,
            "addresses_tried": list(exchange.connection.addresses_tried),
            "closed_by": exchange.connection.closed_by,
            "proxy": exchange.connection.proxy,
        },
        "library": exchange.library,
    }
