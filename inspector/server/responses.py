"""Well-formed responses: a value handlers return, and the code that frames and writes it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

from inspector.server.context import Ctx

SERVER_NAME = "inspector-test-server"
BodyPiece = bytes | bytearray | memoryview
_SMALL = 64 * 1024


@dataclass(slots=True)
class Response:
    """A well-formed response; the server adds Date, Server, framing and Connection."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    """Field lines in order (names and values as given)."""
    body: BodyPiece | Iterable[BodyPiece] = b""
    """Bytes, or pieces written one by one (a generator may pause between them)."""
    length: int | None = None
    """For a body of pieces: its total size (Content-Length); None means chunked."""


@dataclass(frozen=True, slots=True)
class Written:
    """Returned by a handler that wrote its own bytes to the socket."""

    status: int
    """The final status it wrote, for the log (0 when none)."""
    keep_alive: bool = False
    """Whether the connection can carry another request."""


def reason(status: int) -> str:
    """The standard reason phrase of a status code (``Unknown`` when there is none)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _escape_table() -> list[str]:
    table = [f"\\x{b:02x}" for b in range(256)]
    for b in range(0x20, 0x7F):
        table[b] = chr(b)
    table[0x5C] = "\\\\"
    table[0x09], table[0x0A], table[0x0D] = "\\t", "\\n", "\\r"
    return table


_ESCAPES = {b: text for b, text in enumerate(_escape_table()) if text != chr(b)}


def escape_bytes(data: bytes | bytearray) -> str:
    """Printable ASCII as is, everything else as ``\\r``, ``\\n``, ``\\t`` or ``\\xHH``.

    The result never contains a control character, so it is safe on a terminal.
    """
    # latin-1 maps each byte to the code point of the same value, so translate sees bytes.
    return data.decode("latin-1").translate(_ESCAPES)


def encode_field(name: str, value: str) -> bytes:
    """One ``name: value`` field line, CRLF-terminated.

    Raises:
        ValueError: a CR, LF or NUL would split or corrupt the head.
    """
    line = f"{name}: {value}"
    if "\r" in line or "\n" in line or "\0" in line:
        raise ValueError(f"CR, LF or NUL in header field {name!r}")
    return line.encode("utf-8") + b"\r\n"


def json_bytes(obj: Any) -> bytes:
    """Pretty JSON, UTF-8, newline-terminated."""
    return json.dumps(obj, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"


def json_response(obj: Any, status: int = 200, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """A JSON response."""
    return Response(status, [("Content-Type", "application/json"), *headers], body=json_bytes(obj))


def text_response(
    text: str | bytes, status: int = 200, content_type: str = "text/plain; charset=utf-8"
) -> Response:
    """A text response (or any bytes with the given content type)."""
    body = text.encode("utf-8") if isinstance(text, str) else text
    return Response(status, [("Content-Type", content_type)], body=body)


def error_response(status: int, message: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """A JSON error: ``{"status": ..., "error": ...}``."""
    return json_response({"status": status, "error": message}, status, headers)


def _no_body_status(status: int) -> bool:
    return status < 200 or status in (204, 304)


def write_response(ctx: Ctx, resp: Response) -> Written:
    """Frame and send a response (RFC 9112 §6): Content-Length, chunked, or close.

    Args:
        ctx: the request being answered.
        resp: what to answer.

    Returns:
        What was written and whether the connection stays open.
    """
    req = ctx.request
    conn = ctx.conn
    keep = req.keep_alive and not conn.stop.is_set()
    head_only = req.method == b"HEAD" or _no_body_status(resp.status)
    head = [
        f"HTTP/1.1 {resp.status} {reason(resp.status)}\r\n".encode("ascii"),
        f"Server: {SERVER_NAME}\r\nDate: {formatdate(usegmt=True)}\r\n".encode("ascii"),
    ]
    head += [encode_field(name, value) for name, value in resp.headers]
    body = resp.body
    length = len(body) if isinstance(body, bytes | bytearray | memoryview) else resp.length
    chunked = False
    if _no_body_status(resp.status):
        pass  # RFC 9110 §8.6: no Content-Length in 1xx and 204; optional in 304
    elif length is not None:
        head.append(b"Content-Length: %d\r\n" % length)
    elif req.minor >= 1:
        chunked = True
        head.append(b"Transfer-Encoding: chunked\r\n")
    else:
        keep = False  # an HTTP/1.0 client cannot read chunked: delimit by closing
    if not keep:
        head.append(b"Connection: close\r\n")
    elif req.minor == 0:
        head.append(b"Connection: keep-alive\r\n")
    head.append(b"\r\n")
    head_bytes = b"".join(head)
    if head_only:
        conn.send(head_bytes)
    elif isinstance(body, bytes | bytearray | memoryview):
        if len(body) <= _SMALL:
            conn.send(head_bytes + body)  # one write for small responses
        else:
            conn.send(head_bytes)
            conn.send(body)
    else:
        conn.send(head_bytes)
        sent = 0
        for piece in body:
            if not piece:
                continue
            if chunked:
                conn.send(b"%x\r\n" % len(piece) + bytes(piece) + b"\r\n")
            else:
                conn.send(piece)
            sent += len(piece)
        if chunked:
            conn.send(b"0\r\n\r\n")
        elif length is not None and sent != length:
            keep = False  # a handler bug; the framing is broken, so close
    return Written(resp.status, keep)


def refusal(status: int, message: str) -> bytes:
    """A complete ``Connection: close`` error response, for a request that could not be read."""
    body = json_bytes({"status": status, "error": message})
    return (
        f"HTTP/1.1 {status} {reason(status)}\r\nServer: {SERVER_NAME}\r\n"
        f"Date: {formatdate(usegmt=True)}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode("ascii") + body
