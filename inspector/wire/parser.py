"""Incremental, lenient HTTP/1.1 response parser (sans-I/O).

Feed it bytes split anywhere with :meth:`ResponseParser.feed`, tell it about
EOF with :meth:`ResponseParser.feed_eof`, and ask :attr:`ResponseParser.done`
whether the message is complete. It never raises on bytes from the peer:
every deviation is an :class:`~inspector.model.Anomaly` with its byte span and
the RFC section it breaks, and a fatal one (severity ``error``) ends the parse
with whatever was read so far still available from :meth:`result`.

Offsets are absolute positions in the received stream: the first byte fed is
at ``start_offset`` (0 unless the caller says otherwise).
"""

from __future__ import annotations

import re
from enum import Enum

from inspector.model import Anomaly, ChunkRecord, Framing, HeaderField, Severity
from inspector.model.response import InterimResponse, ParsedResponse, new_parsed_response
from inspector.wire import head as H
from inspector.wire.limits import DEFAULT_LIMITS, Limits

_HEAD_END = re.compile(rb"\n\r?\n")
_HEXDIG = b"0123456789abcdefABCDEF"
_SMALL_TAIL = 4096


class _State(Enum):
    HEAD = 1
    BODY_LENGTH = 2
    CHUNK_SIZE = 3
    CHUNK_DATA = 4
    CHUNK_DATA_END = 5
    TRAILERS = 6
    BODY_CLOSE = 7
    DONE = 8


# Module-level names for the members used on hot paths: in Python 3.11 reading
# a member off its Enum class costs several times a global lookup.
_S_HEAD = _State.HEAD
_S_BODY_LENGTH = _State.BODY_LENGTH
_S_CHUNK_SIZE = _State.CHUNK_SIZE
_S_CHUNK_DATA = _State.CHUNK_DATA
_S_CHUNK_DATA_END = _State.CHUNK_DATA_END
_S_TRAILERS = _State.TRAILERS
_S_BODY_CLOSE = _State.BODY_CLOSE
_S_DONE = _State.DONE
_F_NONE = Framing.NONE
_F_CONTENT_LENGTH = Framing.CONTENT_LENGTH
_F_CHUNKED = Framing.CHUNKED
_ERROR = Severity.ERROR


