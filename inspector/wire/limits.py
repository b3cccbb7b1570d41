"""Parser limits: every one a setting with a sane default and a clear message."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """How much the response parser accepts before it stops with an anomaly."""

    max_head_size: int = 256 * 1024
    """Bytes in one response head (status line, fields and blank line)."""
    max_fields: int = 1000
    """Header fields in one head."""
    max_chunk_line: int = 16 * 1024
    """Bytes in one chunk-size line, extensions included."""
    max_trailer_size: int = 64 * 1024
    """Bytes in the trailer section."""
    max_body: int | None = None
    """Body bytes (transfer framing removed) before the parse stops; None: no limit."""
    max_interim: int = 100
    """1xx responses before the final one."""


DEFAULT_LIMITS = Limits()
