"""Route one request to its handler, write the answer, log one line."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

from inspector.server.context import BadRequest, Connection, Ctx, Stopping
from inspector.server.reader import Request
from inspector.server.responses import (
    Response,
    Written,
    error_response,
    escape_bytes,
    write_response,
)
from inspector.server.routes import ROUTER

Log = Callable[[str], None]


def split_target(target: bytes) -> tuple[str, str]:
    """The path and the query string of a request-target (origin- or absolute-form)."""
    text = target.decode("latin-1")
    if not text.startswith("/") and "://" in text:
        # Absolute-form (RFC 9112 §3.2.2): a server must accept it.
        parts = urlsplit(text)
        return parts.path or "/", parts.query
    path, _, query = text.partition("?")
    return path, query


def _route(ctx: Ctx) -> Response | Written:
    found = ROUTER.match(ctx.path)
    if found is None:
        return error_response(404, f"no endpoint at {ctx.path}; GET / lists them all")
    endpoint, ctx.params = found
    methods = endpoint.methods
    method = ctx.request.method.decode("latin-1")
    if methods is not None and method not in methods:
        return error_response(
            405, f"{endpoint.pattern} answers {', '.join(methods)}", [("Allow", ", ".join(methods))]
        )
    return endpoint.handler(ctx)


def handle(
    conn: Connection,
    req: Request,
    number: int,
    scheme: str,
    authority: str,
    log: Log | None,
) -> bool:
    """Answer one request.

    Args:
        conn: the client connection.
        req: the request.
        number: its position on the connection (1 for the first).
        scheme: ``http`` or ``https``.
        authority: ``host:port`` the server listens on.
        log: where to write the one-line log entry, if anywhere.

    Returns:
        Whether the connection may carry another request.
    """
    started = time.monotonic()
    sent_before = conn.bytes_sent
    path, query = split_target(req.target)
    ctx = Ctx(
        request=req,
        conn=conn,
        params={},
        path=path,
        query=parse_qsl(query, keep_blank_values=True),
        number=number,
        scheme=scheme,
        authority=authority,
    )
    written = Written(0)
    note = ""
    try:
        result = _route(ctx)
        written = write_response(ctx, result) if isinstance(result, Response) else result
    except Stopping:
        note = " (server stopping)"
        raise
    except OSError as exc:
        note = f" (connection lost: {exc.strerror or type(exc).__name__})"
        raise
    except BadRequest as exc:
        if conn.bytes_sent != sent_before:
            raise
        written = write_response(ctx, error_response(400, str(exc)))
    except Exception as exc:
        # A bug in a handler: answer 500 when nothing was written yet, then close.
        note = f" (internal error: {type(exc).__name__}: {exc})"
        if conn.bytes_sent != sent_before:
            raise
        write_response(ctx, error_response(500, f"{type(exc).__name__}: {exc}"))
        written = Written(500)
    finally:
        if log is not None:
            ms = (time.monotonic() - started) * 1000
            log(
                f'{conn.peer} "{escape_bytes(req.request_line)}" {written.status or "-"}'
                f" {conn.bytes_sent - sent_before} {ms:.1f}ms{note}"
            )
    return written.keep_alive
