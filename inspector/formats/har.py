"""HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/): export exchanges, import requests.

HAR holds a request and a response as name/value pairs and text, so much of
what inspector records does not fit; :data:`HAR_LIMITS` lists it and
:func:`har_losses` says what one exchange loses. Choices:

- The request is what was *sent*, read back from the transcript, so library
  engines show the fields they added; its URL is the scheme and authority of
  the spec's URL with the request-target that was sent.
- Header names and values are their bytes as ISO-8859-1 text (lossless, as in
  the Exchange document); obs-fold in a response value is unfolded.
- Bodies are UTF-8 text when they decode as such, else base64: ``content``
  says ``"encoding": "base64"``; ``postData``, which has no such field in HAR
  1.2, says ``"_encoding": "base64"``. A content-coding is undone when it can
  be (``content.size`` is then the decoded size and ``compression`` the saving).
- Timings are milliseconds; ``dns``, ``connect``, ``ssl`` and ``blocked`` are -1
  when they did not happen; ``connect`` includes ``ssl`` as HAR requires;
  ``send``, ``wait`` and ``receive`` are never negative; ``time`` is their sum.
- Each entry carries ``_inspector`` (HAR allows fields starting with ``_``):
  engine, losses, anomalies, 1xx responses, trailers, framing, TLS, the error,
  a request-target that is not in the URL, the bytes of a raw request and, when
  asked (``include_raw``), both transcript streams in base64.

The importer lives in :mod:`inspector.formats.har_import`; :func:`har_to_specs`
is re-exported here.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib import metadata
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from inspector.formats.document import anomaly_doc, b64, text
from inspector.formats.export import RequestParts
from inspector.formats.har_import import har_to_specs
from inspector.formats.har_losses import har_losses, sent_request
from inspector.model import (
    EventKind,
    Exchange,
    HeaderField,
    InputError,
    ParsedResponse,
    Target,
)
from inspector.wire.decode import decode_content
from inspector.wire.serialize import request_target

__all__ = ["HAR_LIMITS", "exchanges_to_har", "har_entry", "har_losses", "har_to_specs"]

HAR_LIMITS: tuple[str, ...] = (
    "the raw head bytes: whitespace, line endings and obs-fold of the field lines",
    "transfer framing: chunk sizes, chunk extensions, trailers, close-delimited bodies",
    "interim (1xx) responses",
    "the boundaries and time of each send() and recv() call",
    "raw requests that are not 'Name: value' lines",
    "bytes after the response, protocol anomalies, TLS details and transport errors",
)
"""What HAR 1.2 cannot hold; the export writes it in ``log.comment``. Per-exchange
specifics come from :func:`har_losses`, and most of it is kept in ``_inspector``."""


def _version() -> str:
    try:
        return metadata.version("inspector")
    except metadata.PackageNotFoundError:
        return "0"


def _pairs(items: Iterable[tuple[bytes, bytes]]) -> list[dict[str, str]]:
    return [{"name": text(n), "value": text(v)} for n, v in items]


def _fields(fields: Iterable[HeaderField]) -> list[dict[str, str]]:
    return _pairs((f.name, f.unfolded_value) for f in fields)


def _body_text(data: bytes) -> tuple[str, bool]:
    """The body as HAR text, and whether that text is base64."""
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return b64(data), True


def _ms(seconds: float | None) -> float:
    return -1 if seconds is None else round(seconds * 1000, 3)


def _timings(exchange: Exchange) -> dict[str, float]:
    t = exchange.timings
    connect = None if t.connect is None else t.connect + (t.tls or 0.0)
    return {
        "blocked": -1,
        "dns": _ms(t.dns),
        "connect": _ms(connect),
        "ssl": _ms(t.tls),
        "send": max(0.0, _ms(t.send)),
        "wait": max(0.0, _ms(t.ttfb)),
        "receive": max(0.0, _ms(t.receive)),
    }


def _url(exchange: Exchange, parts: RequestParts) -> tuple[str, str | None]:
    """The request URL, and the request-target when the URL cannot carry it."""
    try:
        t: Target | None = exchange.spec.target
    except InputError:  # a URL the client could not use still exports
        t = None
    target = parts.target
    if t is not None and target.startswith(b"/") and all(0x21 <= b <= 0x7E for b in target):
        return f"{t.scheme}://{t.authority}{target.decode('ascii')}", None
    if target.lower().startswith((b"http://", b"https://")) and target.isascii():
        return target.decode("ascii"), None
    spec_url = exchange.spec.url
    same = target == request_target(spec_url) if spec_url else False
    return spec_url, None if same else text(target)


def _cookies(values: list[bytes]) -> list[dict[str, str]]:
    out = []
    for value in values:
        for item in text(value).split(";"):
            name, eq, val = item.strip().partition("=")
            if eq:
                out.append({"name": name, "value": val})
    return out


def _set_cookie(value: str) -> dict[str, Any]:
    first, *attributes = value.split(";")
    name, _, val = first.partition("=")
    cookie: dict[str, Any] = {"name": name.strip(), "value": val.strip()}
    for attribute in attributes:
        key, _, arg = attribute.strip().partition("=")
        key = key.lower()
        if key in ("path", "domain"):
            cookie[key] = arg
        elif key == "expires":
            try:
                cookie["expires"] = parsedate_to_datetime(arg).isoformat()
            except (TypeError, ValueError):
                pass  # an unreadable date is left out rather than guessed
        elif key == "httponly":
            cookie["httpOnly"] = True
        elif key == "secure":
            cookie["secure"] = True
    return cookie


def _request(exchange: Exchange) -> tuple[dict[str, Any], str | None]:
    parts = sent_request(exchange)
    url, custom_target = _url(exchange, parts)
    headers = parts.headers
    doc: dict[str, Any] = {
        "method": text(parts.method),
        "url": url,
        "httpVersion": text(parts.version),
        "cookies": _cookies([v for n, v in headers if n.lower() == b"cookie"]),
        "headers": _pairs(headers),
        "queryString": [
            {"name": k, "value": v}
            for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)
        ],
        "headersSize": parts.head_size,
        "bodySize": len(parts.body),
    }
    if parts.body:
        mime = next((text(v) for n, v in headers if n.lower() == b"content-type"), "")
        body, is_b64 = _body_text(parts.body)
        post: dict[str, Any] = {"mimeType": mime, "text": body}
        if is_b64:
            post["_encoding"] = "base64"
        elif mime.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
            post["params"] = [
                {"name": k, "value": v} for k, v in parse_qsl(body, keep_blank_values=True)
            ]
        doc["postData"] = post
    return doc, custom_target


def _no_response(exchange: Exchange) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "status": 0,
        "statusText": "",
        "httpVersion": "",
        "cookies": [],
        "headers": [],
        "content": {"size": 0, "mimeType": "x-unknown"},
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": -1,
    }
    if exchange.error is not None:
        doc["_error"] = exchange.error.message
    return doc


def _content(exchange: Exchange, resp: ParsedResponse, max_body: int | None) -> dict[str, Any]:
    mime = next((text(v) for v in resp.header_values(b"content-type")), "")
    truncated = max_body is not None and resp.body_size > max_body
    body = exchange.response_body(max_body if truncated else None)
    content: dict[str, Any] = {"size": len(body), "mimeType": mime}
    codings = resp.header_values(b"content-encoding")
    if codings and body and not truncated:
        decoded = decode_content(body, codings)
        if decoded.decoded:
            content["size"] = len(decoded.data)
            content["compression"] = len(decoded.data) - len(body)
            body = decoded.data
    if body:
        content["text"], is_b64 = _body_text(body)
        if is_b64:
            content["encoding"] = "base64"
    if truncated:
        content["comment"] = f"only the first {max_body} of {resp.body_size} body bytes"
    return content


def _response(exchange: Exchange, max_body: int | None) -> dict[str, Any]:
    resp = exchange.response
    if resp is None or resp.status is None:
        return _no_response(exchange)
    location = resp.header_values(b"location")
    return {
        "status": resp.status,
        "statusText": text(resp.reason),
        "httpVersion": text(resp.http_version),
        "cookies": [_set_cookie(text(v)) for v in resp.header_values(b"set-cookie")],
        "headers": _fields(resp.headers),
        "content": _content(exchange, resp, max_body),
        "redirectURL": text(location[0]) if location else "",
        "headersSize": resp.head_span[1] - resp.head_span[0],
        "bodySize": resp.body_size,
    }


def _custom(exchange: Exchange, losses: list[str], include_raw: bool) -> dict[str, Any]:
    resp = exchange.response
    tls = exchange.tls
    doc: dict[str, Any] = {
        "engine": exchange.engine,
        "losses": losses,
        "anomalies": [anomaly_doc(a) for a in exchange.anomalies],
        "interim": []
        if resp is None
        else [
            {
                "status": i.status,
                "statusText": text(i.reason),
                "httpVersion": text(i.http_version),
                "headers": _fields(i.headers),
            }
            for i in resp.interim
        ],
        "trailers": [] if resp is None else _fields(resp.trailers),
        "framing": resp.framing.value if resp is not None and resp.framing else None,
        "complete": resp.complete if resp is not None else False,
        "tls": None
        if tls is None
        else {"version": tls.version, "cipher": tls.cipher, "alpn": tls.alpn},
        "error": None
        if exchange.error is None
        else {"kind": exchange.error.kind.value, "message": exchange.error.message},
    }
    if exchange.spec.raw is not None:
        doc["raw_request_b64"] = b64(exchange.spec.raw)
    if include_raw:
        doc["sent_b64"] = b64(exchange.transcript.sent.read())
        doc["received_b64"] = b64(exchange.transcript.received.read())
    return doc


def har_entry(
    exchange: Exchange,
    *,
    include_raw: bool = False,
    max_body: int | None = None,
    clock_offset: float | None = None,
) -> dict[str, Any]:
    """One HAR entry for an exchange; arguments as for :func:`exchanges_to_har`."""
    offset = time.time() - time.monotonic() if clock_offset is None else clock_offset
    started = datetime.fromtimestamp(offset + exchange.transcript.started, tz=UTC)
    timings = _timings(exchange)
    request, custom_target = _request(exchange)
    losses = har_losses(exchange)
    resp = exchange.response
    if max_body is not None and resp is not None and resp.body_size > max_body:
        losses.append(f"body cut to its first {max_body} of {resp.body_size} bytes")
    entry: dict[str, Any] = {
        "startedDateTime": started.isoformat(timespec="milliseconds"),
        "time": round(sum(v for k, v in timings.items() if v >= 0 and k != "ssl"), 3),
        "request": request,
        "response": _response(exchange, max_body),
        "cache": {},
        "timings": timings,
    }
    conn = exchange.connection
    if conn is not None:
        if conn.remote:
            entry["serverIPAddress"] = conn.remote.rpartition(":")[0].strip("[]")
        entry["connection"] = str(conn.id)
    if losses:
        entry["comment"] = "HAR leaves out: " + "; ".join(losses)
    custom = _custom(exchange, losses, include_raw)
    if custom_target is not None:
        custom["request_target"] = custom_target
    custom["recv_calls"] = sum(1 for e in exchange.transcript.events if e.kind is EventKind.RECV)
    entry["_inspector"] = custom
    return entry


def exchanges_to_har(
    exchanges: Iterable[Exchange],
    *,
    include_raw: bool = False,
    max_body: int | None = None,
    clock_offset: float | None = None,
) -> dict[str, Any]:
    """A HAR 1.2 document (``{"log": ...}``, ready for ``json.dumps``) of these exchanges.

    Only the exchanges given are exported (pass an exchange's ``comparisons``
    too to have them); they appear in the order given.

    Args:
        exchanges: The exchanges.
        include_raw: Also keep both transcript streams, base64, in ``_inspector``.
        max_body: Keep at most this many response body bytes per entry (noted in
            ``content.comment`` and the losses); None keeps them all.
        clock_offset: Wall-clock time minus ``time.monotonic()``, to date the
            monotonic start of each transcript; defaults to the offset now,
            which is exact for exchanges recorded in this process.

    Returns:
        The document.
    """
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "inspector", "version": _version()},
            "entries": [
                har_entry(e, include_raw=include_raw, max_body=max_body, clock_offset=clock_offset)
                for e in exchanges
            ],
            "comment": "HAR 1.2 cannot hold: " + "; ".join(HAR_LIMITS) + ".",
        }
    }
