"""How the parts of an Exchange become history columns, and back, losslessly.

Small records are JSON; bytes inside them are ISO-8859-1 strings (one char per
byte, so nothing is lost); floats round-trip exactly through ``repr``. Large
bytes (transcripts, request bodies) are BLOBs, handled by ``history``.

The response is not stored: it is re-parsed by our parser from the received
bytes with the parameters in :class:`ParseParams`. When a re-parse would not
give back the very same response (the exchange used non-default parser limits,
say), the response itself is stored as JSON instead.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any

from inspector.model import (
    Anomaly,
    ByteStream,
    ChunkRecord,
    ConnectionInfo,
    ErrorKind,
    Event,
    EventKind,
    Exchange,
    ExchangeError,
    Framing,
    HeaderField,
    InterimResponse,
    ParsedResponse,
    PeerCertificate,
    RequestSpec,
    Severity,
    Timings,
    TlsInfo,
    Transcript,
)
from inspector.wire.parser import ResponseParser

READ_CHUNK = 1024 * 1024
"""Bytes moved at a time between a transcript and the database."""

Doc = dict[str, Any]


def dumps(value: object) -> str:
    """Compact JSON text, non-ASCII kept as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _s(data: bytes) -> str:
    return data.decode("latin-1")


def _b(text: str) -> bytes:
    return text.encode("latin-1")


def request_method(spec: RequestSpec) -> bytes:
    """The method the response answers: the spec's, or the first word of its raw bytes.

    The same rule as ``inspector.net.request_method`` (which ``store`` may not import).
    """
    if spec.raw is None:
        return spec.method
    return spec.raw.lstrip(b"\r\n").split(b" ", 1)[0]


# ------------------------------------------------------------------ request
def spec_doc(spec: RequestSpec) -> Doc:
    """The spec without its body and raw bytes (stored as BLOBs)."""
    return {
        "method": _s(spec.method),
        "url": spec.url,
        "http_version": _s(spec.http_version),
        "headers": [[_s(n), _s(v)] for n, v in spec.headers],
        "request_target": None if spec.request_target is None else _s(spec.request_target),
        "meta": dict(spec.meta),
    }


def spec_from(doc: Doc, body: bytes, raw: bytes | None) -> RequestSpec:
    """The spec back from :func:`spec_doc` plus its BLOBs."""
    target = doc["request_target"]
    return RequestSpec(
        method=_b(doc["method"]),
        url=doc["url"],
        http_version=_b(doc["http_version"]),
        headers=tuple((_b(n), _b(v)) for n, v in doc["headers"]),
        body=body,
        raw=raw,
        request_target=None if target is None else _b(target),
        meta=dict(doc["meta"]),
    )


# ------------------------------------------------------------------ transcript
def events_doc(events: Iterable[Event]) -> list[list[Any]]:
    """Events as ``[t, kind, offset, size, detail]`` rows."""
    return [[e.t, e.kind.value, e.offset, e.size, e.detail] for e in events]


def events_from(rows: list[list[Any]]) -> list[Event]:
    """Events back from :func:`events_doc`."""
    return [
        Event(t, EventKind(kind), offset, size, detail) for t, kind, offset, size, detail in rows
    ]


