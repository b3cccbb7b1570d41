"""Minimal terminal styling for human output: colour on a terminal, plain when piped."""

from __future__ import annotations

import os
from typing import TextIO

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}


class Style:
    """Wraps our own text in ANSI colour; never used on untrusted text before escaping."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    @classmethod
    def for_stream(cls, stream: TextIO) -> Style:
        """Colour when the stream is a terminal and ``NO_COLOR`` is not set."""
        isatty = getattr(stream, "isatty", None)
        return cls(bool(isatty and isatty()) and not os.environ.get("NO_COLOR"))

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles:
            return text
        codes = ";".join(_CODES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def status(self, status: int | None, text: str) -> str:
        """Colour a status line by class."""
        if status is None:
            return self(text, "red", "bold")
        colour = {1: "cyan", 2: "green", 3: "blue", 4: "yellow"}.get(status // 100, "red")
        return self(text, colour, "bold")

    def severity(self, severity: str, text: str) -> str:
        """Colour by anomaly severity."""
        colour = {"error": "red", "warning": "yellow"}.get(severity, "dim")
        return self(text, colour)
