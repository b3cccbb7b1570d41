"""How one data row of the raw view is drawn: bytes, field colours, framing, anomalies.

Only the visible rows are ever drawn (the raw view caches them), so every lookup
here is by bisection on the :class:`~inspector.render.fieldmap.FieldMap`: a row of a
100 MiB response costs the same as a row of a small one.

Layers, bottom to top: the direction's colour, the colour of the field a byte belongs
to (received bytes), the anomaly spans (underlined, tinted by severity), the selected
span, the search hit, the cursor. A framing mark is a ``┃`` drawn just before its
byte, and the row ends with the labels of the marks and anomalies that start in it.
Every byte goes through :func:`~inspector.render.escape.escape_bytes`; labels are
already escaped by the field map.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.style import Style
from rich.text import Text

from inspector.model import Severity
from inspector.render.escape import escape_bytes
from inspector.render.fieldmap import AnomalyMark, FieldMap, MarkKind, RegionKind
from inspector.render.rawlayout import HEX_WIDTH, Mode

SEND_STYLE = Style(color="cyan")
RECV_STYLE = Style(color="green")
EVENT_STYLE = Style(color="magenta", dim=True)
MATCH_STYLE = Style(reverse=True, bold=True)
SPAN_STYLE = Style(bgcolor="blue", color="bright_white")
CURSOR_STYLE = Style(reverse=True, bold=True, underline=True)
GLYPH = "┃"
HEX_PREFIX = 12
"""Cells before the first hex byte: direction mark, 8 hex digits, two spaces."""

REGION_STYLE: dict[RegionKind, Style] = {
    RegionKind.INTERIM: Style(color="blue"),
    RegionKind.STATUS_LINE: Style(color="bright_green", bold=True),
    RegionKind.HEAD_END: Style(color="green", dim=True),
    RegionKind.CHUNK_SIZE: Style(color="yellow"),
    RegionKind.CHUNK_CRLF: Style(color="yellow", dim=True),
    RegionKind.LAST_CHUNK: Style(color="yellow", bold=True),
    RegionKind.TRAILER: Style(color="cyan"),
    RegionKind.BODY_END: Style(color="yellow", dim=True),
    RegionKind.LEFTOVER: Style(color="red", italic=True),
    RegionKind.UNPARSED: Style(color="red"),
}
MARK_STYLE: dict[MarkKind, Style] = {
    MarkKind.INTERIM_END: Style(color="magenta", bold=True),
    MarkKind.HEAD_END: Style(color="magenta", bold=True),
    MarkKind.CHUNK: Style(color="yellow", bold=True),
    MarkKind.LAST_CHUNK: Style(color="yellow", bold=True),
    MarkKind.BODY_END: Style(color="magenta", bold=True),
    MarkKind.MISSING: Style(color="red", bold=True),
    MarkKind.LEFTOVER: Style(color="red", bold=True),
    MarkKind.STOPPED: Style(color="red", bold=True),
}
SEVERITY_STYLE: dict[Severity, Style] = {
    Severity.ERROR: Style(underline=True, bgcolor="#5f0000"),
    Severity.WARNING: Style(underline=True, bgcolor="#5f5f00"),
    Severity.INFO: Style(underline=True),
}
SEVERITY_LABEL: dict[Severity, Style] = {
    Severity.ERROR: Style(color="red", bold=True),
    Severity.WARNING: Style(color="yellow"),
    Severity.INFO: Style(dim=True),
}


class AnomalyIndex:
    """The anomalies overlapping a byte range, by bisection (spans may be long or nested)."""

    def __init__(self, marks: Sequence[AnomalyMark]) -> None:
        self._marks = sorted(marks)
        self._starts: array[int] = array("q", (m.start for m in self._marks))
        # The largest end among marks[0..i]: scanning back stops once nothing reaches.
        self._reach: array[int] = array("q")
        top = -1
        for m in self._marks:
            top = max(top, m.end)
            self._reach.append(top)

    def overlapping(self, start: int, end: int) -> list[AnomalyMark]:
        """Marks on bytes ``[start, end)``, and zero-width marks at ``start <= offset <= end``."""
        out: list[AnomalyMark] = []
        i = bisect_left(self._starts, end + 1) - 1
        while i >= 0 and self._reach[i] >= start:
            m = self._marks[i]
            if (m.start < end and m.end > start) or (m.start == m.end and start <= m.start <= end):
                out.append(m)
            i -= 1
        out.reverse()
        return out


@dataclass(slots=True)
class Decor:
    """What is drawn over a row besides its bytes."""

    span: tuple[int, int] | None = None
    """The selected received-stream range."""
    match: tuple[int, int] | None = None
    """The search hit in this row's direction."""
    cursor: int | None = None
    """The cursor's offset, when it is in this row's direction."""
    field_map: FieldMap | None = None
    """Received rows only: fields, framing marks."""
    anomalies: AnomalyIndex | None = None
    at_end: bool = False
    """Whether the row is the last of its stream (marks just past its end belong to it)."""
    layers: list[tuple[int, int, Style]] = field(default_factory=list)


def _layers(start: int, end: int, decor: Decor) -> list[tuple[int, int, Style]]:
    out: list[tuple[int, int, Style]] = []
    fm = decor.field_map
    pos = start
    while fm is not None and pos < end:
        region = fm.at(pos)
        if region is None:
            break
        style = REGION_STYLE.get(region.kind)
        if style is not None:
            out.append((region.start, region.end, style))
        pos = region.end
    if decor.anomalies is not None:
        for m in decor.anomalies.overlapping(start, end):
            if m.end > m.start:
                out.append((m.start, m.end, SEVERITY_STYLE[m.severity]))
    for rng, style in ((decor.span, SPAN_STYLE), (decor.match, MATCH_STYLE)):
        if rng is not None and rng[1] > rng[0]:
            out.append((rng[0], rng[1], style))
    if decor.cursor is not None:
        out.append((decor.cursor, decor.cursor + 1, CURSOR_STYLE))
    return out


