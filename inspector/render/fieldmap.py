"""Which field each received byte belongs to, and the framing drawn on the raw bytes.

Pure: a :class:`~inspector.model.ParsedResponse`, the received stream's length and the
anomalies in; regions, marks and read lookups out. Nothing is re-parsed: every region
comes from a span the parser recorded.

The regions tile the received stream ``[0, received)`` exactly: sorted, no gaps, no
overlaps. A byte the parser did not read as part of any element (a skipped line,
bytes before the message, bytes past a fatal error) is an ``unparsed`` region, and
bytes after a complete message are ``leftover``. Each line region includes its own
line ending (a bare LF is known from the parser's ``bare-lf`` anomaly). Bytes the
framing promised but that never arrived are not in the stream, so they are a
``missing`` mark at the place where the arrival stopped, not a region.

Storage is flat arrays (start, kind, element number: 17 bytes a region, three regions
a chunk); chunk labels are made when asked, so big chunked bodies map fast.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from enum import StrEnum
from operator import itemgetter
from typing import NamedTuple

from inspector.model import Anomaly, Exchange, Framing, ParsedResponse, Severity
from inspector.render.escape import escape_bytes, safe_text
from inspector.render.timeline import ReadIndex, read_at

__all__ = [
    "AnomalyMark",
    "FieldMap",
    "Mark",
    "MarkKind",
    "ReadIndex",
    "Region",
    "RegionKind",
    "read_at",
]

_FIRST = itemgetter(0)
Reader = Callable[[int, int], bytes]
"""Reads received bytes ``[start, end)`` (``ByteStream.read`` fits)."""


class RegionKind(StrEnum):
    """What a run of received bytes is."""

    INTERIM = "interim"
    STATUS_LINE = "status-line"
    HEADER = "header"
    HEAD_END = "head-end"
    """The blank line that ends the head."""
    BODY = "body"
    """Body bytes framed by Content-Length or by the connection closing."""
    CHUNK_SIZE = "chunk-size"
    """A chunk-size line: size, extensions and line ending."""
    CHUNK_DATA = "chunk-data"
    CHUNK_CRLF = "chunk-crlf"
    """The line ending after a chunk's data."""
    LAST_CHUNK = "last-chunk"
    """The zero-size chunk line."""
    TRAILER = "trailer"
    BODY_END = "body-end"
    """The blank line that ends a chunked body's trailer section."""
    LEFTOVER = "leftover"
    """Bytes after the end of a complete message."""
    UNPARSED = "unparsed"
    """Bytes the parser did not read as part of any element."""


_KINDS = tuple(RegionKind)
_CODE = {k: i for i, k in enumerate(_KINDS)}
# One chunk as three kind codes, appended in one call on the hot path.
_CHUNK_TRIPLE = bytes(
    [_CODE[RegionKind.CHUNK_SIZE], _CODE[RegionKind.CHUNK_DATA], _CODE[RegionKind.CHUNK_CRLF]]
)


class Region(NamedTuple):
    """One run of received bytes and what it is."""

    start: int
    """Offset of the first byte."""
    end: int
    """Offset one past the last byte."""
    kind: RegionKind
    label: str
    """Short escaped text for a person (a header's name, a chunk's size...)."""
    item: int = -1
    """Which element of its kind: the index in ``headers``, ``trailers``, ``interim`` or
    ``chunks`` of the response; -1 for the others."""


class MarkKind(StrEnum):
    """A framing event drawn at one offset of the raw bytes."""

    INTERIM_END = "interim-end"
    HEAD_END = "head-end"
    CHUNK = "chunk"
    """A chunk boundary: where a chunk-size line starts."""
    LAST_CHUNK = "last-chunk"
    BODY_END = "body-end"
    """Where the body ended by its framing rule."""
    MISSING = "missing"
    """Where the bytes stopped short of what the framing promised."""
    LEFTOVER = "leftover"
    """Where bytes after the end of the message start."""
    STOPPED = "stopped"
    """Where a fatal error stopped the parse, with bytes after it left unread."""


class Mark(NamedTuple):
    """A framing event at an offset (drawn before the byte at ``offset``)."""

    offset: int
    kind: MarkKind
    text: str


class AnomalyMark(NamedTuple):
    """An anomaly placed on its bytes (``start == end`` for a point between two bytes)."""

    start: int
    end: int
    severity: Severity
    code: str
    text: str
    """The message, escaped, with the RFC section broken."""


