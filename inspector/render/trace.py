"""A transcript as text: one block per real send()/recv() call, like curl --trace-ascii.

Pure: events and bytes in, lines out. Every byte is escaped (CR and LF shown as
``\\r`` and ``\\n`` at the end of each line), so nothing from the network can
act on a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass

from inspector.model import EventKind, Transcript
from inspector.render.escape import escape_bytes

MARK = {EventKind.SEND: ">", EventKind.RECV: "<"}


@dataclass(frozen=True, slots=True)
class TraceLine:
    """One line of the trace; ``kind`` lets a caller colour it."""

    kind: str
    """``send``, ``recv``, ``event`` or ``more``."""
    text: str


def data_lines(data: bytes) -> list[str]:
    """Split bytes after each LF and escape each piece (line endings made visible)."""
    out: list[str] = []
    start = 0
    while start < len(data):
        nl = data.find(b"\n", start)
        stop = len(data) if nl < 0 else nl + 1
        out.append(escape_bytes(data[start:stop]))
        start = stop
    return out


def trace(transcript: Transcript, limit: int | None = 2048) -> list[TraceLine]:
    """The whole exchange in order.

    Args:
        transcript: What was recorded.
        limit: Bytes shown per send/recv block (None: all); the rest is counted.
    """
    lines: list[TraceLine] = []
    t0 = transcript.started
    for ev in transcript.events:
        t = f"{ev.t - t0:9.6f}"
        if ev.kind is EventKind.SEND or ev.kind is EventKind.RECV:
            stream = transcript.sent if ev.kind is EventKind.SEND else transcript.received
            mark = MARK[ev.kind]
            kind = ev.kind.value
            lines.append(
                TraceLine(kind, f"{mark} {t} {kind} {ev.size} bytes at offset {ev.offset}")
            )
            shown = ev.size if limit is None else min(ev.size, limit)
            data = stream.read(ev.offset, ev.offset + shown)
            lines.extend(TraceLine(kind, f"{mark} {line}") for line in data_lines(data))
            if shown < ev.size:
                lines.append(TraceLine("more", f"{mark} ... {ev.size - shown} more bytes"))
        else:
            detail = f" {escape_bytes(ev.detail.encode())}" if ev.detail else ""
            lines.append(TraceLine("event", f"* {t} {ev.kind.value}{detail}"))
    return lines
