"""Time pictures of an exchange: a phase waterfall, a sparkline of the reads, read lookup.

Pure: :class:`~inspector.model.Timings` and transcript events in, cells and numbers out.

- :func:`waterfall` lays dns, connect, tls, send, wait (time to first byte) and receive
  end to end across a width, each phase in proportion to its share of their sum.
- :func:`sparkline` buckets the bytes of each recv() over time and finds the stalls.
  **Stall rule:** the gaps between consecutive reads (and from the last read to an
  ``eof``, ``timeout`` or ``error`` event after it) are measured; a gap is a stall when
  it is longer than ``max(0.2 s, 10 x the median gap)``. The floor keeps the ordinary
  jitter of a fast download from counting; the median keeps a steady slow drip (one
  read a second, say) from being all stalls while its one long pause still is.
- :class:`ReadIndex` says which recv() delivered a byte of the received stream.
"""

from __future__ import annotations

import math
import statistics
from array import array
from bisect import bisect_right
from collections.abc import Sequence
from typing import NamedTuple

from inspector.model import Event, EventKind, Timings

PHASES = ("dns", "connect", "tls", "send", "wait", "receive")
"""The waterfall's phases, in the order they happen."""
BLOCKS = "▁▂▃▄▅▆▇█"
"""Sparkline levels 1 to 8; an empty bucket is a space."""
STALL_FLOOR = 0.2
"""No gap shorter than this (seconds) is a stall."""
STALL_FACTOR = 10.0
"""A gap is a stall when it is longer than this many median gaps (and the floor)."""

_END_KINDS = (EventKind.EOF, EventKind.TIMEOUT, EventKind.ERROR)


class Bar(NamedTuple):
    """One phase of the waterfall, on columns ``[start_col, end_col)``."""

    phase: str
    """``dns``, ``connect``, ``tls``, ``send``, ``wait`` or ``receive``."""
    start_col: int
    end_col: int
    """One past the last column; at least ``start_col + 1``."""
    seconds: float
    label: str
    """``phase duration``, e.g. ``wait 12.3 ms``."""


class Stall(NamedTuple):
    """A pause between two reads (or between the last read and the end)."""

    after_read: int
    """Index (among the recv events) of the read before the pause."""
    start: float
    """Seconds from the transcript start when the pause began."""
    end: float
    seconds: float
    start_bucket: int
    """Bucket of the read before the pause."""
    end_bucket: int
    """Bucket of the read (or end event) after it."""


class Spark(NamedTuple):
    """Received bytes over time, bucketed across a width."""

    buckets: list[int]
    """Bytes per bucket (each read counts in the bucket of its time)."""
    text: str
    """One block character per bucket, scaled to the fullest; a space when empty."""
    start: float
    """Seconds from the transcript start to the first read (bucket 0 starts there)."""
    end: float
    """Seconds from the transcript start to the last read or end event."""
    stalls: list[Stall]
    threshold: float
    """The gap length (seconds) above which a gap was a stall."""

    @property
    def bucket_seconds(self) -> float:
        """How long one bucket lasts."""
        return (self.end - self.start) / len(self.buckets) if self.buckets else 0.0


