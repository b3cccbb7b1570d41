"""When the app may free a transcript: not while a worker still reads it.

A transcript past its spill threshold lives in a temporary file that ``close()``
frees. The app frees the transcripts of exchanges it no longer shows, but the
history worker may still be copying one into the database: a worker
:func:`pin`s what it reads, and :func:`release` closes a transcript now, or
when the last pin goes.
"""

from __future__ import annotations

import threading

from inspector.model import Transcript

_lock = threading.Lock()
_pins: dict[int, int] = {}
_released: dict[int, Transcript] = {}


def pin(transcript: Transcript) -> None:
    """A worker starts reading ``transcript``: keep it open until :func:`unpin`."""
    with _lock:
        _pins[id(transcript)] = _pins.get(id(transcript), 0) + 1


def unpin(transcript: Transcript) -> None:
    """The worker is done; close the transcript if it was released meanwhile."""
    key = id(transcript)
    with _lock:
        left = _pins.get(key, 1) - 1
        if left > 0:
            _pins[key] = left
            return
        _pins.pop(key, None)
        late = _released.pop(key, None)
    if late is not None:
        late.close()


def release(transcript: Transcript) -> None:
    """The app is done with ``transcript``: close it now, or when the last pin goes."""
    key = id(transcript)
    with _lock:
        if _pins.get(key):
            _released[key] = transcript
            return
    transcript.close()