class FieldMap:
    """Regions tiling the received bytes, marks of the framing, anomalies on their spans.

    Args:
        response: The parse of the received bytes (None when nothing was parsed).
        received: How many bytes the received stream holds.
        anomalies: The anomalies to place; default: the response's.
        read: Reads received bytes, for labels that show them (chunk extensions).
    """

    def __init__(
        self,
        response: ParsedResponse | None,
        received: int,
        anomalies: Sequence[Anomaly] | None = None,
        *,
        read: Reader | None = None,
    ) -> None:
        if anomalies is None:
            anomalies = response.anomalies if response is not None else ()
        self.response = response
        self.received = received
        self._anomalies = tuple(anomalies)
        self._read = read
        own = response.anomalies if response is not None else ()
        self._bare_lf = {a.start for a in (*own, *self._anomalies) if a.code == "bare-lf"}
        self._starts: array[int] = array("q")
        self._kinds = bytearray()
        self._items: array[int] = array("q")
        self._labels: dict[int, str] = {}
        self._cursor = 0
        self._anomaly_marks = sorted(_anomaly_mark(a, received) for a in self._anomalies)
        if response is not None:
            self._head(response)
            self._body(response)
        self._finish(response)

    @classmethod
    def for_exchange(cls, exchange: Exchange) -> FieldMap:
        """The map of an exchange's received bytes, with all its anomalies."""
        stream = exchange.transcript.received
        anomalies = exchange.anomalies or None  # none listed: the response's own
        return cls(exchange.response, len(stream), anomalies, read=stream.read)

    # ------------------------------------------------------------- building
    def _add(
        self, start: int, end: int, kind: RegionKind, label: str | None = None, item: int = -1
    ) -> None:
        start = max(start, self._cursor)
        end = min(end, self.received)
        if end <= start:
            return
        if start > self._cursor:
            self._gap(self._cursor, start)
        n = len(self._kinds)
        self._starts.append(start)
        self._kinds.append(_CODE[kind])
        self._items.append(item)
        if label is not None:
            self._labels[n] = label
        self._cursor = end

    def _gap(self, start: int, end: int) -> None:
        why = next((a for a in self._anomalies if a.start < end and a.end > start), None)
        label = f"not read as a field: {safe_text(why.message)}" if why else "not read as a field"
        self._cursor = start
        self._add(start, end, RegionKind.UNPARSED, label)

    def _eol(self, end: int) -> int:
        return 1 if end in self._bare_lf else 2

    def _line(
        self, start: int, end: int, limit: int, kind: RegionKind, label: str, item: int = -1
    ) -> None:
        self._add(start, min(end + self._eol(end), limit), kind, label, item)

    def _head(self, r: ParsedResponse) -> None:
        for i, im in enumerate(r.interim):
            label = f"interim response {im.status} {escape_bytes(im.reason)}".rstrip()
            self._add(im.start, im.end, RegionKind.INTERIM, label, i)
        head_end = r.head_span[1]
        complete = r.framing is not None
        blank = head_end - (1 if head_end - 1 in self._bare_lf else 2) if complete else head_end
        s0, s1 = r.status_line_span
        if s1 > s0:
            first = r.headers[0].start if r.headers else blank
            what = "status line" if r.status is not None else "status line (not valid)"
            self._line(s0, s1, first, RegionKind.STATUS_LINE, what)
        for i, h in enumerate(r.headers):
            limit = r.headers[i + 1].start if i + 1 < len(r.headers) else blank
            self._line(h.start, h.end, limit, RegionKind.HEADER, escape_bytes(h.name), i)
        if complete:
            self._add(blank, head_end, RegionKind.HEAD_END, "end of head (blank line)")

    def _body(self, r: ParsedResponse) -> None:
        if r.framing is Framing.CHUNKED:
            self._chunked(r)
            return
        if r.framing is Framing.CONTENT_LENGTH:
            label = f"body (Content-Length: {r.content_length})"
        else:
            label = "body (read until the connection closed)"
        for s, e in r.body_spans:
            self._add(s, e, RegionKind.BODY, label)

    def _chunked(self, r: ParsedResponse) -> None:
        chunks = r.chunks
        starts, kinds, items = self._starts, self._kinds, self._items
        last_data = -1  # the chunk whose CRLF is still to come
        cursor = self._cursor
        fast = r.end <= self.received  # a stale length takes the careful, clipping path
        for n, (line, data, data_end, size) in enumerate(chunks):
            if size == 0:
                self._cursor = cursor
                self._add(line, data, RegionKind.LAST_CHUNK, None, n)
                cursor = self._cursor
                break
            nxt = chunks[n + 1].line_start if n + 1 < len(chunks) else data_end
            if line == cursor and fast:  # the hot path: three regions in three calls
                starts.extend((line, data, data_end))
                kinds += _CHUNK_TRIPLE
                items.extend((n, n, n))
                if nxt == data_end:  # its CRLF has not been read (yet)
                    starts.pop()
                    kinds.pop()
                    items.pop()
                cursor = nxt
            else:
                self._cursor = cursor
                self._add(line, data, RegionKind.CHUNK_SIZE, None, n)
                self._add(data, data_end, RegionKind.CHUNK_DATA, None, n)
                self._add(data_end, nxt, RegionKind.CHUNK_CRLF, None, n)
                cursor = self._cursor
            last_data = n
        self._cursor = cursor
        if chunks and chunks[-1].size == 0:
            self._trailers(r)
            return
        # No last chunk: maybe a CRLF, a size line and some data of an incomplete chunk.
        tail = [(s, e) for s, e in r.body_spans if s >= cursor]
        nxt = len(chunks)
        for s, e in [*tail, (r.end, r.end)]:
            if self._cursor >= r.end:
                break
            if last_data >= 0:
                crlf = min(self._cursor + self._eol(self._cursor), s)
                self._add(self._cursor, crlf, RegionKind.CHUNK_CRLF, None, last_data)
                last_data = -1
            partial = f"chunk {nxt + 1} size line (the chunk did not all arrive)"
            self._add(self._cursor, s, RegionKind.CHUNK_SIZE, partial, nxt)
            self._add(
                s, e, RegionKind.CHUNK_DATA, f"chunk {nxt + 1} data: {e - s} bytes arrived", nxt
            )

    def _trailers(self, r: ParsedResponse) -> None:
        end = r.end
        blank = end - (1 if end - 1 in self._bare_lf else 2) if r.complete else end
        for i, t in enumerate(r.trailers):
            limit = r.trailers[i + 1].start if i + 1 < len(r.trailers) else blank
            self._line(t.start, t.end, limit, RegionKind.TRAILER, escape_bytes(t.name), i)
        if r.complete:
            self._add(blank, end, RegionKind.BODY_END, "end of chunked body (blank line)")

    def _finish(self, r: ParsedResponse | None) -> None:
        if r is not None and r.end > self._cursor:
            self._gap(self._cursor, min(r.end, self.received))
        rest = self.received - self._cursor
        if rest > 0:
            kind, label = RegionKind.UNPARSED, "not parsed (yet)"
            if r is not None and r.complete:
                kind, label = RegionKind.LEFTOVER, f"{rest} bytes after the message"
            elif r is not None and r.error is not None:
                label = f"{rest} bytes after the parse stopped ({r.error.code})"
            self._add(self._cursor, self.received, kind, label)

    # -------------------------------------------------------------- queries
    def __len__(self) -> int:
        return len(self._kinds)

    def __iter__(self) -> Iterator[Region]:
        return (self.region(i) for i in range(len(self._kinds)))

    def region(self, index: int) -> Region:
        """The ``index``-th region, in stream order."""
        start = self._starts[index]
        end = self._starts[index + 1] if index + 1 < len(self._starts) else self.received
        kind = _KINDS[self._kinds[index]]
        return Region(start, end, kind, self._label(index, kind), self._items[index])

    def at(self, offset: int) -> Region | None:
        """The region holding the byte at ``offset`` (by bisection), or None outside the stream."""
        if offset < 0 or offset >= self.received or not self._starts:
            return None
        return self.region(bisect_right(self._starts, offset) - 1)

    def span_of(self, kind: RegionKind) -> tuple[int, int] | None:
        """From the start of the first region of a kind to the end of the last one.

        For one element, ask :meth:`at` with its start (``HeaderField.start``,
        ``ChunkRecord.line_start``...): its region includes its line ending.
        """
        code = _CODE[kind]
        first = self._kinds.find(code)
        if first < 0:
            return None
        return (self._starts[first], self.region(self._kinds.rfind(code)).end)

    def _label(self, index: int, kind: RegionKind) -> str:
        label = self._labels.get(index)
        if label is not None:
            return label
        n = self._items[index]
        r = self.response
        assert r is not None  # only chunk regions have no stored label
        line, data, data_end, size = r.chunks[n]
        if kind is RegionKind.CHUNK_DATA:
            return f"chunk {n + 1} data: {size} bytes"
        if kind is RegionKind.CHUNK_CRLF:
            return f"line ending after chunk {n + 1}"
        text = f"chunk {n + 1} size line: {size} bytes"
        if kind is RegionKind.LAST_CHUNK:
            text = "last chunk (size 0)"
        if self._read is not None:
            raw = self._read(line, min(data, line + 200)).rstrip(b"\r\n")
            text += f" [{escape_bytes(raw)}]"
        return text

    # ---------------------------------------------------------------- marks
    def marks(self, start: int = 0, end: int | None = None) -> list[Mark]:
        """The framing marks with ``start <= offset <= end``, sorted by offset.

        Chunk boundaries are found by bisection, so asking for the rows on screen costs
        O(log n) however many chunks the body has.
        """
        stop = self.received if end is None else end
        r = self.response
        out: list[Mark] = []
        if r is None:
            return out
        for im in r.interim:
            out.append(Mark(im.end, MarkKind.INTERIM_END, f"end of interim response {im.status}"))
        head_end = r.head_span[1]
        if r.framing is not None:
            size = head_end - r.head_span[0]
            out.append(
                Mark(head_end, MarkKind.HEAD_END, f"end of head ({size} bytes); {_framing_text(r)}")
            )
        chunks = r.chunks
        lo = bisect_left(chunks, start, key=_FIRST)
        hi = bisect_right(chunks, stop, key=_FIRST)
        for n in range(lo, hi):
            c = chunks[n]
            if c.size:
                out.append(Mark(c.line_start, MarkKind.CHUNK, f"chunk {n + 1}: {c.size} bytes"))
            else:
                out.append(Mark(c.line_start, MarkKind.LAST_CHUNK, "last chunk (size 0)"))
        out.extend(self._end_marks(r))
        out = [m for m in out if start <= m.offset <= stop]
        out.sort(key=_FIRST)
        return out

    def _end_marks(self, r: ParsedResponse) -> list[Mark]:
        out: list[Mark] = []
        add = out.append
        arrived = r.body_spans[-1][1] if r.body_spans else r.head_span[1]
        size, rest = r.body_size, self.received - r.end
        if r.framing is Framing.CONTENT_LENGTH and r.content_length is not None:
            cl = r.content_length
            if size >= cl:
                add(Mark(arrived, MarkKind.BODY_END, f"end of body: Content-Length {cl} reached"))
            else:
                text = f"Content-Length says {cl} bytes; {size} arrived ({cl - size} missing)"
                add(Mark(arrived, MarkKind.MISSING, text))
        elif r.framing is Framing.CLOSE and r.complete:
            text = f"end of body: the connection closed after {size} bytes"
            add(Mark(r.end, MarkKind.BODY_END, text))
        elif r.framing is Framing.CHUNKED and r.complete:
            text = f"end of chunked body: {size} bytes in {len(r.chunks) - 1} chunks"
            add(Mark(r.end, MarkKind.BODY_END, text))
        elif r.framing is Framing.CHUNKED and r.error is not None:
            text = f"the chunked body stopped before its last chunk; {size} bytes arrived"
            add(Mark(r.end, MarkKind.MISSING, text))
        if rest > 0 and r.complete:
            add(Mark(r.end, MarkKind.LEFTOVER, f"{rest} bytes after the end of the message"))
        elif rest > 0 and r.error is not None:
            text = f"the parse stopped here ({safe_text(r.error.message)}); {rest} bytes not read"
            add(Mark(r.end, MarkKind.STOPPED, text))
        return out

    def anomaly_marks(self) -> list[AnomalyMark]:
        """Every anomaly on its span (clipped to the stream), sorted by start."""
        return list(self._anomaly_marks)

    def anomalies_at(self, offset: int) -> list[AnomalyMark]:
        """The anomalies on the byte at ``offset`` (or, zero-width, just before it)."""
        return [
            m
            for m in self._anomaly_marks
            if m.start <= offset < m.end or m.start == m.end == offset
        ]

    def describe(self, offset: int, reads: ReadIndex | None = None, started: float = 0.0) -> str:
        """One line for the raw view's cursor: the field, the offset, the read and its time.

        Args:
            offset: The byte under the cursor.
            reads: The recv() calls of the transcript.
            started: The transcript's start time (read times are shown relative to it).
        """
        region = self.at(offset)
        if region is None:
            return f"offset {offset}: past the received bytes"
        parts = [f"offset {offset} (0x{offset:x})", f"{region.kind.value}: {region.label}"]
        found = reads.at(offset) if reads is not None else None
        if found is not None:
            n, ev = found
            parts.append(f"read {n + 1} of {len(reads or ())} at +{ev.t - started:.6f} s")
        parts.extend(f"{m.severity.value} {m.code}" for m in self.anomalies_at(offset))
        return " · ".join(parts)


def _anomaly_mark(a: Anomaly, received: int) -> AnomalyMark:
    end = max(0, min(a.end, received))
    text = safe_text(f"{a.message} ({a.rfc})" if a.rfc else a.message)
    return AnomalyMark(max(0, min(a.start, end)), end, a.severity, safe_text(a.code), text)


def _framing_text(r: ParsedResponse) -> str:
    if r.framing is Framing.CONTENT_LENGTH:
        return f"body framed by Content-Length: {r.content_length}"
    if r.framing is Framing.CHUNKED:
        return "chunked body"
    if r.framing is Framing.CLOSE:
        return "body read until the connection closes"
    return "no body"