def rebuild_transcript(
    started: float,
    events: list[Event],
    sent: Callable[[int, int], bytes],
    received: Callable[[int, int], bytes],
    sizes: tuple[int, int],
) -> Transcript:
    """A Transcript equal to the stored one: same bytes, same events, same start.

    Args:
        started: The original ``Transcript.started``.
        events: The original events, in order.
        sent: Reads ``[start, end)`` of the sent bytes.
        received: Reads ``[start, end)`` of the received bytes.
        sizes: How many bytes were sent and received.
    """
    tr = Transcript()
    tr.started = started
    streams = {EventKind.SEND: (tr.sent, sent), EventKind.RECV: (tr.received, received)}
    regular = True
    for ev in events:
        pair = streams.get(ev.kind)
        if pair is not None and not ev.detail and ev.offset == len(pair[0]):
            data = pair[1](ev.offset, ev.offset + ev.size)
            if ev.kind is EventKind.SEND:
                tr.record_send(data, ev.t)
            else:
                tr.record_recv(data, ev.t)
        elif pair is None and not ev.offset and not ev.size:
            tr.record_event(ev.kind, ev.detail, ev.t)
        else:
            regular = False
            break
    for (stream, read), total in zip(streams.values(), sizes, strict=True):
        pos = len(stream)
        while pos < total:
            piece = read(pos, min(total, pos + READ_CHUNK))
            stream.append(piece)
            pos += len(piece)
    if not regular:
        # Every producer records through record_send/record_recv/record_event, so the
        # events always tile the streams; should one ever not, keep the events as they
        # were rather than invent others. (A public Transcript.restore would avoid this.)
        tr._events = list(events)
    return tr


# ------------------------------------------------------------------ small records
def timings_doc(t: Timings) -> Doc:
    """Timings as a dict of floats or None."""
    return asdict(t)


def timings_from(doc: Doc) -> Timings:
    """Timings back from :func:`timings_doc`."""
    return Timings(**doc)


def tls_doc(tls: TlsInfo | None) -> Doc | None:
    """TLS facts as JSON."""
    if tls is None:
        return None
    cert = tls.peer_cert
    return {
        "version": tls.version,
        "cipher": tls.cipher,
        "alpn": tls.alpn,
        "peer_cert": None
        if cert is None
        else {
            "subject": cert.subject,
            "issuer": cert.issuer,
            "not_after": cert.not_after,
            "san": list(cert.san),
        },
    }


def tls_from(doc: Doc | None) -> TlsInfo | None:
    """TLS facts back from :func:`tls_doc`."""
    if doc is None:
        return None
    c = doc["peer_cert"]
    cert = (
        None
        if c is None
        else PeerCertificate(c["subject"], c["issuer"], c["not_after"], tuple(c["san"]))
    )
    return TlsInfo(doc["version"], doc["cipher"], doc["alpn"], cert)


def error_doc(error: ExchangeError | None) -> Doc | None:
    """The error as ``{kind, message}``."""
    return None if error is None else {"kind": error.kind.value, "message": error.message}


def error_from(doc: Doc | None) -> ExchangeError | None:
    """The error back from :func:`error_doc`."""
    return None if doc is None else ExchangeError(ErrorKind(doc["kind"]), doc["message"])


def connection_doc(conn: ConnectionInfo | None) -> Doc | None:
    """Connection facts as JSON."""
    if conn is None:
        return None
    doc = asdict(conn)
    doc["addresses_tried"] = list(conn.addresses_tried)
    return doc


def connection_from(doc: Doc | None) -> ConnectionInfo | None:
    """Connection facts back from :func:`connection_doc`."""
    if doc is None:
        return None
    return ConnectionInfo(**{**doc, "addresses_tried": tuple(doc["addresses_tried"])})


def anomalies_doc(anomalies: Iterable[Anomaly]) -> list[list[Any]]:
    """Anomalies as ``[code, severity, start, end, message, rfc]`` rows."""
    return [[a.code, a.severity.value, a.start, a.end, a.message, a.rfc] for a in anomalies]


def anomalies_from(rows: list[list[Any]]) -> tuple[Anomaly, ...]:
    """Anomalies back from :func:`anomalies_doc`."""
    return tuple(Anomaly(c, Severity(s), a, b, m, r) for c, s, a, b, m, r in rows)


# ------------------------------------------------------------------ response
def parse_params(exchange: Exchange) -> Doc | None:
    """How the engine's parser was set up, as far as the Exchange tells."""
    resp = exchange.response
    if resp is None:
        return None
    spec = exchange.spec
    upgrade = exchange.engine == "inspector" and (
        any(n.lower() == b"upgrade" for n, _ in spec.headers)
        or (spec.raw is not None and b"\nupgrade:" in spec.raw.lower())
    )
    return {
        "method": _s(request_method(spec)),
        "start": resp.start,
        "keep_body": resp.body is not None,
        "upgrade": upgrade,
        "eof": any(e.kind is EventKind.EOF for e in exchange.transcript.events),
    }


