"""The message's framing as rows: status line, head, body, chunks, trailers, what is left.

Pure (no Textual): the parsed response and its :class:`FieldMap` in, rows out. Every row
carries the received-stream byte range it stands for, so selecting it in the parsed
panel highlights exactly those bytes in the raw panel. Every value is escaped text.
"""

from __future__ import annotations

from typing import NamedTuple

from inspector.model import Framing, ParsedResponse
from inspector.render.escape import escape_bytes
from inspector.render.fieldmap import FieldMap, MarkKind, RegionKind

CHUNK_ROWS = 1000
"""Chunks listed one per row; the rest are counted in one row (the raw view marks all)."""


class FrameRow(NamedTuple):
    """One part of the message and its bytes."""

    part: str
    value: str
    """Escaped text for a person."""
    start: int
    end: int
    """One past the last byte; ``start == end`` for a point (where bytes went missing)."""


def framing_rows(
    response: ParsedResponse | None, fm: FieldMap, limit: int = CHUNK_ROWS
) -> list[FrameRow]:
    """The parts of a response in stream order, each with its byte range.

    Args:
        response: What the parser made of the received bytes.
        fm: The field map of the same bytes.
        limit: Chunks listed one per row.
    """
    r = response
    if r is None:
        return []
    rows: list[FrameRow] = []
    for im in r.interim:
        value = f"{im.status} {escape_bytes(im.reason)}".rstrip()
        rows.append(FrameRow("interim response", value, im.start, im.end))
    s0, s1 = r.status_line_span
    if s1 > s0:
        line = f"{escape_bytes(r.http_version)} {r.status} {escape_bytes(r.reason)}".rstrip()
        rows.append(FrameRow("status line", line, s0, s1))
    h0, h1 = r.head_span
    if r.framing is not None:
        value = f"{len(r.headers)} header fields, {h1 - h0} bytes"
        rows.append(FrameRow("head", value, h0, h1))
        blank = fm.span_of(RegionKind.HEAD_END)
        if blank is not None:
            rows.append(FrameRow("end of head", "blank line", *blank))
    rows += _body_rows(r, fm, limit)
    for mark in fm.marks(r.end, fm.received):
        if mark.kind in (MarkKind.LEFTOVER, MarkKind.STOPPED) and mark.offset < fm.received:
            rows.append(FrameRow(mark.kind.value, mark.text, mark.offset, fm.received))
    return rows


def _label(fm: FieldMap, offset: int) -> str:
    region = fm.at(offset)
    return region.label if region is not None else ""


def _body_rows(r: ParsedResponse, fm: FieldMap, limit: int) -> list[FrameRow]:
    rows: list[FrameRow] = []
    spans = r.body_spans
    if r.framing is Framing.CHUNKED:
        chunks = r.chunks
        data = sum(1 for c in chunks if c.size)
        end = r.end if r.chunks else r.head_span[1]
        value = f"chunked: {r.body_size} bytes in {data} chunks"
        rows.append(FrameRow("body", value, r.head_span[1], end))
        last = chunks[-1] if chunks and chunks[-1].size == 0 else None
        for n, c in enumerate(chunks[:limit]):
            if c is not last:
                rows.append(FrameRow(f"chunk {n + 1}", _label(fm, c.line_start), *c[:2]))
        if data > limit:
            start = chunks[limit].line_start
            stop = last.line_start if last is not None else r.end
            value = f"{data - limit} more chunks (each one is marked in the raw view)"
            rows.append(FrameRow("...", value, start, stop))
        if last is not None:
            rows.append(FrameRow("last chunk", _label(fm, last.line_start), *last[:2]))
        trailers = fm.span_of(RegionKind.TRAILER)
        if trailers is not None:
            rows.append(FrameRow("trailers", f"{len(r.trailers)} fields", *trailers))
            for t in r.trailers:
                value = f"{escape_bytes(t.name)}: {escape_bytes(t.value)}"
                rows.append(FrameRow("trailer", value, t.start, t.end))
        end_blank = fm.span_of(RegionKind.BODY_END)
        if end_blank is not None:
            rows.append(FrameRow("end of body", "blank line", *end_blank))
    elif spans:
        if r.framing is Framing.CONTENT_LENGTH:
            value = f"Content-Length: {r.content_length}; {r.body_size} bytes arrived"
        else:
            value = f"until the connection closed: {r.body_size} bytes"
        rows.append(FrameRow("body", value, spans[0][0], spans[-1][1]))
    elif r.framing is not None:
        h1 = r.head_span[1]
        rows.append(FrameRow("body", f"none ({r.framing.value} framing)", h1, h1))
    for mark in fm.marks(r.head_span[1], fm.received):
        if mark.kind is MarkKind.MISSING:
            rows.append(FrameRow("missing", mark.text, mark.offset, mark.offset))
    return rows
