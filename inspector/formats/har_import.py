"""Import the requests of a HAR file (ours, or a browser's "Save all as HAR").

Each HTTP(S) entry becomes a :class:`RequestSpec` with the method, URL, version,
header fields in order and body the HAR lists. What a browser's HAR adds for
HTTP/2 is adapted for HTTP/1.1: pseudo-header fields (``:authority`` ...) are
dropped (``:authority`` becomes ``Host`` when there is none) and versions
other than HTTP/1.0 become HTTP/1.1. Entries for other schemes (``ws:``,
``data:``, ``blob:``) are skipped. Our own ``_inspector`` fields restore a raw
request's exact bytes and a request-target the URL cannot carry.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from inspector.model import InputError, RequestSpec, Target


def _bytes(value: str) -> bytes:
    """Header text back to bytes: ISO-8859-1 as we export, UTF-8 for wider characters."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape")


def _get(obj: Any, key: str, kind: type, where: str) -> Any:
    if not isinstance(obj, Mapping):
        raise InputError(f"malformed HAR: {where} is not an object")
    value = obj.get(key)
    if not isinstance(value, kind):
        raise InputError(f"malformed HAR: {where}.{key} is missing or not a {kind.__name__}")
    return value


def _decode_b64(value: str, where: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"malformed HAR: {where} is not valid base64") from None


def _headers(request: Mapping[str, Any], where: str) -> list[tuple[bytes, bytes]]:
    out: list[tuple[bytes, bytes]] = []
    authority: bytes | None = None
    for i, header in enumerate(_get(request, "headers", list, where)):
        name = _get(header, "name", str, f"{where}.headers[{i}]")
        value = _get(header, "value", str, f"{where}.headers[{i}]")
        if name.startswith(":"):
            if name == ":authority":
                authority = _bytes(value)
            continue
        out.append((_bytes(name), _bytes(value)))
    if authority is not None and not any(n.lower() == b"host" for n, _ in out):
        out.insert(0, (b"Host", authority))
    return out


def _body(request: Mapping[str, Any], where: str) -> bytes:
    post = request.get("postData")
    if post is None:
        return b""
    where += ".postData"
    if not isinstance(post, Mapping):
        raise InputError(f"malformed HAR: {where} is not an object")
    body = post.get("text")
    if isinstance(body, str):
        if "base64" in (post.get("_encoding"), post.get("encoding")):
            return _decode_b64(body, f"{where}.text")
        return body.encode("utf-8", "surrogateescape")
    params = post.get("params")
    if isinstance(params, list):
        pairs = [
            (_get(p, "name", str, f"{where}.params[{i}]"), p.get("value") or "")
            for i, p in enumerate(params)
        ]
        return urlencode(pairs).encode("ascii")
    return b""


def _spec(entry: Any, where: str) -> RequestSpec | None:
    request = _get(entry, "request", Mapping, where)
    where += ".request"
    method = _get(request, "method", str, where)
    url = _get(request, "url", str, where)
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return None
    try:
        Target.from_url(url)
    except InputError as exc:
        raise InputError(f"malformed HAR: {where}.url: {exc}") from None
    version = request.get("httpVersion")
    http_version = b"HTTP/1.0" if str(version).upper() == "HTTP/1.0" else b"HTTP/1.1"
    custom = entry.get("_inspector")
    custom = custom if isinstance(custom, Mapping) else {}
    raw = custom.get("raw_request_b64")
    target = custom.get("request_target")
    return RequestSpec(
        method=_bytes(method),
        url=url,
        http_version=http_version,
        headers=tuple(_headers(request, where)),
        body=_body(request, where),
        raw=_decode_b64(raw, f"{where}._inspector.raw_request_b64")
        if isinstance(raw, str)
        else None,
        request_target=_bytes(target) if isinstance(target, str) else None,
    )


def har_to_specs(doc: Mapping[str, Any] | str | bytes) -> list[RequestSpec]:
    """The requests of a HAR document, in entry order.

    Args:
        doc: The parsed JSON (``{"log": ...}``) or its text.

    Returns:
        One spec per HTTP(S) entry.

    Raises:
        InputError: the text is not JSON, or a required HAR field is missing or
            of the wrong type (the message names it, on one line).
    """
    if isinstance(doc, str | bytes):
        try:
            doc = json.loads(doc)
        except ValueError as exc:
            raise InputError(f"not a HAR file: not JSON ({exc})") from None
    log = _get(doc, "log", Mapping, "the document")
    entries = _get(log, "entries", list, "log")
    specs = []
    for i, entry in enumerate(entries):
        spec = _spec(entry, f"log.entries[{i}]")
        if spec is not None:
            specs.append(spec)
    return specs
