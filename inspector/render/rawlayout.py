"""Row index of the raw-bytes view: no row is materialised until it is drawn.

Each transcript event is one header row (``> send 95 bytes +0.0018s``); each
send/recv call is followed by its data rows. In hex mode a call of N bytes has
``ceil(N/16)`` rows, so nothing needs scanning. In text mode rows break after
each LF and wrap at ``TEXT_WIDTH`` bytes, so the bytes are scanned once, in
bounded steps (:meth:`RawLayout.extend`) that a background worker can run.
"""

from __future__ import annotations

import bisect
import threading
from array import array
from dataclasses import dataclass
from enum import StrEnum

from inspector.model import Event, EventKind, Transcript

HEX_WIDTH = 16
TEXT_WIDTH = 96


class Mode(StrEnum):
    """How data rows are drawn."""

    TEXT = "text"
    HEX = "hex"


@dataclass(frozen=True, slots=True)
class Row:
    """What one screen row shows."""

    event: Event
    """The event (a send/recv call, or a connection event) the row belongs to."""
    header: bool
    """True for the event's own row; False for a row of its data."""
    start: int = 0
    """For data rows: offset of the row's first byte in its direction's stream."""
    end: int = 0
    """For data rows: offset one past its last byte."""

    @property
    def direction(self) -> str:
        """``send``, ``recv``, or the kind of a connection event."""
        return self.event.kind.value


def _is_data(ev: Event) -> bool:
    return ev.kind is EventKind.SEND or ev.kind is EventKind.RECV


def scan_rows(data: bytes, base: int, more: bool, breaks: array[int]) -> int:
    """Append the start of each text row in ``data`` (at stream offset ``base``) to ``breaks``.

    A row ends after a LF, or after ``TEXT_WIDTH`` bytes. One ``find`` per line, and
    the rows of a long line in one ``range`` (C loops): a line costs about as much
    as a row did, which matters on long-lined bodies (binary data, minified JSON).

    Args:
        more: Bytes follow ``data`` in the same call: a row that reaches the end of
            ``data`` may continue, so it is left for the next piece.

    Returns:
        How many bytes of ``data`` the appended rows cover.
    """
    n = len(data)
    find = data.find
    width = TEXT_WIDTH
    i = 0
    while i < n:
        nl = find(b"\n", i)
        if nl < 0:
            if more:  # only rows that end before n: the last one may go on
                full = len(range(i, max(i, n - width), width))
                breaks.extend(range(base + i, base + i + full * width, width))
                return i + full * width
            breaks.extend(range(base + i, base + n, width))
            return n
        end = nl + 1
        if end - i <= width:
            breaks.append(base + i)
        else:
            breaks.extend(range(base + i, base + end, width))
        i = end
    return i


class RawLayout:
    """Maps screen rows to transcript bytes. Safe to extend in one thread and read in another."""

    def __init__(self, transcript: Transcript, mode: Mode = Mode.TEXT) -> None:
        self.transcript = transcript
        self.mode = mode
        self._lock = threading.Lock()
        self._extending = threading.Lock()  # one extender at a time; others return at once
        self._events: list[Event] = []
        self._first_row = array("q")  # row number of each event's header row
        self._rows = 0
        # text mode: per event, the offsets where its data rows start
        self._breaks: list[array[int]] = []
        self._pending = 0  # index of the next event whose text rows are not counted yet
        self._scan_pos = 0  # progress inside that event
        self._breaks_in_progress: array[int] = array("q")

    @property
    def rows(self) -> int:
        """Rows known so far."""
        return self._rows

    @property
    def complete(self) -> bool:
        """Whether every recorded event is indexed."""
        return self._pending >= self.transcript.event_count and self._scan_pos == 0

    def extend(self, budget: int = 4 * 1024 * 1024) -> bool:
        """Index more of the transcript, scanning at most about ``budget`` bytes.

        Any thread may call it; while one is extending, a call from another
        returns False at once instead of waiting (the UI thread never blocks on
        a background indexer).

        Returns:
            True when everything recorded so far is indexed.
        """
        if not self._extending.acquire(blocking=False):
            return False
        try:
            return self._extend(budget)
        finally:
            self._extending.release()

    def _extend(self, budget: int) -> bool:
        base = self._pending
        events = self.transcript.events_since(base)
        while self._pending - base < len(events):
            ev = events[self._pending - base]
            if self.mode is Mode.HEX or not _is_data(ev):
                data_rows = -(-ev.size // HEX_WIDTH) if _is_data(ev) else 0
                self._add(ev, data_rows, None)
                continue
            if budget <= 0:
                return False
            stream = self.transcript.sent if ev.kind is EventKind.SEND else self.transcript.received
            breaks = self._breaks_in_progress
            pos = self._scan_pos
            stop = min(ev.size, pos + max(budget, 4 * TEXT_WIDTH))
            data = stream.read(ev.offset + pos, ev.offset + stop)
            budget -= len(data)
            pos += scan_rows(data, ev.offset + pos, stop < ev.size, breaks)
            if pos >= ev.size:
                self._scan_pos = 0
                self._breaks_in_progress = array("q")
                self._add(ev, len(breaks), breaks)
            else:
                self._scan_pos = pos
                return False
        return True

    def _add(self, ev: Event, data_rows: int, breaks: array[int] | None) -> None:
        with self._lock:
            self._events.append(ev)
            self._first_row.append(self._rows)
            self._breaks.append(breaks if breaks is not None else array("q"))
            self._rows += 1 + data_rows
            self._pending += 1

    def row(self, y: int) -> Row | None:
        """The row at screen position ``y`` (None past the end)."""
        with self._lock:
            if y < 0 or y >= self._rows:
                return None
            i = bisect.bisect_right(self._first_row, y) - 1
            ev = self._events[i]
            k = y - self._first_row[i] - 1
            breaks = self._breaks[i]
        if k < 0:
            return Row(ev, True)
        if self.mode is Mode.HEX:
            start = ev.offset + k * HEX_WIDTH
            return Row(ev, False, start, min(start + HEX_WIDTH, ev.offset + ev.size))
        end = breaks[k + 1] if k + 1 < len(breaks) else ev.offset + ev.size
        return Row(ev, False, breaks[k], end)

    def row_of(self, direction: EventKind, offset: int) -> int | None:
        """The data row showing byte ``offset`` of a direction's stream."""
        with self._lock:
            for i, ev in enumerate(self._events):
                if ev.kind is not direction or not ev.offset <= offset < ev.offset + ev.size:
                    continue
                if self.mode is Mode.HEX:
                    return self._first_row[i] + 1 + (offset - ev.offset) // HEX_WIDTH
                k = bisect.bisect_right(self._breaks[i], offset) - 1
                return self._first_row[i] + 1 + max(0, k)
        return None
