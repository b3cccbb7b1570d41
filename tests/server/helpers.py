"""Raw-socket helpers for the built-in server's tests (loopback only)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from inspector.server import ServerHandle, ServerLimits

SMALL_LIMITS = ServerLimits(max_head=2048, max_body=4096, idle_timeout=0.5, io_timeout=0.5)


def recv_until_eof(sock: socket.socket, limit: int = 1 << 24) -> tuple[bytes, int]:
    """Read until the peer closes; return the bytes and the number of recv() calls."""
    data = bytearray()
    calls = 0
    while len(data) < limit:
        piece = sock.recv(65536)
        calls += 1
        if not piece:
            break
        data += piece
    return bytes(data), calls


def exchange(server: ServerHandle, request: bytes, timeout: float = 5.0) -> bytes:
    """Send ``request`` on a new connection and return every byte until the server closes."""
    with socket.create_connection((server.host, server.port), timeout=timeout) as sock:
        sock.sendall(request)
        return recv_until_eof(sock)[0]


def get(path: str, *fields: str, version: str = "1.1", close: bool = True) -> bytes:
    """The bytes of a simple request (with ``Connection: close`` unless told otherwise)."""
    lines = [f"GET {path} HTTP/{version}", "Host: test", *fields]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@dataclass
class Reply:
    """One response read by :class:`ResponseReader`."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    raw: bytes

    def header(self, name: bytes) -> bytes | None:
        """The first value of a field, case-insensitively."""
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


class ResponseReader:
    """A minimal, strict client-side reader of well-formed responses, for keep-alive tests."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()

    def _fill(self) -> None:
        piece = self.sock.recv(65536)
        if not piece:
            raise EOFError("connection closed")
        self.buf += piece

    def read(self, head_only: bool = False) -> Reply:
        """Read one response (1xx included) framed by Content-Length or chunked."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        end = self.buf.index(b"\r\n\r\n") + 4
        lines = bytes(self.buf[: end - 4]).split(b"\r\n")
        status = int(lines[0].split(b" ")[1])
        headers = [tuple(line.split(b": ", 1)) for line in lines[1:]]
        reply = Reply(status, [(h[0], h[1]) for h in headers], b"", b"")
        length = reply.header(b"content-length")
        pos = end
        body = bytearray()
        if head_only or status < 200 or status in (204, 304):
            pass
        elif reply.header(b"transfer-encoding") == b"chunked":
            while True:
                while self.buf.find(b"\r\n", pos) < 0:
                    self._fill()
                nl = self.buf.index(b"\r\n", pos)
                size = int(bytes(self.buf[pos:nl]).split(b";")[0], 16)
                pos = nl + 2
                if size == 0:
                    while self.buf.find(b"\r\n\r\n", pos - 2) < 0:
                        self._fill()
                    pos = self.buf.index(b"\r\n\r\n", pos - 2) + 4
                    break
                while len(self.buf) < pos + size + 2:
                    self._fill()
                body += self.buf[pos : pos + size]
                pos += size + 2
        elif length is not None:
            pos = end + int(length)
            while len(self.buf) < pos:
                self._fill()
            body = self.buf[end:pos]
        reply.body = bytes(body)
        reply.raw = bytes(self.buf[:pos])
        del self.buf[:pos]
        return reply


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
