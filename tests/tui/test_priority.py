"""Worker threads step back for the UI thread (Linux: a nice value per thread)."""

from __future__ import annotations

import os
import threading

import pytest

from inspector.tui.priority import BACKGROUND_NICE, background_thread

pytestmark = pytest.mark.skipif(
    not hasattr(os, "setpriority"), reason="needs per-thread priorities (Linux)"
)


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_a_worker_thread_gets_nicer_once_and_the_caller_of_others_does_not() -> None:
    """The worker's own nice value goes up by BACKGROUND_NICE, once however often it is
    asked (a pooled thread runs many workers); the main thread keeps its own."""
    main_before = _nice()
    seen: list[tuple[int, int, int]] = []

    def worker() -> None:
        before = _nice()
        background_thread()
        once = _nice()
        background_thread()
        seen.append((before, once, _nice()))

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    ((before, once, twice),) = seen
    assert once == min(19, before + BACKGROUND_NICE) and twice == once
    assert _nice() == main_before
