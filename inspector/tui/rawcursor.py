"""The byte cursor of the raw view: moving it, keeping it in view, clicking a byte.

:class:`CursorView` is the base of :class:`~inspector.tui.rawview.RawView`; it moves
over the rows of a :class:`~inspector.render.rawlayout.RawLayout`, skipping the event
header rows. up/down move a row (keeping the column), left/right a byte (across rows,
in text and hex mode alike), page up/down a screen, home/end to the first/last byte,
enter selects the field under the cursor. Each move calls :meth:`CursorView.cursor_moved`.
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.scroll_view import ScrollView

from inspector.model import EventKind, Transcript
from inspector.render.escape import escape_bytes
from inspector.render.fieldmap import FieldMap
from inspector.render.rawlayout import Mode, RawLayout, Row
from inspector.tui.rawdecor import HEX_PREFIX, byte_at_cell


class CursorView(ScrollView, can_focus=True):
    """A scroll view over raw-layout rows with a byte cursor (no drawing of its own)."""

    BINDINGS = [
        Binding("up", "cursor_row(-1)", "Cursor", key_display="↑↓←→"),
        Binding("down", "cursor_row(1)", "Row down", show=False),
        Binding("left", "cursor_byte(-1)", "Byte left", show=False),
        Binding("right", "cursor_byte(1)", "Byte right", show=False),
        Binding("pageup", "cursor_page(-1)", "Page up", show=False),
        Binding("pagedown", "cursor_page(1)", "Page down", show=False),
        Binding("home", "cursor_edge(-1)", "First byte", show=False),
        Binding("end", "cursor_edge(1)", "Last byte", show=False),
        Binding("enter", "select_field", "Select field"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.mode = Mode.TEXT
        self._transcript: Transcript | None = None
        self._layout: RawLayout | None = None
        self._field_map: FieldMap | None = None
        self._span: tuple[int, int] | None = None
        self._cursor: tuple[EventKind, int] | None = None
        self._cursor_row: int | None = None
        self._want_col = 0
        self._reveal_pending = False

    # ---------------------------------------------------------------- hooks
    def cursor_moved(self, direction: EventKind, offset: int) -> None:
        """Called after every move (the raw view posts a message)."""

    def _redraw(self) -> None:
        self.refresh()

    # ---------------------------------------------------------------- state
    @property
    def cursor(self) -> tuple[EventKind, int] | None:
        """The direction and offset of the byte under the cursor."""
        return self._cursor

    @property
    def cursor_row(self) -> int | None:
        """The row the cursor is on (None until it is indexed)."""
        return self._cursor_row

    def _clear_cursor(self) -> None:
        self._cursor = None
        self._cursor_row = None
        self._span = None

    def move_cursor(self, direction: EventKind, offset: int, *, jump: bool = False) -> None:
        """Put the cursor on a byte and scroll it into view (once its row is indexed)."""
        layout = self._layout
        row = layout.row_of(direction, offset) if layout is not None else None
        self._set_cursor(direction, offset, row, jump=jump)

    def _set_cursor(self, direction: EventKind, offset: int, y: int | None, *, jump: bool) -> None:
        self._cursor = (direction, offset)
        self._cursor_row = y
        self._reveal_pending = True
        self._try_reveal(jump=jump)
        self._redraw()
        self.cursor_moved(direction, offset)

    def _try_reveal(self, *, jump: bool = True) -> None:
        """Scroll the cursor's row (and column) into view once the row is known."""
        if not self._reveal_pending or self._cursor is None or self._layout is None:
            return
        direction, offset = self._cursor
        y = self._cursor_row
        if y is None:
            y = self._cursor_row = self._layout.row_of(direction, offset)
            if y is None:
                return  # not indexed yet: called again when the index grows
        self._reveal_pending = False
        region = self.scrollable_content_region
        top, left = round(self.scroll_offset.y), round(self.scroll_offset.x)
        target_y: int | None = None
        if region.height <= 0 or not top <= y < top + region.height:
            if jump or region.height <= 0:
                target_y = max(0, y - 3)
            else:
                target_y = y if y < top else y - region.height + 1
        target_x: int | None = None
        row = self._layout.row(y)
        if row is not None and not row.header:
            cell = self._cell_of(row, offset)
            if region.width > 0 and not left <= cell < left + region.width:
                target_x = max(0, cell - region.width // 2)
        if target_x is not None or target_y is not None:
            self.scroll_to(x=target_x, y=target_y, animate=False, immediate=True)

    def _cell_of(self, row: Row, offset: int) -> int:
        col = offset - row.start
        if self.mode is Mode.HEX:
            return HEX_PREFIX + 3 * col + (1 if col >= 8 else 0)
        return 2 + len(escape_bytes(self._row_bytes(row)[:col]))

    def _row_bytes(self, row: Row) -> bytes:
        tr = self._transcript
        if tr is None:
            return b""
        stream = tr.sent if row.event.kind is EventKind.SEND else tr.received
        return stream.read(row.start, row.end)

    def _data_row(self, y: int, step: int) -> tuple[int, Row] | None:
        """The first data row from ``y`` on, going ``step`` (+1 or -1)."""
        layout = self._layout
        if layout is None:
            return None
        while 0 <= y < layout.rows:
            row = layout.row(y)
            if row is not None and not row.header and row.end > row.start:
                return y, row
            y += step
        return None

    def _position(self) -> tuple[int, Row] | None:
        layout, cursor = self._layout, self._cursor
        if layout is None or cursor is None:
            return None
        y = self._cursor_row
        if y is None:
            y = self._cursor_row = layout.row_of(*cursor)
        row = layout.row(y) if y is not None else None
        return (y, row) if y is not None and row is not None else None

    def _start_cursor(self) -> bool:
        """Put a first cursor on the top visible data row; False when there already is one."""
        if self._cursor is not None:
            return False
        found = self._data_row(round(self.scroll_offset.y), 1) or self._data_row(0, 1)
        if found is not None:
            y, row = found
            self._want_col = 0
            self._set_cursor(row.event.kind, row.start, y, jump=False)
        return True

    # -------------------------------------------------------------- actions
    def action_cursor_row(self, delta: int) -> None:
        """Move the cursor ``delta`` rows (header rows are skipped)."""
        if self._start_cursor():
            return
        here = self._position()
        if here is None:
            return
        y = here[0]
        step = 1 if delta > 0 else -1
        found = self._data_row(y + delta, step)
        if found is None and abs(delta) > 1:
            found = self._data_row(y + delta, -step)
        if found is None or found[0] == y:
            return
        y2, row = found
        offset = min(row.start + self._want_col, row.end - 1)
        self._set_cursor(row.event.kind, offset, y2, jump=False)

    def action_cursor_page(self, delta: int) -> None:
        """Move the cursor a screen up or down."""
        here, layout = self._position(), self._layout
        if here is None or layout is None:
            self._start_cursor()
            return
        page = max(1, self.scrollable_content_region.height - 1)
        y = max(0, min(layout.rows - 1, here[0] + delta * page))
        if y != here[0]:
            self.action_cursor_row(y - here[0])

    def action_cursor_byte(self, delta: int) -> None:
        """Move the cursor one byte left or right, across rows."""
        if self._start_cursor():
            return
        here, cursor = self._position(), self._cursor
        if here is None or cursor is None:
            return
        y, row = here
        offset = cursor[1] + delta
        if not row.start <= offset < row.end:
            found = self._data_row(y + delta, delta)
            if found is None:
                return
            y, row = found
            offset = row.start if delta > 0 else row.end - 1
        self._want_col = offset - row.start
        self._set_cursor(row.event.kind, offset, y, jump=False)

    def action_cursor_edge(self, direction: int) -> None:
        """The first byte (-1) or the last byte (+1) of the transcript."""
        layout = self._layout
        if layout is None:
            return
        found = self._data_row(0, 1) if direction < 0 else self._data_row(layout.rows - 1, -1)
        if found is not None:
            y, row = found
            offset = row.start if direction < 0 else row.end - 1
            self._want_col = offset - row.start
            self._set_cursor(row.event.kind, offset, y, jump=True)

    def action_select_field(self) -> None:
        """Select the whole field (status line, header, chunk...) under the cursor."""
        fm, cursor = self._field_map, self._cursor
        if fm is None or cursor is None or cursor[0] is not EventKind.RECV:
            return
        region = fm.at(cursor[1])
        if region is not None:
            self._span = (region.start, region.end)
            self._redraw()

    def on_click(self, event: events.Click) -> None:
        layout = self._layout
        if layout is None:
            return
        y = event.y + round(self.scroll_offset.y)
        row = layout.row(y)
        if row is None or row.header or row.end <= row.start:
            return
        x = event.x + round(self.scroll_offset.x)
        col = byte_at_cell(self._row_bytes(row), self.mode, x)
        self._want_col = col
        self._set_cursor(row.event.kind, row.start + col, y, jump=False)
