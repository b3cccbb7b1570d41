"""A small, lenient server-side HTTP/1.1 request reader.

It reads one request at a time from a blocking socket and keeps whatever
follows (a pipelined request) for the next call. Every request carries its
exact bytes and the sizes of the ``recv()`` calls they arrived in, so that
the echo endpoints can show what really reached the server.

Deliberately lenient where RFC 9112 allows a recipient to be (bare LF line
endings, empty lines before the request line, obs-fold), strict where it
requires a server to reject (whitespace before a colon, bad framing).
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from inspector.server.context import Connection

RECV_SIZE = 256 * 1024
MAX_CHUNK_LINE = 4096

_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_VERSION = re.compile(rb"HTTP/(\d)\.(\d)")
_BLANK_LINE = re.compile(rb"\n\r?\n")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,15}")
_TARGET_BAD = re.compile(rb"[\x00-\x20\x7f]")


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """Size limits and timeouts of the test server."""

    max_head: int = 64 * 1024
    """Largest request head (request line and fields) in bytes; over it: 431."""
    max_body: int = 16 * 1024 * 1024
    """Largest request body in bytes, after chunked decoding; over it: 413."""
    idle_timeout: float = 5.0
    """How long a keep-alive connection may wait for its next request."""
    io_timeout: float = 10.0
    """Timeout of each read while a request is arriving, and of each write."""


class RequestError(Exception):
    """The request cannot be served: answer with ``status`` and close the connection."""

    def __init__(self, status: int, message: str, request_line: bytes = b"") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.request_line = request_line


class ClientGone(Exception):
    """The client closed the connection in the middle of a request."""


@dataclass(frozen=True, slots=True)
class ReadRecord:
    """One ``recv()`` call that contributed bytes to a request."""

    recv: int
    """How many bytes the call returned."""
    used: int
    """How many of them belong to this request (pipelining shares reads)."""
    t: float
    """``time.monotonic()`` when the call returned."""


@dataclass(frozen=True, slots=True)
class Request:
    """One request as it arrived."""

    method: bytes
    target: bytes
    version: bytes
    """As on the wire, e.g. ``b"HTTP/1.1"``."""
    headers: tuple[tuple[bytes, bytes], ...]
    """Field names in their original case, in order, duplicates kept; obs-fold unfolded."""
    body: bytes
    """The body with chunked framing removed."""
    trailers: tuple[tuple[bytes, bytes], ...]
    raw: bytes
    """Every byte of this request exactly as received, framing included."""
    reads: tuple[ReadRecord, ...]
    chunked: bool
    force_close: bool
    """The framing was dubious (RFC 9112 §6.1): close after answering."""

    @property
    def minor(self) -> int:
        """The minor version number (``0`` for HTTP/1.0)."""
        return self.version[7] - 48

    @property
    def request_line(self) -> bytes:
        """The request line, normalised to single spaces."""
        return b" ".join((self.method, self.target, self.version))

    def header_values(self, name: bytes) -> list[bytes]:
        """All values of a field, matching the name case-insensitively."""
        lname = name.lower()
        return [v for n, v in self.headers if n.lower() == lname]

    def header(self, name: bytes) -> bytes | None:
        """The values of a field joined with ``", "``, or None when absent."""
        values = self.header_values(name)
        return b", ".join(values) if values else None

    def tokens(self, name: bytes) -> list[bytes]:
        """The comma-separated, lowercased tokens of a list-valued field."""
        return [
            t.strip(b" \t").lower()
            for v in self.header_values(name)
            for t in v.split(b",")
            if t.strip(b" \t")
        ]

    @property
    def keep_alive(self) -> bool:
        """Whether the client allows another request on this connection (RFC 9112 §9.3)."""
        if self.force_close:
            return False
        connection = self.tokens(b"connection")
        if b"close" in connection:
            return False
        return self.minor >= 1 or b"keep-alive" in connection


class _Segment:
    __slots__ = ("size", "left", "t")

    def __init__(self, size: int, t: float) -> None:
        self.size = size
        self.left = size
        self.t = t


class RequestReader:
    """Reads requests one after another from one connection."""

    def __init__(
        self, conn: Connection, limits: ServerLimits, on_continue: Callable[[], None]
    ) -> None:
        """Create a reader.

        Args:
            conn: the connection to read from.
            limits: size limits and timeouts.
            on_continue: called to send ``100 Continue`` when a client waits for it.
        """
        self._conn = conn
        self._limits = limits
        self._on_continue = on_continue
        self._buf = bytearray()
        self._segments: deque[_Segment] = deque()

    def _recv(self, timeout: float) -> bool:
        self._conn.set_timeout(timeout)
        data = self._conn.sock.recv(RECV_SIZE)
        if not data:
            return False
        self._buf += data
        self._segments.append(_Segment(len(data), time.monotonic()))
        return True

    def _more(self, line: bytes) -> None:
        """Read more of a request that has started; 408 on timeout."""
        try:
            if not self._recv(self._limits.io_timeout):
                raise ClientGone()
        except TimeoutError:
            raise RequestError(408, "the request did not arrive in time", line) from None

    def next_request(self) -> Request | None:
        """Read the next request.

        Returns:
            The request, or None when the client closed the connection or stayed
            idle past the keep-alive timeout between requests.

        Raises:
            RequestError: the request is malformed or over a limit.
            ClientGone: the connection closed in the middle of a request.
        """
        buf = self._buf
        max_head = self._limits.max_head
        scan = 0
        while True:
            # RFC 9112 §2.2: a server SHOULD ignore empty lines before the request-line.
            start = 0
            while start < len(buf) and buf[start] in b"\r\n":
                start += 1
            if start > max_head:
                raise RequestError(400, "too many empty lines before the request line")
            if start == len(buf):  # nothing but empty lines so far: still idle
                try:
                    if not self._recv(self._limits.idle_timeout):
                        return None
                except TimeoutError:
                    return None
                continue
            found = _BLANK_LINE.search(buf, max(start, scan))
            if found is not None:
                if found.end() - start > max_head:
                    raise RequestError(431, f"the request head is over {max_head} bytes")
                break
            if len(buf) - start > max_head:
                raise RequestError(431, f"the request head is over {max_head} bytes")
            scan = max(start, len(buf) - 2)
            self._more(b"")
        lines = [
            line.removesuffix(b"\r") for line in bytes(buf[start : found.start()]).split(b"\n")
        ]
        method, target, version = _parse_request_line(lines[0])
        request_line = b" ".join((method, target, version))
        headers = _parse_fields(lines[1:], request_line)
        req = _Framing(headers, version, request_line, self._limits.max_body)
        body_start = found.end()
        if req.expect_continue and len(buf) == body_start and (req.length or req.chunked):
            self._on_continue()
        if req.chunked:
            body, trailers, end = self._read_chunked(body_start, request_line)
        else:
            end = body_start + req.length
            while len(buf) < end:
                self._more(request_line)
            body, trailers = bytes(buf[body_start:end]), ()
        raw = bytes(buf[:end])
        del buf[:end]
        return Request(
            method=method,
            target=target,
            version=version,
            headers=headers,
            body=body,
            trailers=trailers,
            raw=raw,
            reads=self._take(end),
            chunked=req.chunked,
            force_close=req.force_close,
        )

    def _read_chunked(
        self, pos: int, line: bytes
    ) -> tuple[bytes, tuple[tuple[bytes, bytes], ...], int]:
        """Decode a chunked body starting at ``pos``; return body, trailers and end offset."""
        buf = self._buf
        body = bytearray()
        max_body = self._limits.max_body
        while True:
            nl = buf.find(b"\n", pos)
            while nl < 0:
                if len(buf) - pos > MAX_CHUNK_LINE:
                    raise RequestError(400, "a chunk-size line is too long", line)
                self._more(line)
                nl = buf.find(b"\n", pos)
            size_line = bytes(buf[pos:nl]).removesuffix(b"\r")
            # Chunk extensions (RFC 9112 §7.1.1) are allowed and ignored.
            digits = size_line.split(b";", 1)[0].strip(b" \t")
            if not _HEX.fullmatch(digits):
                raise RequestError(400, f"bad chunk size {size_line[:40]!r}", line)
            size = int(digits, 16)
            pos = nl + 1
            if size == 0:
                break
            if len(body) + size > max_body:
                raise RequestError(413, f"the request body is over {max_body} bytes", line)
            while len(buf) < pos + size + 1:
                self._more(line)
            body += buf[pos : pos + size]
            pos += size
            if buf[pos] == 13:  # CR; a bare LF is tolerated (RFC 9112 §2.2)
                while len(buf) < pos + 2:
                    self._more(line)
                pos += 1
            if buf[pos] != 10:
                raise RequestError(400, "chunk data is not followed by a line ending", line)
            pos += 1
        # Trailer section (RFC 9112 §7.1.2), ended by an empty line.
        trailer_lines: list[bytes] = []
        head_budget = self._limits.max_head
        while True:
            nl = buf.find(b"\n", pos)
            while nl < 0:
                if len(buf) - pos > head_budget:
                    raise RequestError(431, "the trailer section is too large", line)
                self._more(line)
                nl = buf.find(b"\n", pos)
            text = bytes(buf[pos:nl]).removesuffix(b"\r")
            head_budget -= nl + 1 - pos
            pos = nl + 1
            if not text:
                break
            if head_budget < 0:
                raise RequestError(431, "the trailer section is too large", line)
            trailer_lines.append(text)
        return bytes(body), _parse_fields(trailer_lines, line), pos

    def _take(self, n: int) -> tuple[ReadRecord, ...]:
        """Attribute the first ``n`` buffered bytes to the reads they came from."""
        out: list[ReadRecord] = []
        segments = self._segments
        while n > 0 and segments:
            seg = segments[0]
            used = min(n, seg.left)
            out.append(ReadRecord(seg.size, used, seg.t))
            seg.left -= used
            n -= used
            if seg.left == 0:
                segments.popleft()
        return tuple(out)


def _parse_request_line(line: bytes) -> tuple[bytes, bytes, bytes]:
    # RFC 9112 §3 allows a recipient to split on any whitespace run.
    parts = line.split()
    if len(parts) != 3:
        raise RequestError(400, f"malformed request line {line[:80]!r}", line)
    method, target, version = parts
    if not _TOKEN.fullmatch(method):
        raise RequestError(400, f"the method {method[:40]!r} is not a token", line)
    if _TARGET_BAD.search(target):
        raise RequestError(400, "control characters in the request-target", line)
    ver = _VERSION.fullmatch(version)
    if ver is None:
        raise RequestError(400, f"bad protocol version {version[:20]!r}", line)
    if ver.group(1) != b"1":
        raise RequestError(505, f"{version.decode('ascii')} is not supported here", line)
    return method, target, version


def _parse_fields(lines: list[bytes], request_line: bytes) -> tuple[tuple[bytes, bytes], ...]:
    fields: list[tuple[bytes, bytes]] = []
    for line in lines:
        if b"\r" in line or b"\0" in line:
            # RFC 9110 §5.5 / RFC 9112 §2.2: a bare CR or a NUL makes the field invalid.
            raise RequestError(400, f"bare CR or NUL in a field line: {line[:60]!r}", request_line)
        if line[:1] in (b" ", b"\t"):
            if not fields:
                # RFC 9112 §2.2: whitespace before the first field line must be rejected.
                raise RequestError(400, "whitespace before the first header field", request_line)
            # RFC 9112 §5.2: a server may replace obs-fold with a space.
            name, value = fields[-1]
            fields[-1] = (name, (value + b" " + line.strip(b" \t")).strip(b" \t"))
            continue
        name, colon, value = line.partition(b":")
        if not colon:
            raise RequestError(400, f"header line without a colon: {line[:60]!r}", request_line)
        if not _TOKEN.fullmatch(name):
            # RFC 9112 §5.1: whitespace between name and colon MUST be rejected with 400.
            raise RequestError(400, f"bad header field name {name[:60]!r}", request_line)
        fields.append((name, value.strip(b" \t")))
    return tuple(fields)


class _Framing:
    """How the request body is delimited (RFC 9112 §6.3, server side)."""

    def __init__(
        self,
        headers: tuple[tuple[bytes, bytes], ...],
        version: bytes,
        line: bytes,
        max_body: int,
    ) -> None:
        te: list[bytes] = []
        cl: list[bytes] = []
        expect = b""
        for name, value in headers:
            lname = name.lower()
            if lname == b"transfer-encoding":
                te += [t.strip(b" \t").lower() for t in value.split(b",") if t.strip(b" \t")]
            elif lname == b"content-length":
                cl += [v.strip(b" \t") for v in value.split(b",")]
            elif lname == b"expect":
                expect = value.strip(b" \t").lower()
        self.expect_continue = expect == b"100-continue" and version != b"HTTP/1.0"
        self.chunked = False
        self.force_close = False
        self.length = 0
        if te:
            if te[-1] != b"chunked":
                raise RequestError(400, "Transfer-Encoding does not end with chunked", line)
            if te != [b"chunked"]:
                raise RequestError(501, f"unsupported transfer coding {b', '.join(te)!r}", line)
            self.chunked = True
            # RFC 9112 §6.1/§6.3: with CL as well, or in HTTP/1.0, close afterwards.
            self.force_close = bool(cl) or version == b"HTTP/1.0"
            return
        if cl:
            if not all(v.isdigit() for v in cl) or len(set(cl)) != 1:
                raise RequestError(400, f"invalid Content-Length {b', '.join(cl)[:60]!r}", line)
            self.length = int(cl[0])
            if self.length > max_body:
                raise RequestError(413, f"the request body is over {max_body} bytes", line)
