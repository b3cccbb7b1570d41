"""Protocol anomalies: each deviation the parser tolerates or rejects."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a deviation is."""

    INFO = "info"
    """Worth knowing, not a violation (bytes after the message, say)."""
    WARNING = "warning"
    """A violation the parser tolerated; the reading may differ between clients."""
    ERROR = "error"
    """A fatal problem: the parse ended here."""


@dataclass(frozen=True, slots=True)
class Anomaly:
    """One deviation from RFC 9110/9112, located in the received stream."""

    code: str
    """Stable short name, e.g. ``bare-lf`` or ``invalid-content-length``."""
    severity: Severity
    """How bad it is; ``error`` ends the parse."""
    start: int
    """Offset of the first byte concerned in the received stream."""
    end: int
    """Offset one past the last byte concerned."""
    message: str
    """One plain sentence for a person."""
    rfc: str = ""
    """The section broken, e.g. ``RFC 9112 §2.2``."""

    @property
    def span(self) -> tuple[int, int]:
        """The ``(start, end)`` byte range."""
        return (self.start, self.end)

    @property
    def is_error(self) -> bool:
        """Whether this anomaly ended the parse."""
        return self.severity is Severity.ERROR
