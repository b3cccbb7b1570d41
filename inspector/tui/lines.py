"""A read-only Line API view of many text lines (response bodies of any size)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from inspector.render.body import WRAP

"""Characters per row: longer lines (minified JSON) are cut into rows of this width."""

_JSON_TOKEN = re.compile(
    r'(?P<key>"(?:[^"\\]|\\.)*"(?=\s*:))|(?P<str>"(?:[^"\\]|\\.)*")'
    r"|(?P<num>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(?P<lit>\btrue\b|\bfalse\b|\bnull\b)"
)
_JSON_STYLES = {
    "key": Style(color="blue", bold=True),
    "str": Style(color="green"),
    "num": Style(color="magenta"),
    "lit": Style(color="yellow"),
}


def highlight_json(line: str) -> Text:
    """Colour one line of pretty JSON (only visible lines are ever coloured)."""
    text = Text(line)
    for m in _JSON_TOKEN.finditer(line):
        kind = m.lastgroup
        if kind is not None:
            text.stylize(_JSON_STYLES[kind], m.start(), m.end())
    return text


def wrap_lines(text: str, width: int = WRAP) -> list[str]:
    """Split text into rows: at line breaks, and every ``width`` characters."""
    rows: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            rows.append(line)
        else:
            rows.extend(line[i : i + width] for i in range(0, len(line), width))
    return rows


class RowsView(ScrollView):
    """A Line API view whose rows are cropped to the viewport in the widget's style."""

    _frame_style: Style | None = None

    def set_virtual_size(self, size: Size) -> None:
        """Set the scrollable size without laying out the whole screen.

        Assigning ``virtual_size`` lays out every widget of the screen, a good part
        of a frame's time. This view's own size never depends on its rows, so
        nothing else moves: only its scrollbars are updated, as Textual does for a
        resize without layout. A scrollbar that appears or goes lays out the
        screen itself (its reactive asks for it).
        """
        if size != self.virtual_size:
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)

    def fit_row(self, strip: Strip) -> Strip:
        """A cached row as drawn now: scrolled sideways, cropped and styled."""
        scroll_x = self.scroll_offset.x
        width = self.scrollable_content_region.width
        style = self._frame_style or self.rich_style
        return strip.crop_extend(scroll_x, scroll_x + width, style).apply_style(style)

    def render_lines(self, crop: Region) -> list[Strip]:
        # ``rich_style`` walks every ancestor's styles: once a frame, not twice a row.
        self._frame_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None


class LinesView(RowsView, can_focus=True):
    """Draws only the visible rows of a (possibly huge) list of lines."""

    DEFAULT_CSS = """
    LinesView { background: $surface; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: Sequence[str] = ()
        self._highlight: Callable[[str], Text] | None = None
        self._cache: LRUCache[int, Strip] = LRUCache(1024)

    @property
    def lines(self) -> Sequence[str]:
        """The rows shown."""
        return self._lines

    def set_lines(
        self, lines: Sequence[str], highlight: Callable[[str], Text] | None = None
    ) -> None:
        """Replace the content (already escaped text; never read as markup)."""
        self._lines = lines
        self._highlight = highlight
        self._cache.clear()
        width = min(WRAP, max((len(line) for line in lines[:2000]), default=0))
        self.set_virtual_size(Size(width + 1, len(lines)))
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        strip = self._cache.get(index)
        if strip is None:
            if index >= len(self._lines):
                strip = Strip.blank(0)
            else:
                line = self._lines[index]
                text = self._highlight(line) if self._highlight else Text(line)
                strip = Strip(list(text.render(self.app.console)) or [Segment("")])
            self._cache[index] = strip
        return self.fit_row(strip)