def reparse(params: Doc, received: ByteStream) -> ParsedResponse:
    """Run our parser over the received bytes again, set up as ``params`` say."""
    parser = ResponseParser(
        _b(params["method"]),
        keep_body=params["keep_body"],
        start_offset=params["start"],
        upgrade_requested=params["upgrade"],
    )
    # Bytes past the message's end become leftover, as they did for the engine.
    pos, total = params["start"], len(received)
    while pos < total:
        piece = received.read(pos, min(total, pos + READ_CHUNK))
        parser.feed(piece)
        pos += len(piece)
    if params["eof"]:
        parser.feed_eof()
    return parser.result()


def _fields_doc(fields: Iterable[HeaderField]) -> list[list[Any]]:
    return [[_s(f.name), _s(f.value), _s(f.raw), f.start, f.end] for f in fields]


def _fields_from(rows: list[list[Any]]) -> tuple[HeaderField, ...]:
    return tuple(HeaderField(_b(n), _b(v), _b(r), s, e) for n, v, r, s, e in rows)


def response_doc(r: ParsedResponse) -> Doc:
    """The whole parsed response, for when re-parsing would not reproduce it."""
    return {
        "http_version": _s(r.http_version),
        "status": r.status,
        "reason": _s(r.reason),
        "headers": _fields_doc(r.headers),
        "interim": [
            [_s(i.http_version), i.status, _s(i.reason), _fields_doc(i.headers), i.start, i.end]
            for i in r.interim
        ],
        "trailers": _fields_doc(r.trailers),
        "framing": None if r.framing is None else r.framing.value,
        "content_length": r.content_length,
        "body_b64": None if r.body is None else base64.b64encode(r.body).decode("ascii"),
        "body_size": r.body_size,
        "body_spans": [list(s) for s in r.body_spans],
        "chunks": [list(c) for c in r.chunks],
        "status_line_span": list(r.status_line_span),
        "head_span": list(r.head_span),
        "start": r.start,
        "end": r.end,
        "complete": r.complete,
        "keep_alive": r.keep_alive,
        "anomalies": anomalies_doc(r.anomalies),
    }


def response_from(d: Doc) -> ParsedResponse:
    """The parsed response back from :func:`response_doc`."""
    body = d["body_b64"]
    return ParsedResponse(
        http_version=_b(d["http_version"]),
        status=d["status"],
        reason=_b(d["reason"]),
        headers=_fields_from(d["headers"]),
        interim=tuple(
            InterimResponse(_b(v), st, _b(r), _fields_from(h), s, e)
            for v, st, r, h, s, e in d["interim"]
        ),
        trailers=_fields_from(d["trailers"]),
        framing=None if d["framing"] is None else Framing(d["framing"]),
        content_length=d["content_length"],
        body=None if body is None else base64.b64decode(body),
        body_size=d["body_size"],
        body_spans=tuple((s, e) for s, e in d["body_spans"]),
        chunks=tuple(ChunkRecord(*c) for c in d["chunks"]),
        status_line_span=(d["status_line_span"][0], d["status_line_span"][1]),
        head_span=(d["head_span"][0], d["head_span"][1]),
        start=d["start"],
        end=d["end"],
        complete=d["complete"],
        keep_alive=d["keep_alive"],
        anomalies=anomalies_from(d["anomalies"]),
    )


def response_columns(exchange: Exchange) -> tuple[str | None, str | None]:
    """The ``parse`` and ``response`` columns: parameters, or the response when they fall short."""
    resp = exchange.response
    params = parse_params(exchange)
    if resp is None or params is None:
        return None, None
    if reparse(params, exchange.transcript.received) == resp:
        return dumps(params), None
    return dumps(params), dumps(response_doc(resp))