def format_seconds(seconds: float) -> str:
    """A duration for a person: ``350 us``, ``12.3 ms`` or ``1.25 s``."""
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} us"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def waterfall(timings: Timings, width: int) -> list[Bar]:
    """The phases that happened, end to end, scaled to their sum across ``width`` columns.

    A phase that did not happen (None: no TLS, or a reused connection's dns and connect)
    is left out. A phase that happened gets at least one column, however short, so the
    bars take ``max(width, number of phases)`` columns.

    Args:
        timings: The exchange's phase durations.
        width: Columns to fill.
    """
    values = (timings.dns, timings.connect, timings.tls, timings.send, timings.ttfb)
    phases = [
        (name, max(0.0, v))
        for name, v in zip(PHASES, (*values, timings.receive), strict=True)
        if v is not None
    ]
    n = len(phases)
    if not n:
        return []
    cells = max(width, n)
    total = sum(v for _, v in phases)
    cols = [0]
    elapsed = 0.0
    for i, (_, v) in enumerate(phases):
        elapsed += v
        share = elapsed / total if total > 0 else (i + 1) / n
        cols.append(max(cols[-1] + 1, round(share * cells)))
    cols[n] = cells
    for i in range(n - 1, 0, -1):  # give back columns taken by one-cell minimums
        cols[i] = min(cols[i], cols[i + 1] - 1)
    return [
        Bar(name, cols[i], cols[i + 1], v, f"{name} {format_seconds(v)}")
        for i, (name, v) in enumerate(phases)
    ]


def sparkline(events: Sequence[Event], started: float, width: int) -> Spark:
    """Bucket the bytes of each read over time and find the stalls (module docstring rule).

    The window runs from the first read to the last read, or to an ``eof``, ``timeout``
    or ``error`` event after it; bucket ``i`` covers the ``i``-th ``width``-th of it.

    Args:
        events: A transcript's events (recv ones carry the bytes; others mark the end).
        started: The transcript's start time; reported times are relative to it.
        width: How many buckets.

    Raises:
        ValueError: When ``width`` is not positive.
    """
    if width < 1:
        raise ValueError(f"a sparkline needs a positive width, not {width}")
    reads: list[Event] = []
    last = -1
    for i, e in enumerate(events):
        if e.kind is EventKind.RECV:
            reads.append(e)
            last = i
    buckets = [0] * width
    if not reads:
        return Spark(buckets, " " * width, 0.0, 0.0, [], STALL_FLOOR)
    end = next((e for e in events[last + 1 :] if e.kind in _END_KINDS), None)
    times = [e.t for e in reads] + ([end.t] if end is not None else [])
    t0, t1 = times[0], max(times)
    span = t1 - t0

    def bucket(t: float) -> int:
        return min(width - 1, int((t - t0) / span * width)) if span > 0 else 0

    for e in reads:
        buckets[bucket(e.t)] += e.size
    peak = max(buckets)
    text = "".join(
        BLOCKS[max(1, math.ceil(v * 8 / peak)) - 1] if v and peak else " " for v in buckets
    )
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    threshold = max(STALL_FLOOR, STALL_FACTOR * statistics.median(gaps)) if gaps else STALL_FLOOR
    stalls = [
        Stall(i, a - started, a + g - started, g, bucket(a), bucket(a + g))
        for i, (a, g) in enumerate(zip(times, gaps, strict=False))
        if g > threshold
    ]
    return Spark(buckets, text, t0 - started, t1 - started, stalls, threshold)


class ReadIndex:
    """Which recv() call delivered each received byte, by bisection over the recv events.

    Args:
        events: A transcript's events (any kinds; only ``recv`` ones are used).
    """

    def __init__(self, events: Sequence[Event]) -> None:
        self.reads = [e for e in events if e.kind is EventKind.RECV]
        """The recv events, in order; a read's index is its position here."""
        self._offsets: array[int] = array("q", (e.offset for e in self.reads))

    def __len__(self) -> int:
        return len(self.reads)

    def at(self, offset: int) -> tuple[int, Event] | None:
        """The read that delivered the byte at ``offset``: its index and its event."""
        i = bisect_right(self._offsets, offset) - 1
        if i < 0:
            return None
        ev = self.reads[i]
        return (i, ev) if offset < ev.offset + ev.size else None


def read_at(events: Sequence[Event], offset: int) -> tuple[int, Event] | None:
    """Which recv() call delivered a received-stream offset, and when (``event.t``).

    Builds a :class:`ReadIndex` on each call: keep one for repeated lookups.

    Returns:
        The read's index among the recv events and its event; None when no read holds it.
    """
    return ReadIndex(events).at(offset)
