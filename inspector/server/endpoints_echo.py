"""Endpoints that echo the request back: what really reached the server."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl

from inspector.server.context import BadRequest, Ctx
from inspector.server.registry import Endpoint, endpoint
from inspector.server.responses import Response, escape_bytes, json_response, reason

ENDPOINTS: list[Endpoint] = []

MAX_DELAY = 10.0


def _text(data: bytes) -> str:
    return escape_bytes(data)


def _bytes_doc(data: bytes) -> dict[str, Any]:
    return {
        "size": len(data),
        "base64": base64.b64encode(data).decode("ascii"),
        "text": _text(data),
    }


def args_dict(query: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """Query parameters as httpbin shows them: a list for a repeated name."""
    out: dict[str, str | list[str]] = {}
    for key, value in query:
        old = out.get(key)
        if old is None:
            out[key] = value
        elif isinstance(old, list):
            old.append(value)
        else:
            out[key] = [old, value]
    return out


def header_pairs(fields: tuple[tuple[bytes, bytes], ...]) -> list[list[str]]:
    """Fields as ``[name, value]`` pairs, wire order and case kept, bytes escaped."""
    return [[_text(name), _text(value)] for name, value in fields]


def echo(ctx: Ctx, **extra: Any) -> dict[str, Any]:
    """The request as a JSON-able document, raw bytes and read sizes included."""
    req = ctx.request
    content_type = (req.header(b"content-type") or b"").split(b";")[0].strip().lower()
    parsed_json: Any = None
    form: dict[str, str | list[str]] | None = None
    if content_type == b"application/json" or content_type.endswith(b"+json"):
        try:
            parsed_json = json.loads(req.body)
        except ValueError:
            parsed_json = None
    elif content_type == b"application/x-www-form-urlencoded":
        form = args_dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
    t0 = req.reads[0].t if req.reads else 0.0
    doc: dict[str, Any] = {
        "method": _text(req.method),
        "url": ctx.base_url() + _text(req.target),
        "target": _text(req.target),
        "path": ctx.path,
        "args": args_dict(ctx.query),
        "http_version": _text(req.version),
        "headers": header_pairs(req.headers),
        "origin": ctx.conn.peer.rpartition(":")[0],
        "body": _bytes_doc(req.body),
        "json": parsed_json,
        "form": form,
        "chunked": req.chunked,
        "trailers": header_pairs(req.trailers),
        "raw": _bytes_doc(req.raw),
        "reads": [
            {"recv": r.recv, "bytes": r.used, "t_ms": round((r.t - t0) * 1000, 3)}
            for r in req.reads
        ],
        "connection": {
            "request_number": ctx.number,
            "client": ctx.conn.peer,
            "tls": ctx.scheme == "https",
            "keep_alive": req.keep_alive,
        },
    }
    doc.update(extra)
    return doc


_ECHO_LESSON = (
    "raw.base64 holds the exact bytes that arrived and reads the recv() calls they came in:"
    " compare with what your client says it sent"
)


def _method_echo(method: str) -> None:
    @endpoint(
        ENDPOINTS,
        f"/{method.lower()}",
        f"Echo a {method} request as JSON, raw bytes and recv() sizes included",
        _ECHO_LESSON,
        methods=(method, "HEAD") if method == "GET" else (method,),
    )
    def handler(ctx: Ctx) -> Response:
        return json_response(echo(ctx))


for _method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
    _method_echo(_method)


@endpoint(
    ENDPOINTS,
    "/anything/{rest...}",
    "Echo any request under /anything/, whatever the method and path",
    _ECHO_LESSON,
    example="/anything/some/path?x=1",
)
@endpoint(
    ENDPOINTS,
    "/anything",
    "Echo any request, whatever the method, as JSON",
    _ECHO_LESSON,
    example="/anything?hello=world",
)
def anything(ctx: Ctx) -> Response:
    return json_response(echo(ctx))


@endpoint(
    ENDPOINTS,
    "/headers",
    "The request's header fields, in wire order with their original case",
    "Clients add, reorder and re-case fields: this is what arrived",
)
def headers(ctx: Ctx) -> Response:
    return json_response({"headers": header_pairs(ctx.request.headers)})


@endpoint(
    ENDPOINTS,
    "/status/{code}",
    "Answer with the given status code (200-599) and an empty body",
    "Clients differ on which statuses have a body, and on following 3xx and retrying 5xx",
    example="/status/418",
)
def status(ctx: Ctx) -> Response:
    code = ctx.int_value(ctx.param("code"), "code", 200, 0, 999)
    if not 200 <= code <= 599:
        raise BadRequest("the status code must be between 200 and 599")
    fields: list[tuple[str, str]] = []
    if 300 <= code < 400 and code != 304:
        fields.append(("Location", "/get"))
    elif code == 401:
        fields.append(("WWW-Authenticate", 'Basic realm="inspector"'))
    elif code == 407:
        fields.append(("Proxy-Authenticate", 'Basic realm="inspector"'))
    fields.append(("X-Status-Reason", reason(code)))
    return Response(code, fields)


@endpoint(
    ENDPOINTS,
    "/delay/{seconds}",
    f"Wait this many seconds (at most {MAX_DELAY:g}) before answering, then echo",
    "Time to first byte: a read timeout shorter than the delay fires before the response",
    example="/delay/1",
)
def delay(ctx: Ctx) -> Response:
    try:
        seconds = float(ctx.param("seconds"))
    except ValueError:
        raise BadRequest("the delay must be a number of seconds") from None
    if not seconds >= 0:
        raise BadRequest("the delay must be a number >= 0")
    seconds = min(seconds, MAX_DELAY)
    ctx.conn.pause(seconds)
    return json_response(echo(ctx, delay=seconds))
