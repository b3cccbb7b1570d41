"""The raw-bytes panel: both directions in order, every send()/recv() boundary marked.

Line API: rows are drawn on demand from the transcript (``pread`` of 16 bytes
in hex mode), so a 100 MiB transcript opens at once. The text-mode row index
is built in a background worker, in batches.

Over the bytes it draws (see :mod:`inspector.tui.rawdecor`): the field each received
byte belongs to, the framing marks and the anomalies of the exchange's
:class:`~inspector.render.fieldmap.FieldMap`, a selected span (:meth:`RawView.highlight`)
and a byte cursor (keys in :mod:`inspector.tui.rawcursor`); each cursor move posts
:class:`RawView.CursorMoved`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import work
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.worker import get_current_worker

from inspector.model import ByteStream, EventKind, Transcript
from inspector.render.escape import escape_bytes
from inspector.render.fieldmap import FieldMap
from inspector.render.mask import masked
from inspector.render.rawlayout import Mode, RawLayout, Row
from inspector.tui.lines import RowsView
from inspector.tui.rawcursor import CursorView
from inspector.tui.rawdecor import (
    EVENT_STYLE,
    RECV_STYLE,
    SEND_STYLE,
    AnomalyIndex,
    Decor,
    data_row,
)

__all__ = ["RawView"]

LABEL_ROOM = 160
"""Extra columns for the labels drawn after a row's bytes."""


UI_BUDGET = 256 * 1024
"""Bytes of text-mode indexing done on the UI thread per call (a few milliseconds)."""
WORKER_BUDGET = 1024 * 1024
"""Bytes the indexing worker scans between yields (a cancelled worker stops this soon)."""


READ_AHEAD = 64 * 1024
"""Bytes read at once for the rows being drawn (a screen of hex rows is ~1 KiB)."""
READ_BEHIND = 4 * 1024
"""...starting this far before the row asked for, so scrolling up reuses the read too."""


