"""Editable fields whose text never reaches the terminal as control characters.

Textual's ``Input`` and ``TextArea`` write their text to the terminal as it is, so an
ESC in a header value (from a saved file or a paste) would be a live escape sequence.
These fields keep the text exactly (it is what gets sent) and only draw each control
or format character as a visible stand-in: a control picture (``␛`` for ESC) or U+FFFD.
"""

from __future__ import annotations

import re

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Input, TextArea

# C0 controls but TAB, DEL, C1 controls, and characters that hide or reorder text
# (zero-width, bidi controls, line/paragraph separators, BOM, interlinear annotation).
_UNSAFE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb]"
)


def _stand_in(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)
    return "\u2421" if code == 0x7F else "\ufffd"


def visible(text: str) -> str:
    """Text with every control or format character replaced by a visible stand-in."""
    return _UNSAFE.sub(_stand_in, text)


def safe_strip(strip: Strip) -> Strip:
    """The strip with unsafe characters drawn as stand-ins, no wider than before."""
    segments = list(strip)
    if not any(seg.control is None and _UNSAFE.search(seg.text) for seg in segments):
        return strip
    shown = [
        Segment(visible(seg.text), seg.style, None) if seg.control is None else seg
        for seg in segments
    ]
    # A stand-in takes a cell where the character took none: keep the line's width.
    return Strip(shown).crop(0, strip.cell_length)


class SafeInput(Input):
    """An ``Input`` that draws control characters as visible stand-ins."""

    def render_line(self, y: int) -> Strip:
        return safe_strip(super().render_line(y))


class SafeTextArea(TextArea):
    """A ``TextArea`` that draws control characters as visible stand-ins."""

    def render_line(self, y: int) -> Strip:
        return safe_strip(super().render_line(y))
