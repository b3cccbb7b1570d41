"""The raw-bytes panel: both directions in order, every send()/recv() boundary marked.

Line API: rows are drawn on demand from the transcript (``pread`` of 16 bytes
in hex mode), so a 100 MiB transcript opens at once. The text-mode row index
is built in a background worker, in batches.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import work
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import get_current_worker

from inspector.model import EventKind, Transcript
from inspector.render.escape import escape_bytes
from inspector.render.rawlayout import HEX_WIDTH, Mode, RawLayout, Row

SEND_STYLE = Style(color="cyan")
RECV_STYLE = Style(color="green")
EVENT_STYLE = Style(color="magenta", dim=True)
MATCH_STYLE = Style(reverse=True, bold=True)


def _printable(b: int) -> str:
    return chr(b) if 0x20 <= b < 0x7F else "."


class RawView(ScrollView, can_focus=True):
    """Scrollable view of a transcript's bytes in text or hex mode."""

    DEFAULT_CSS = """
    RawView { background: $surface; }
    """

    class Indexed(Message):
        """The row index grew (posted from the indexing worker)."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, RawView.Indexed)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.mode = Mode.TEXT
        self._transcript: Transcript | None = None
        self._layout: RawLayout | None = None
        self._cache: LRUCache[tuple[int, int], Strip] = LRUCache(2048)
        self._match: tuple[EventKind, int, int] | None = None
        self._source_version = 0

    # ------------------------------------------------------------------ data
    def show(self, transcript: Transcript | None) -> None:
        """Show a transcript (None clears the view)."""
        self._transcript = transcript
        self._match = None
        self._rebuild()

    def set_mode(self, mode: Mode) -> None:
        """Switch between text and hex rows, keeping roughly the same place."""
        if mode is not self.mode:
            self.mode = mode
            self._rebuild()

    def toggle_mode(self) -> None:
        """Text <-> hex."""
        self.set_mode(Mode.HEX if self.mode is Mode.TEXT else Mode.TEXT)

    def _rebuild(self) -> None:
        self._source_version += 1
        self._cache.clear()
        if self._transcript is None:
            self._layout = None
            self.virtual_size = Size(0, 0)
            self.refresh()
            return
        self._layout = RawLayout(self._transcript, self.mode)
        if self._layout.extend(budget=1024 * 1024):
            self._update_size()
        else:
            self._update_size()
            self._index(self._layout, self._source_version)

    @work(thread=True, exclusive=True, group="scan")
    def _index(self, layout: RawLayout, version: int) -> None:
        worker = get_current_worker()
        while not worker.is_cancelled and version == self._source_version:
            done = layout.extend(budget=8 * 1024 * 1024)
            self.post_message(self.Indexed())
            if done:
                break

    def on_raw_view_indexed(self, _: Indexed) -> None:
        self._update_size()

    def refresh_live(self) -> None:
        """Index events recorded since the last call (while an exchange is running)."""
        if self._layout is not None and self._layout.extend(budget=1024 * 1024):
            self._update_size()

    def _update_size(self) -> None:
        rows = self._layout.rows if self._layout else 0
        width = 80 if self.mode is Mode.HEX else 16 + 4 * 96
        self.virtual_size = Size(width, rows)
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

    # ------------------------------------------------------------- rendering
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + scroll_y
        width = self.scrollable_content_region.width
        key = (index, self._source_version)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(index)
            self._cache[key] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style).apply_style(
            self.rich_style
        )

    def _render_row(self, index: int) -> Strip:
        layout, tr = self._layout, self._transcript
        row = layout.row(index) if layout is not None else None
        if row is None or tr is None:
            return Strip.blank(0)
        text = self._header(row, tr) if row.header else self._data(row, tr)
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

    def _data(self, row: Row, tr: Transcript) -> Text:
        kind = row.event.kind
        stream = tr.sent if kind is EventKind.SEND else tr.received
        data = stream.read(row.start, row.end)
        style = SEND_STYLE if kind is EventKind.SEND else RECV_STYLE
        mark = "> " if kind is EventKind.SEND else "< "
        match = self._match
        lo = hi = -1
        if match is not None and match[0] is kind:
            lo, hi = max(match[1], row.start), min(match[2], row.end)
        if self.mode is Mode.HEX:
            text = Text(f"{mark}{row.start:08x}  ", style=style + Style(dim=True))
            for i in range(HEX_WIDTH):
                if i < len(data):
                    hit = lo <= row.start + i < hi
                    text.append(f"{data[i]:02x}", style=style + MATCH_STYLE if hit else style)
                    text.append(" " if i != 7 else "  ")
                else:
                    text.append("   " if i != 7 else "    ")
            text.append(" |" + "".join(_printable(b) for b in data) + "|", style=style)
            return text
        text = Text(mark, style=style + Style(dim=True))
        if lo < hi:
            text.append(escape_bytes(data[: lo - row.start]), style=style)
            text.append(
                escape_bytes(data[lo - row.start : hi - row.start]), style=style + MATCH_STYLE
            )
            text.append(escape_bytes(data[hi - row.start :]), style=style)
        else:
            text.append(escape_bytes(data), style=style)
        return text