def _glyphs_and_labels(
    start: int, end: int, decor: Decor
) -> tuple[dict[int, Style], list[tuple[str, Style]]]:
    """Marks drawn before a byte of ``[start, end)`` (or at ``end`` on the last row)."""
    glyphs: dict[int, Style] = {}
    labels: list[tuple[str, Style]] = []
    stop = end if decor.at_end else end - 1
    fm = decor.field_map
    if fm is not None and stop >= start:
        for mark in fm.marks(start, stop):
            style = MARK_STYLE[mark.kind]
            glyphs.setdefault(mark.offset, style)
            labels.append((f"◀ {mark.text}", style))
    if decor.anomalies is not None:
        for m in decor.anomalies.overlapping(start, end):
            label = SEVERITY_LABEL[m.severity]
            if m.start == m.end:
                if m.start <= stop:
                    glyphs.setdefault(m.start, label)
                    labels.append((f"⚠ {m.code}: {m.text}", label))
            elif start <= m.start < end:
                labels.append((f"⚠ {m.code}: {m.text}", label))
    return glyphs, labels


def _style_at(base: Style, layers: list[tuple[int, int, Style]], offset: int) -> Style:
    style = base
    for lo, hi, extra in layers:
        if lo <= offset < hi:
            style = style + extra
    return style


def data_row(data: bytes, start: int, mode: Mode, base: Style, mark: str, decor: Decor) -> Text:
    """One data row: ``data`` are the bytes ``[start, start + len(data))`` of one direction.

    Args:
        data: The row's bytes (untrusted; escaped here).
        start: Offset of the first byte in its direction's stream.
        mode: Text or hex.
        base: The direction's style.
        mark: ``"> "`` or ``"< "``.
        decor: What to draw over the bytes.
    """
    end = start + len(data)
    layers = _layers(start, end, decor)
    glyphs, labels = _glyphs_and_labels(start, end, decor)
    if mode is Mode.HEX:
        text = _hex(data, start, base, mark, layers, glyphs)
    else:
        text = _text(data, start, base, mark, layers, glyphs)
    for label, style in labels:
        text.append("  ")
        text.append(label, style=style)
    return text


def _hex(
    data: bytes,
    start: int,
    base: Style,
    mark: str,
    layers: list[tuple[int, int, Style]],
    glyphs: dict[int, Style],
) -> Text:
    styles = [_style_at(base, layers, start + i) for i in range(len(data))]
    pieces: list[tuple[str, Style]] = [(f"{mark}{start:08x} ", base + Style(dim=True))]

    def put(chars: str, style: Style) -> None:
        # Runs of one style become one segment: a plain row is a handful of them.
        last = pieces[-1]
        if last[1] is style or last[1] == style:
            pieces[-1] = (last[0] + chars, last[1])
        else:
            pieces.append((chars, style))

    for i in range(HEX_WIDTH):
        sep = "  " if i == 8 else " "
        glyph = glyphs.get(start + i)
        if glyph is not None and i <= len(data):
            put(sep[:-1], base)
            put(GLYPH, glyph)
        else:
            put(sep, base)
        put(f"{data[i]:02x}" if i < len(data) else "  ", styles[i] if i < len(data) else base)
    glyph = glyphs.get(start + HEX_WIDTH) if len(data) == HEX_WIDTH else None
    put(GLYPH if glyph is not None else " ", glyph or base)
    put(" |", base)
    for i, b in enumerate(data):
        put(chr(b) if 0x20 <= b < 0x7F else ".", styles[i])
    put("|", base)
    text = Text()
    for chars, style in pieces:
        text.append(chars, style=style)
    return text


def _text(
    data: bytes,
    start: int,
    base: Style,
    mark: str,
    layers: list[tuple[int, int, Style]],
    glyphs: dict[int, Style],
) -> Text:
    end = start + len(data)
    cuts = {start, end}
    for lo, hi, _ in layers:
        cuts.update(x for x in (lo, hi) if start < x < end)
    cuts.update(x for x in glyphs if start < x < end)
    points = sorted(cuts)
    text = Text(mark, style=base + Style(dim=True))
    for a, b in zip(points, points[1:], strict=False):
        glyph = glyphs.get(a)
        if glyph is not None:
            text.append(GLYPH, style=glyph)
        text.append(escape_bytes(data[a - start : b - start]), style=_style_at(base, layers, a))
    glyph = glyphs.get(end)
    if glyph is not None:
        text.append(GLYPH, style=glyph)
    return text


def byte_at_cell(data: bytes, mode: Mode, x: int) -> int:
    """Which byte of a row (0-based) is drawn at cell ``x``: where a click lands.

    Approximate in text mode (framing glyphs are not counted); clamped to the row.
    """
    if not data:
        return 0
    if mode is Mode.HEX:
        ascii_start = HEX_PREFIX + HEX_WIDTH * 3 + 1 + 2
        if x >= ascii_start:
            return min(len(data) - 1, x - ascii_start)
        cell = x - HEX_PREFIX
        if cell >= 8 * 3:
            cell -= 1
        return max(0, min(len(data) - 1, cell // 3))
    cell = x - 2
    for i in range(len(data)):
        if len(escape_bytes(data[: i + 1])) > cell:
            return i
    return len(data) - 1