class ResponseParser:
    """Reads one HTTP/1.x response (plus any 1xx before it) from a byte stream.

    Args:
        method: The request method; ``HEAD`` responses have no body, and a 2xx
            answer to ``CONNECT`` opens a tunnel.
        limits: Size limits; each one hit ends the parse with an anomaly.
        keep_body: Keep the de-framed body in memory (``result().body``). When
            False only its spans are kept, to be read back from a transcript.
        start_offset: Absolute offset of the first byte that will be fed.
        upgrade_requested: Whether the request asked for an upgrade; a 101
            without one is flagged as unsolicited.
    """

    # State that most parses never change starts as these class-level values,
    # so that a parser (one per exchange) is cheap to make; assigning one on
    # the instance replaces it for that parser only. All are immutable.
    _eof = False
    _complete = False
    _head: H.Head | None = None
    _framing: Framing | None = None
    _content_length: int | None = None
    _keep_alive = False
    _remaining = 0
    _body_size = 0
    _chunk_line_start = 0
    _chunk_size = 0
    _chunks_data_start = 0
    _trailer_start = 0
    _tail: bytes | bytearray = b""  # received bytes not yet consumed
    _leftover: bytes | bytearray = b""  # bytes after the message (a bytearray once any)

    def __init__(
        self,
        method: bytes = b"GET",
        *,
        limits: Limits = DEFAULT_LIMITS,
        keep_body: bool = True,
        start_offset: int = 0,
        upgrade_requested: bool = False,
    ) -> None:
        self._method = method.upper()
        self._limits = limits
        self._keep_body = keep_body
        self._upgrade_requested = upgrade_requested
        self._state = _S_HEAD
        self._tail_base = start_offset  # absolute offset of _tail[0]
        self._scan_abs = start_offset  # where the head-end search resumes
        self._start = start_offset
        self._end = start_offset
        self._anomalies: list[Anomaly] = []
        self._interim: list[InterimResponse] = []
        self._body_parts: list[bytes | memoryview] = []
        self._body_spans: list[tuple[int, int]] = []
        self._chunks: list[ChunkRecord] = []
        self._trailers: list[HeaderField] = []
        self._leftover_start = start_offset

    # ----------------------------------------------------------------- state
    @property
    def done(self) -> bool:
        """Whether the parse has ended (complete, failed, or at EOF)."""
        return self._state is _S_DONE

    @property
    def needs_data(self) -> bool:
        """Whether more bytes could change the result (the NEED_DATA idea)."""
        return self._state is not _S_DONE

    @property
    def failed(self) -> bool:
        """Whether a fatal anomaly ended the parse."""
        anomalies = self._anomalies
        return bool(anomalies) and any(a.severity is _ERROR for a in anomalies)

    @property
    def end_offset(self) -> int:
        """Absolute offset one past the last byte consumed by the message."""
        return self._end

    @property
    def leftover(self) -> bytes:
        """Bytes received after the message ended (not part of it)."""
        return bytes(self._leftover)

    # ------------------------------------------------------------------ feed
    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Consume received bytes; extra bytes after the message become leftover."""
        if not data:
            return
        state = self._state
        if state is _S_DONE:
            self._keep_leftover(data)
            return
        tail = self._tail
        if not tail and (state is _S_BODY_LENGTH or state is _S_BODY_CLOSE):
            # Body bytes are only counted (and copied if kept): no conversion needed.
            self._feed_body(data)
            return
        if type(data) is not bytes:
            data = bytes(data)
        buf: bytes | bytearray
        if not tail:
            buf = data
        elif len(tail) <= _SMALL_TAIL:
            # A partial line left from the last read: one copy into immutable bytes,
            # whose slices are then free of further copies.
            buf = bytes(tail) + data
            self._tail = tail = b""
        else:
            # A long head arriving in small reads: grow in place, never quadratically
            # (a tail this long is always the bytearray made below).
            assert isinstance(tail, bytearray)
            tail += data
            buf = tail
        pos = self._process(buf, 0)
        if isinstance(buf, bytearray):  # the tail itself, grown in place
            del buf[:pos]
        elif pos < len(buf):
            self._tail = tail = bytearray(buf[pos:])
        # else: every byte was consumed and the (empty) tail stays as it is.
        self._tail_base += pos
        if self._state is _S_DONE:
            self._leftover_start = self._tail_base
            if tail:
                self._keep_leftover(tail)
                self._tail = b""

    def _keep_leftover(self, data: bytes | bytearray | memoryview) -> None:
        if self._leftover:
            assert isinstance(self._leftover, bytearray)
            self._leftover += data
        else:
            self._leftover = bytearray(data)

    def _body_step(self, buf: bytes | bytearray | memoryview, pos: int) -> int:
        """Consume body bytes of a Content-Length or close-delimited body."""
        n = len(buf)
        if self._state is _S_BODY_CLOSE:
            self._take_body(buf, pos, n)
            return n
        take = min(self._remaining, n - pos)
        if not self._take_body(buf, pos, pos + take):
            return n  # bytes past the body limit are dropped body, not leftover
        pos += take
        self._remaining -= take
        if not self._remaining:
            self._message_complete(pos)
        return pos

    def _feed_body(self, data: bytes | bytearray | memoryview) -> None:
        pos = self._body_step(data, 0)
        self._tail_base += pos
        if self.done:
            self._leftover_start = self._tail_base
            if pos < len(data):
                self._keep_leftover(data[pos:])

    def feed_eof(self) -> None:
        """Signal that the peer closed the connection."""
        if self._eof:
            return
        self._eof = True
        state = self._state
        if state is _S_DONE:
            return
        here = self._tail_base + len(self._tail)
        if state is _S_BODY_CLOSE:
            self._complete = True
            self._finish(here)
        elif state is _S_HEAD:
            self._eof_in_head(here)
        elif state is _S_BODY_LENGTH:
            got = self._body_size
            want = got + self._remaining
            self._fatal(
                "incomplete-body",
                self._tail_base,
                here,
                f"the connection closed after {got} of {want} body bytes",
                "RFC 9112 §8",
            )
        elif state is _S_TRAILERS:
            self._flag(
                "missing-trailer-crlf",
                Severity.WARNING,
                self._trailer_start,
                here,
                "the connection closed before the blank line that ends the trailers",
                "RFC 9112 §7.1.2",
            )
            self._fatal(
                "incomplete-body",
                self._tail_base,
                here,
                "the connection closed inside the trailer section",
                "RFC 9112 §8",
            )
        else:
            self._fatal(
                "incomplete-body",
                self._tail_base,
                here,
                "the connection closed inside the chunked body",
                "RFC 9112 §8",
            )

    # --------------------------------------------------------------- result
    def result(self) -> ParsedResponse:
        """A snapshot of everything parsed so far."""
        head = self._head
        anomalies = self._anomalies
        leftover = self._leftover
        if leftover:
            anomalies = [
                *anomalies,
                Anomaly(
                    "leftover-bytes",
                    Severity.INFO,
                    self._leftover_start,
                    self._leftover_start + len(leftover),
                    f"{len(leftover)} bytes arrived after the end of the message",
                    "RFC 9112 §9.3",
                ),
            ]
        body: bytes | None = None
        if self._keep_body:
            parts = self._body_parts
            first = parts[0] if len(parts) == 1 else None
            body = first if type(first) is bytes else b"".join(parts)
        complete = self._complete
        start = self._start
        if head is not None:
            version, status, reason = head.version, head.status, head.reason
            fields = tuple(head.fields)
            status_line_span, head_span = head.status_line_span, (head.start, head.end)
        else:
            version, status, reason, fields = b"", None, b"", ()
            status_line_span = head_span = (start, start)
        # Positional and without the frozen __init__: this runs once per exchange.
        return new_parsed_response(
            version,
            status,
            reason,
            fields,
            tuple(self._interim) if self._interim else (),
            tuple(self._trailers) if self._trailers else (),
            self._framing,
            self._content_length,
            body,
            self._body_size,
            tuple(self._body_spans),
            tuple(self._chunks) if self._chunks else (),
            status_line_span,
            head_span,
            start,
            self._end,
            complete,
            self._keep_alive and complete and not (anomalies and self.failed),
            tuple(anomalies) if anomalies else (),
        )

    # ------------------------------------------------------------ internals
    def _flag(
        self, code: str, severity: Severity, start: int, end: int, message: str, rfc: str = ""
    ) -> None:
        self._anomalies.append(Anomaly(code, severity, start, end, message, rfc))

    def _fatal(self, code: str, start: int, end: int, message: str, rfc: str = "") -> None:
        self._flag(code, Severity.ERROR, start, end, message, rfc)
        self._finish(end)

    def _finish(self, end: int) -> None:
        self._end = max(self._end, end)
        self._state = _S_DONE

    def _process(self, buf: bytes | bytearray, pos: int) -> int:
        """Run the state machine over ``buf[pos:]``; return where it stopped."""
        n = len(buf)
        while pos < n:
            state = self._state
            if state is _S_BODY_LENGTH or state is _S_BODY_CLOSE:
                pos = self._body_step(buf, pos)
            elif state is _S_HEAD:
                new = self._process_head(buf, pos)
                if new is None:
                    return pos
                pos = new
            elif state is _S_CHUNK_DATA:
                take = min(self._remaining, n - pos)
                if not self._take_body(buf, pos, pos + take):
                    return n
                pos += take
                self._remaining -= take
                if not self._remaining:
                    base = self._tail_base
                    self._chunks.append(
                        ChunkRecord(
                            self._chunk_line_start,
                            self._chunks_data_start,
                            base + pos,
                            self._chunk_size,
                        )
                    )
                    self._state = _S_CHUNK_DATA_END
            elif state is _S_CHUNK_SIZE:
                new = self._fast_chunks(buf, pos)
                if new != pos:
                    pos = new
                    continue
                new = self._process_chunk_line(buf, pos)
                if new is None:
                    return pos
                pos = new
            elif state is _S_CHUNK_DATA_END:
                new = self._process_chunk_end(buf, pos)
                if new is None:
                    return pos
                pos = new
            elif state is _S_TRAILERS:
                new = self._process_trailers(buf, pos)
                if new is None:
                    return pos
                pos = new
            else:  # DONE
                return pos
        return pos

    def _take_body(self, buf: bytes | bytearray | memoryview, start: int, end: int) -> bool:
        """Record body bytes ``buf[start:end]``; False when the body limit stopped the parse."""
        size = end - start
        limit = self._limits.max_body
        over = limit is not None and self._body_size + size > limit
        if over:
            assert limit is not None
            size = max(0, limit - self._body_size)
        abs_start = self._tail_base + start
        if size:
            if self._keep_body:
                self._body_parts.append(bytes(buf[start : start + size]))
            self._body_size += size
            spans = self._body_spans
            if spans and spans[-1][1] == abs_start:
                spans[-1] = (spans[-1][0], abs_start + size)
            else:
                spans.append((abs_start, abs_start + size))
            self._end = abs_start + size
        if over:
            self._fatal(
                "body-too-large",
                abs_start + size,
                self._tail_base + end,
                f"the body passed the limit of {limit} bytes; reading stopped there",
            )
            return False
        return True

    def _over_limit(self, code: str, start: int, over: int, message: str) -> int:
        """End the parse at the first byte past a limit; return its index in the buffer."""
        self._fatal(code, start, over + 1, message, "RFC 9110 §5.4")
        return over + 1 - self._tail_base

    def _message_complete(self, pos: int) -> None:
        self._complete = True
        self._finish(self._tail_base + pos)

    # ---------------------------------------------------------------- head
    def _process_head(self, buf: bytes | bytearray, pos: int) -> int | None:
        base = self._tail_base
        n = len(buf)
        first = pos
        # Tolerate empty lines before the status line (RFC 9112 §2.2).
        while pos < n and buf[pos] in b"\r\n":
            if buf[pos] == 13:
                if pos + 1 >= n:
                    return None if pos == first else pos
                if buf[pos + 1] != 10:
                    break
                width = 2
            else:
                width = 1
            self._flag(
                "leading-empty-line",
                Severity.WARNING,
                base + pos,
                base + pos + width,
                "an empty line came before the status line",
                "RFC 9112 §2.2",
            )
            pos += width
        if pos >= n or pos != first:
            return pos  # progress made: consumed empty lines are never flagged twice
        limits = self._limits
        # The common head: CRLF line endings only. Finding its CRLFCRLF is cheaper
        # than the regex; once the block before it is known to be clean (no bare
        # CR or LF), no earlier \n\r?\n can exist, so both searches agree.
        blank = buf.find(b"\r\n\r\n", max(pos, self._scan_abs - base - 3))
        if blank >= 0 and blank + 4 - pos <= limits.max_head_size:
            lines = H.clean_lines(bytes(buf[pos : blank + 2]))
            if lines is not None:
                end = blank + 4
                self._scan_abs = base + end
                self._on_head(
                    H.parse_clean_head(lines, base + pos, base + end, limits, self._anomalies)
                )
                return end
        scan = max(pos, self._scan_abs - base - 2)
        m = _HEAD_END.search(buf, scan)
        # Limits stop at the same byte however the input was split.
        over = pos + self._limits.max_head_size
        if (m is None and n > over) or (m is not None and m.end() > over):
            return self._over_limit(
                "header-too-long",
                base + pos,
                base + over,
                "the response head passed its size limit",
            )
        if m is None:
            self._scan_abs = base + n
            return None
        end = m.end()
        block = bytes(buf[pos : m.start() + 1])
        head = H.parse_head(block, base + pos, base + end, self._limits, self._anomalies)
        if buf[end - 2] != 13:  # the blank line itself is a bare LF
            self._flag(
                "bare-lf",
                Severity.WARNING,
                base + end - 1,
                base + end,
                "the blank line ending the head is a bare LF instead of CRLF",
                "RFC 9112 §2.2",
            )
        self._scan_abs = base + end
        self._on_head(head)
        return end

    def _eof_in_head(self, here: int) -> None:
        buf = self._tail
        base = self._tail_base
        if not buf.strip(b"\r\n"):
            self._fatal(
                "empty-response",
                base,
                here,
                "the connection closed before any response arrived",
                "RFC 9112 §8",
            )
            return
        # Parse what there is, so the user sees it, then fail.
        block = bytes(buf)
        # Close the last line for parse_head without inventing a bare LF or CR.
        if block.endswith(b"\r"):
            block += b"\n"
        elif not block.endswith(b"\n"):
            block += b"\r\n"
        head = H.parse_head(block, base, here, self._limits, self._anomalies)
        if head.fatal:
            self._finish(here)
            return
        self._head = self._head or head
        self._fatal(
            "incomplete-headers",
            base,
            here,
            "the connection closed before the end of the response head",
            "RFC 9112 §8",
        )

    def _on_head(self, head: H.Head) -> None:
        status = head.status
        if status is None:
            self._head = self._head or head
            self._finish(head.end)
            return
        if 100 <= status < 200 and status != 101:
            self._interim.append(
                InterimResponse(
                    head.version, status, head.reason, tuple(head.fields), head.start, head.end
                )
            )
            if len(self._interim) > self._limits.max_interim:
                self._fatal(
                    "too-many-interim",
                    head.start,
                    head.end,
                    f"more than {self._limits.max_interim} 1xx responses",
                    "",
                )
            return
        self._head = head
        anomalies = self._anomalies
        framing, length, self._keep_alive = H.framing_for(
            head, self._method, self._upgrade_requested, anomalies
        )
        self._framing, self._content_length = framing, length
        if anomalies and self.failed:
            self._finish(head.end)
            return
        if framing is _F_CONTENT_LENGTH and length:
            self._remaining = length
            self._state = _S_BODY_LENGTH
            self._end = head.end
        elif framing is _F_NONE or framing is _F_CONTENT_LENGTH:  # no body, or 0 bytes
            self._complete = True
            self._finish(head.end)
        elif framing is _F_CHUNKED:
            self._state = _S_CHUNK_SIZE
            self._end = head.end
        else:
            self._state = _S_BODY_CLOSE
            self._end = head.end

    # ------------------------------------------------------------- chunked
    def _fast_chunks(self, buf: bytes | bytearray, pos: int) -> int:
        """Consume whole well-formed chunks (``HEX CRLF data CRLF``) in one tight loop.

        Anything unusual (extensions, bad sizes, bare LF, the last chunk, a
        chunk not yet complete, the body limit) is left to the careful path.
        """
        n = len(buf)
        base = self._tail_base
        find = buf.find
        spans = self._body_spans
        chunks = self._chunks
        parts = self._body_parts if self._keep_body else None
        view = memoryview(buf) if parts is not None and type(buf) is bytes else None
        limit = self._limits.max_body
        new = tuple.__new__
        while True:
            nl = find(b"\n", pos, pos + 18)
            if nl < 0 or buf[nl - 1] != 13:
                break
            digits = buf[pos : nl - 1]
            if not digits or digits.translate(None, _HEXDIG):
                break
            size = int(digits, 16)
            start = nl + 1
            stop = start + size
            if size == 0 or stop + 2 > n or buf[stop : stop + 2] != b"\r\n":
                break
            if limit is not None and self._body_size + size > limit:
                break
            if parts is not None:
                parts.append(view[start:stop] if view is not None else bytes(buf[start:stop]))
            self._body_size += size
            spans.append((base + start, base + stop))
            chunks.append(new(ChunkRecord, (base + pos, base + start, base + stop, size)))
            pos = stop + 2
        self._end = max(self._end, base + pos)
        return pos

    def _process_chunk_line(self, buf: bytes | bytearray, pos: int) -> int | None:
        base = self._tail_base
        nl = buf.find(b"\n", pos)
        over = pos + self._limits.max_chunk_line
        if (nl < 0 and len(buf) > over) or nl >= over:
            return self._over_limit(
                "invalid-chunk-size",
                base + pos,
                base + over,
                "a chunk-size line passed its length limit",
            )
        if nl < 0:
            return None
        line_start = base + pos
        line = bytes(buf[pos:nl])
        if line.endswith(b"\r"):
            line = line[:-1]
        else:
            self._flag(
                "bare-lf",
                Severity.WARNING,
                base + nl,
                base + nl + 1,
                "a chunk-size line ended with a bare LF",
                "RFC 9112 §2.2",
            )
        size = H.parse_chunk_line(line, line_start, self._anomalies)
        if size is None:
            self._finish(base + nl + 1)
            return nl + 1
        self._chunk_line_start = line_start
        self._chunks_data_start = base + nl + 1
        self._end = base + nl + 1
        if size == 0:
            self._chunks.append(ChunkRecord(line_start, base + nl + 1, base + nl + 1, 0))
            self._state = _S_TRAILERS
            self._trailer_start = base + nl + 1
            return nl + 1
        self._chunk_size = size
        self._remaining = size
        self._state = _S_CHUNK_DATA
        return nl + 1

    def _process_chunk_end(self, buf: bytes | bytearray, pos: int) -> int | None:
        base = self._tail_base
        n = len(buf)
        if buf[pos] == 13:
            if pos + 1 >= n:
                return None
            if buf[pos + 1] == 10:
                self._state = _S_CHUNK_SIZE
                self._end = base + pos + 2
                return pos + 2
        elif buf[pos] == 10:
            self._flag(
                "bare-lf",
                Severity.WARNING,
                base + pos,
                base + pos + 1,
                "chunk data ended with a bare LF",
                "RFC 9112 §2.2",
            )
            self._state = _S_CHUNK_SIZE
            self._end = base + pos + 1
            return pos + 1
        self._flag(
            "invalid-chunk-terminator",
            Severity.ERROR,
            base + pos,
            base + pos + 1,
            "chunk data was not followed by CRLF: the chunk size is wrong",
            "RFC 9112 §7.1",
        )
        self._finish(base + pos)  # the stray byte is not part of the message
        return pos

    def _process_trailers(self, buf: bytes | bytearray, pos: int) -> int | None:
        base = self._tail_base
        n = len(buf)
        first = pos
        while pos < n:
            nl = buf.find(b"\n", pos)
            over = self._trailer_start - base + self._limits.max_trailer_size
            if (nl < 0 and n > over) or nl >= over:
                return self._over_limit(
                    "header-too-long",
                    self._trailer_start,
                    base + over,
                    "the trailer section passed its size limit",
                )
            if nl < 0:
                return pos if pos != first else None
            line = bytes(buf[pos:nl])
            if line in (b"", b"\r"):
                if not line:
                    self._flag(
                        "bare-lf",
                        Severity.WARNING,
                        base + nl,
                        base + nl + 1,
                        "the chunked body ended with a bare LF",
                        "RFC 9112 §2.2",
                    )
                self._message_complete(nl + 1)
                return nl + 1
            H.parse_trailer_line(line, base + pos, self._trailers, self._anomalies)
            pos = nl + 1
            self._end = base + pos
        return pos
