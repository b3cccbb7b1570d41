"""Every byte written and read, in order, with its time.

A Transcript is append-only. Each direction is a ByteStream that lives in
memory until it passes a threshold and then spills to an anonymous temporary
file, so a 1 GiB exchange does not live in RAM. Any byte range can be read
back by offset without copying the rest.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

DEFAULT_SPILL_THRESHOLD = 16 * 1024 * 1024


class ByteStream:
    """Append-only bytes, readable by offset; spills to disk past a threshold.

    Safe for one writer thread and any number of reader threads.
    """

    def __init__(self, spill_threshold: int = DEFAULT_SPILL_THRESHOLD) -> None:
        self._spill_threshold = spill_threshold
        self._memory: bytearray | None = bytearray()
        self._fd: int | None = None
        self._length = 0
        self._users = 0  # threads reading or writing the file right now
        self._closed = False
        self._fd_closed = False
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._length

    @property
    def spilled(self) -> bool:
        """Whether the bytes now live in a temporary file."""
        return self._fd is not None

    def append(self, data: bytes | bytearray | memoryview) -> int:
        """Add bytes at the end and return the offset where they start."""
        fd = -1
        with self._lock:
            offset = self._length
            memory = self._memory
            if memory is not None:
                memory += data
                self._length = offset + len(data)
            else:
                if self._fd is None:  # closed after spilling: nothing is kept any more
                    return offset
                fd = self._fd
                self._users += 1
        if memory is not None:
            if len(memory) > self._spill_threshold and not self._closed:
                self._spill(memory)
            return offset
        # Spilled: the file is written past the published length without the lock,
        # so that readers (the raw panel, on the UI thread) never wait for a write.
        # Readers clip to ``_length``, which moves only once the bytes are in the file.
        view = memoryview(data)
        size = len(view)
        try:
            while view:
                written = os.pwrite(fd, view, offset + (size - len(view)))
                view = view[written:]
        finally:
            with self._lock:
                if self._fd is not None:
                    self._length = offset + size
                self._done_with(fd)
        return offset

    def _done_with(self, fd: int) -> None:
        """A reader or the writer is done with the file (lock held): close it if it is due."""
        self._users -= 1
        if self._users == 0 and self._fd is None and not self._fd_closed:
            os.close(fd)
            self._fd_closed = True

    def _spill(self, memory: bytearray) -> None:
        """Move the bytes to an anonymous temporary file (the writer's thread, no lock held).

        Readers go on reading the memory meanwhile: only this writer appends to it,
        and it is busy here. The lock is taken only to switch over.
        """
        fd, path = tempfile.mkstemp(prefix="inspector-transcript-")
        os.unlink(path)  # anonymous: the space is freed when the fd closes
        view = memoryview(memory)
        done = 0
        try:
            while done < len(view):
                done += os.pwrite(fd, view[done:], done)
        finally:
            view.release()
        with self._lock:
            if self._memory is memory and not self._closed:
                self._fd = fd
                self._memory = None
                return
        os.close(fd)  # closed meanwhile (close() keeps in-memory bytes: nothing to do)

    def read(self, start: int = 0, end: int | None = None) -> bytes:
        """Return bytes ``[start, end)``, clipped to what is there."""
        with self._lock:
            length = self._length
            stop = length if end is None else max(0, min(end, length))
            start = max(0, min(start, stop))
            if self._memory is not None:
                return bytes(self._memory[start:stop])
            fd = self._fd
            if fd is None:  # closed
                return b""
            self._users += 1
        # The file is read without the lock: a big read (the body worker, the
        # history writer) must not hold up the network thread or the UI.
        try:
            parts: list[bytes] = []
            pos = start
            while pos < stop:
                piece = os.pread(fd, stop - pos, pos)
                if not piece:
                    break
                parts.append(piece)
                pos += len(piece)
            return b"".join(parts)
        finally:
            with self._lock:
                self._done_with(fd)

    def close(self) -> None:
        """Free the temporary file, if any: reads then return nothing, appends are dropped.

        Bytes still in memory stay readable (they cost no file). A read or write in
        progress in another thread finishes first; the last one out closes the file.
        """
        with self._lock:
            self._closed = True
            fd = self._fd
            if fd is not None:
                self._fd = None
                self._length = 0
                self._users += 1
                self._done_with(fd)


class EventKind(StrEnum):
    """What happened on the connection."""

    DNS = "dns"
    CONNECT = "connect"
    TLS = "tls"
    SEND = "send"
    RECV = "recv"
    EOF = "eof"
    CLOSE = "close"
    TIMEOUT = "timeout"
    ERROR = "error"


class Event(NamedTuple):
    """One thing that happened, at monotonic time ``t``."""

    t: float
    """``time.monotonic()`` when it happened."""
    kind: EventKind
    offset: int = 0
    """For send/recv: where the bytes start in their direction's stream."""
    size: int = 0
    """For send/recv: how many bytes one call moved."""
    detail: str = ""


# Events are recorded for every send() and recv(): build them without the
# NamedTuple's Python-level __new__, and without reading members off the Enum
# class (slow in Python 3.11).
_new_event = tuple.__new__
_SEND = EventKind.SEND
_RECV = EventKind.RECV


@dataclass(frozen=True, slots=True)
class Chunk:
    """One ``send()`` or ``recv()`` call, as the views list them."""

    direction: str
    """``send`` or ``recv``."""
    offset: int
    size: int
    t: float


class Transcript:
    """The record of one exchange: both byte streams and the event list."""

    def __init__(self, spill_threshold: int = DEFAULT_SPILL_THRESHOLD) -> None:
        self.started = time.monotonic()
        """Monotonic time at which the exchange started; event times are relative to it."""
        self.sent = ByteStream(spill_threshold)
        """Every byte written, plaintext above TLS."""
        self.received = ByteStream(spill_threshold)
        """Every byte read, plaintext above TLS."""
        self._events: list[Event] = []

    @property
    def events(self) -> list[Event]:
        """A snapshot of the events so far."""
        return list(self._events)

    @property
    def event_count(self) -> int:
        """How many events there are (no copy)."""
        return len(self._events)

    @property
    def last_event(self) -> Event | None:
        """The latest event, if any."""
        return self._events[-1] if self._events else None

    def events_since(self, start: int) -> list[Event]:
        """The events from index ``start`` on (a reader that polls copies only what is new)."""
        return self._events[start:]

    def record_send(self, data: bytes | bytearray | memoryview, t: float | None = None) -> None:
        """Record one completed write."""
        offset = self.sent.append(data)
        self._events.append(
            _new_event(Event, (time.monotonic() if t is None else t, _SEND, offset, len(data), ""))
        )

    def record_recv(self, data: bytes | bytearray | memoryview, t: float | None = None) -> None:
        """Record one completed read."""
        offset = self.received.append(data)
        self._events.append(
            _new_event(Event, (time.monotonic() if t is None else t, _RECV, offset, len(data), ""))
        )

    def record_event(self, kind: EventKind, detail: str = "", t: float | None = None) -> None:
        """Record a connection event (connect, tls, eof, close, timeout, error)."""
        self._events.append(
            _new_event(Event, (time.monotonic() if t is None else t, kind, 0, 0, detail))
        )

    def chunks(self) -> list[Chunk]:
        """Every send and recv call in order."""
        return [
            Chunk(e.kind.value, e.offset, e.size, e.t)
            for e in self.events
            if e.kind is EventKind.SEND or e.kind is EventKind.RECV
        ]

    def close(self) -> None:
        """Free spilled storage."""
        self.sent.close()
        self.received.close()

    @classmethod
    def from_bytes(cls, received: bytes, sent: bytes = b"") -> Transcript:
        """A transcript for bytes that did not come from a socket (a saved file, say)."""
        tr = cls()
        if sent:
            tr.record_send(sent, tr.started)
        if received:
            tr.record_recv(received, tr.started)
        return tr