class RawView(RowsView, CursorView, can_focus=True):
    """Scrollable view of a transcript's bytes in text or hex mode, with a byte cursor."""

    DEFAULT_CSS = """
    RawView { background: $surface; }
    """

    class Indexed(Message):
        """The row index grew (posted from the indexing worker)."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, RawView.Indexed)

    class CursorMoved(Message):
        """The cursor is on another byte: ``offset`` in the ``direction`` stream."""

        def __init__(self, direction: EventKind, offset: int) -> None:
            super().__init__()
            self.direction = direction
            self.offset = offset

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, RawView.CursorMoved)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._cache: LRUCache[tuple[int, int], Strip] = LRUCache(2048)
        self._match: tuple[EventKind, int, int] | None = None
        self._source_version = 0
        self._anomaly_index: AnomalyIndex | None = None
        self._masks: tuple[bytes, ...] = ()
        self._layouts: dict[Mode, RawLayout] = {}
        self._layouts_of: Transcript | None = None
        self._indexing: RawLayout | None = None
        self._window: tuple[ByteStream, int, bytes] | None = None
        """Bytes read ahead for the rows below: one read per frame, not one per row."""

    # ------------------------------------------------------------------ data
    def show(self, transcript: Transcript | None) -> None:
        """Show a transcript (None clears the view, its marks, span and cursor)."""
        self._transcript = transcript
        self._match = None
        self._field_map = None
        self._anomaly_index = None
        self._clear_cursor()
        self._rebuild()

    def set_field_map(self, field_map: FieldMap | None) -> None:
        """Draw the fields, framing marks and anomalies of the received bytes."""
        self._field_map = field_map
        self._anomaly_index = AnomalyIndex(field_map.anomaly_marks()) if field_map else None
        self._update_size()

    @property
    def transcript(self) -> Transcript | None:
        """The transcript shown."""
        return self._transcript

    @property
    def field_map(self) -> FieldMap | None:
        """The map drawn over the received bytes, if any."""
        return self._field_map

    def set_mode(self, mode: Mode) -> None:
        """Switch between text and hex rows, keeping the cursor in view."""
        if mode is not self.mode:
            self.mode = mode
            self._cursor_row = None
            self._rebuild()
            if self._cursor is not None:
                self._reveal_pending = True
                self._try_reveal()

    def toggle_mode(self) -> None:
        """Text <-> hex."""
        self.set_mode(Mode.HEX if self.mode is Mode.TEXT else Mode.TEXT)

    def _rebuild(self) -> None:
        self._source_version += 1
        self._cache.clear()
        self._window = None
        if self._transcript is None:
            self._layout = None
            self._layouts = {}
            self.set_virtual_size(Size(0, 0))
            self.refresh()
            return
        if self._layouts_of is not self._transcript:
            self._layouts, self._layouts_of = {}, self._transcript
        # Each mode's layout is kept for the transcript shown: switching text <-> hex
        # goes on from where its indexing stopped instead of starting over.
        layout = self._layouts.get(self.mode)
        if layout is None:
            layout = self._layouts[self.mode] = RawLayout(self._transcript, self.mode)
        self._layout = layout
        done = layout.extend(budget=UI_BUDGET)
        self._update_size()
        if not done:
            self._index(layout, self._source_version)

    @work(thread=True, exclusive=True, group="scan")
    def _index(self, layout: RawLayout, version: int) -> None:
        worker = get_current_worker()
        self._indexing = layout
        try:
            while not worker.is_cancelled and version == self._source_version:
                rows = layout.rows
                done = layout.extend(budget=WORKER_BUDGET)
                if done:
                    self.post_message(self.Indexed())
                    break
                if layout.rows == rows:
                    time.sleep(0.005)  # another thread is extending it: wait, do not spin
                    continue
                self.post_message(self.Indexed())
                time.sleep(0)  # hand the GIL to the UI thread between batches
        finally:
            if self._indexing is layout:
                self._indexing = None

    def on_raw_view_indexed(self, _: Indexed) -> None:
        self._update_size(grown_only=True)
        self._try_reveal()

    def refresh_live(self) -> None:
        """Index events recorded since the last call (while an exchange is running).

        A little on the UI thread; what is left goes to the indexing worker.
        """
        layout = self._layout
        if layout is None:
            return
        rows = layout.rows
        done = layout.extend(budget=UI_BUDGET)
        if layout.rows != rows:
            self._update_size(grown_only=True)
        if not done and self._indexing is not layout:
            self._index(layout, self._source_version)

    def _update_size(self, grown_only: bool = False) -> None:
        """Set the scroll size from the index; redraw every row unless only rows were added.

        Args:
            grown_only: Only new rows were indexed (live or in the worker): the rows
                already drawn stay valid, since a transcript only grows.
        """
        rows = self._layout.rows if self._layout else 0
        width = 80 if self.mode is Mode.HEX else 16 + 4 * 96
        if self._field_map is not None:
            width += LABEL_ROOM
        self.set_virtual_size(Size(width, rows))
        if grown_only:
            self.refresh()
        else:
            self._redraw()

    def _redraw(self) -> None:
        self._cache.clear()
        self.refresh()

    # ---------------------------------------------------------------- search
    def find(self, needle: bytes, forward: bool = True) -> bool:
        """Move to the next (or previous) occurrence of ``needle``; False when there is none."""
        tr, layout = self._transcript, self._layout
        if tr is None or layout is None or not needle:
            return False
        here = self._match
        hits: list[tuple[int, EventKind, int]] = []
        for kind, stream in ((EventKind.SEND, tr.sent), (EventKind.RECV, tr.received)):
            data = stream.read()
            pos = data.find(needle)
            while pos >= 0 and len(hits) < 100_000:
                row = layout.row_of(kind, pos)
                if row is not None:
                    hits.append((row, kind, pos))
                pos = data.find(needle, pos + 1)
        if not hits:
            return False
        hits.sort(key=lambda h: (h[0], h[2]))
        current = -1
        if here is not None:
            current = next((i for i, h in enumerate(hits) if (h[1], h[2]) == here[:2]), -1)
        index = (
            (current + (1 if forward else -1)) % len(hits)
            if current >= 0
            else (0 if forward else len(hits) - 1)
        )
        row, kind, pos = hits[index]
        self._match = (kind, pos, pos + len(needle))
        self._cache.clear()
        self.scroll_to(y=max(0, row - 3), animate=False)
        self.refresh()
        return True

    @property
    def match(self) -> tuple[EventKind, int, int] | None:
        """The highlighted search hit: direction and byte range."""
        return self._match

    # ------------------------------------------------------- span and cursor
    def highlight(self, start: int, end: int) -> None:
        """Select received bytes ``[start, end)``: draw them, move the cursor there, show them."""
        self._span = (start, end)
        size = len(self._transcript.received) if self._transcript else 0
        if size:
            self.move_cursor(EventKind.RECV, max(0, min(start, size - 1)), jump=True)
        self._redraw()

    @property
    def span(self) -> tuple[int, int] | None:
        """The selected received-stream range."""
        return self._span

    def cursor_moved(self, direction: EventKind, offset: int) -> None:
        self.post_message(self.CursorMoved(direction, offset))

    # ------------------------------------------------------------- rendering
    def set_masks(self, secrets: Sequence[bytes]) -> None:
        """Draw these byte strings as ``*`` wherever they appear (secrets not revealed)."""
        masks = tuple(sorted({m for m in secrets if m}, key=len, reverse=True))
        if masks != self._masks:
            self._masks = masks
            self._redraw()

    def render_line(self, y: int) -> Strip:
        key = (y + self.scroll_offset.y, self._source_version)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(key[0])
            self._cache[key] = strip
        return self.fit_row(strip)

    def row_text(self, index: int) -> Text:
        """Row ``index`` as styled text (what :meth:`render_line` draws, uncropped)."""
        layout, tr = self._layout, self._transcript
        row = layout.row(index) if layout is not None else None
        if row is None or tr is None:
            return Text()
        return self._header(row, tr) if row.header else self._data(row, tr)

    def _render_row(self, index: int) -> Strip:
        text = self.row_text(index)
        return Strip(list(text.render(self.app.console)) or [Segment("")])

    def _header(self, row: Row, tr: Transcript) -> Text:
        ev = row.event
        t = f"+{ev.t - tr.started:.6f}s"
        if ev.kind is EventKind.SEND:
            return Text(
                f"> send {ev.size} bytes  {t}  @{ev.offset}", style=SEND_STYLE + Style(bold=True)
            )
        if ev.kind is EventKind.RECV:
            return Text(
                f"< recv {ev.size} bytes  {t}  @{ev.offset}", style=RECV_STYLE + Style(bold=True)
            )
        detail = escape_bytes(ev.detail.encode()) if ev.detail else ""
        return Text(f"* {ev.kind.value} {detail}  {t}", style=EVENT_STYLE)

    def _read(self, stream: ByteStream, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of a stream, through a read-ahead window.

        A frame draws its rows top to bottom: one read serves them all (each read
        takes the stream's lock, which the network thread also takes). A stream
        only grows, so bytes once read stay true.
        """
        window = self._window
        if window is not None and window[0] is stream:
            w_start, w_data = window[1], window[2]
            if w_start <= start and end <= w_start + len(w_data):
                return w_data[start - w_start : end - w_start]
        ahead = max(start - READ_BEHIND, 0)
        data = stream.read(ahead, max(end, ahead + READ_AHEAD))
        self._window = (stream, ahead, data)
        return data[start - ahead : end - ahead]

    def _data(self, row: Row, tr: Transcript) -> Text:
        kind = row.event.kind
        recv = kind is EventKind.RECV
        stream = tr.received if recv else tr.sent
        data = self._read(stream, row.start, row.end)
        if self._masks:
            data = masked(stream.read, row.start, row.end, data, self._masks)
        match, cursor = self._match, self._cursor
        decor = Decor(
            span=self._span if recv else None,
            match=(match[1], match[2]) if match is not None and match[0] is kind else None,
            cursor=cursor[1] if cursor is not None and cursor[0] is kind else None,
            field_map=self._field_map if recv else None,
            anomalies=self._anomaly_index if recv else None,
            at_end=row.end >= len(stream),
        )
        style = RECV_STYLE if recv else SEND_STYLE
        return data_row(data, row.start, self.mode, style, "< " if recv else "> ", decor)
