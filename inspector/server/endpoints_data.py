"""Well-behaved endpoints that serve data: bytes, streams, encodings, documents."""

from __future__ import annotations

import gzip
import importlib
import json
import random
import zlib
from collections.abc import Iterator

from inspector.server.content import (
    SAMPLE_HTML,
    SAMPLE_JSON,
    SAMPLE_PNG,
    SAMPLE_XML,
    seeded_pieces,
)
from inspector.server.context import Ctx
from inspector.server.endpoints_echo import echo
from inspector.server.registry import Endpoint, endpoint
from inspector.server.responses import (
    Response,
    error_response,
    json_bytes,
    json_response,
    text_response,
)

ENDPOINTS: list[Endpoint] = []

MAX_BYTES = 1 << 40
MAX_STREAM = 10_000
MAX_DRIP_BYTES = 10 * 1024 * 1024
MAX_SECONDS = 10.0


@endpoint(
    ENDPOINTS,
    "/bytes/{n}",
    "n pseudo-random bytes with Content-Length; ?seed=S repeats the same bytes",
    "Large bodies: read into a reused buffer and stop at Content-Length; the seed is in X-Seed",
    example="/bytes/1024?seed=42",
)
def bytes_(ctx: Ctx) -> Response:
    n = ctx.int_value(ctx.param("n"), "n", 0, 0, MAX_BYTES)
    seed = ctx.int_arg("seed", random.randrange(1 << 32), 0, (1 << 63) - 1)
    return Response(
        200,
        [("Content-Type", "application/octet-stream"), ("X-Seed", str(seed))],
        body=seeded_pieces(n, seed),
        length=n,
    )


@endpoint(
    ENDPOINTS,
    "/stream/{n}",
    "n JSON lines, one per chunk, with chunked transfer coding (?delay=s between chunks)",
    "A body whose length is unknown up front: each chunk carries its own size",
    example="/stream/5",
)
def stream(ctx: Ctx) -> Response:
    n = ctx.int_value(ctx.param("n"), "n", 0, 0, MAX_STREAM)
    pause = ctx.float_arg("delay", 0.0, 0.0, 1.0)
    url = ctx.base_url() + ctx.path

    def lines() -> Iterator[bytes]:
        for i in range(n):
            if i and pause:
                ctx.conn.pause(pause)
            yield json.dumps({"id": i, "url": url}).encode("ascii") + b"\n"

    return Response(200, [("Content-Type", "application/x-ndjson")], body=lines())


@endpoint(
    ENDPOINTS,
    "/drip",
    "?numbytes=N bytes spread over ?duration=s after ?delay=s, with Content-Length",
    "Bytes arrive over time: each recv() returns what is there, not what you asked for",
    example="/drip?numbytes=10&duration=1",
)
def drip(ctx: Ctx) -> Response:
    numbytes = ctx.int_arg("numbytes", 10, 0, MAX_DRIP_BYTES)
    duration = ctx.float_arg("duration", 0.2, 0.0, MAX_SECONDS)
    ctx.conn.pause(ctx.float_arg("delay", 0.0, 0.0, MAX_SECONDS))
    code = ctx.int_arg("code", 200, 200, 599)
    step = duration / numbytes if numbytes else 0.0

    def pieces() -> Iterator[bytes]:
        for i in range(numbytes):
            if i and step:
                ctx.conn.pause(step)
            yield b"*"

    return Response(
        code, [("Content-Type", "application/octet-stream")], body=pieces(), length=numbytes
    )


def _encoded(coding: str, data: bytes) -> Response:
    return Response(
        200,
        [
            ("Content-Type", "application/json"),
            ("Content-Encoding", coding),
            ("Vary", "Accept-Encoding"),
        ],
        body=data,
    )


@endpoint(
    ENDPOINTS,
    "/gzip",
    "A JSON echo compressed with Content-Encoding: gzip",
    "Content-Length counts the compressed bytes; decoding is the client's job, and optional",
)
def gzip_(ctx: Ctx) -> Response:
    doc = json_bytes({"gzipped": True, **echo(ctx)})
    return _encoded("gzip", gzip.compress(doc, mtime=0))


@endpoint(
    ENDPOINTS,
    "/deflate",
    "A JSON echo compressed with Content-Encoding: deflate (zlib-wrapped, RFC 1950)",
    "'deflate' means the zlib format, but some servers send raw deflate: clients must guess",
)
def deflate(ctx: Ctx) -> Response:
    doc = json_bytes({"deflated": True, **echo(ctx)})
    return _encoded("deflate", zlib.compress(doc))


@endpoint(
    ENDPOINTS,
    "/brotli",
    "A JSON echo compressed with Content-Encoding: br (501 when brotli is not installed)",
    "br is only decoded by clients that have a brotli library",
)
def brotli(ctx: Ctx) -> Response:
    try:
        module = importlib.import_module("brotli")
    except ImportError:
        return error_response(
            501, "the brotli module is not installed on the server (pip install brotli)"
        )
    doc = json_bytes({"brotli": True, **echo(ctx)})
    return _encoded("br", bytes(module.compress(doc)))


@endpoint(ENDPOINTS, "/json", "A small JSON document", "application/json is UTF-8 by definition")
def json_(ctx: Ctx) -> Response:
    return json_response(SAMPLE_JSON)


@endpoint(
    ENDPOINTS,
    "/html",
    "A small HTML page with non-ASCII text",
    "The charset comes from Content-Type, or the page itself, or a guess",
)
def html(ctx: Ctx) -> Response:
    return text_response(SAMPLE_HTML, content_type="text/html; charset=utf-8")


@endpoint(
    ENDPOINTS,
    "/xml",
    "A small XML document",
    "The encoding is declared inside the document as well as in Content-Type",
)
def xml(ctx: Ctx) -> Response:
    return text_response(SAMPLE_XML, content_type="application/xml; charset=utf-8")


@endpoint(
    ENDPOINTS,
    "/image/png",
    "A 16x16 PNG image",
    "Binary bodies: show them as hex, never as text on a terminal",
)
def png(ctx: Ctx) -> Response:
    return text_response(SAMPLE_PNG, content_type="image/png")
