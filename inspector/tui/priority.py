"""Background threads yield the CPU to the UI thread when both want it.

On a small machine the network thread, the raw-view indexer, the body
preparation and the local test server can all want a CPU while a key is
pressed. The UI thread must win: a key is answered within 100 ms even during
a 100 MiB download. On Linux a thread has its own nice value; the workers raise
theirs a little. An idle machine runs them as fast as before (nice only orders
threads that compete). Elsewhere this does nothing.
"""

from __future__ import annotations

import os
import threading

BACKGROUND_NICE = 5
"""How much nicer than the UI thread a worker thread is (0-19; 5 is a mild step)."""

_done = threading.local()


def background_thread() -> None:
    """Give the calling worker thread a lower CPU priority than the UI thread (once)."""
    if getattr(_done, "set", False):
        return
    _done.set = True
    setpriority = getattr(os, "setpriority", None)
    if setpriority is None or not hasattr(threading, "get_native_id"):
        return
    try:
        tid = threading.get_native_id()
        setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + BACKGROUND_NICE)
    except OSError:  # not allowed here, or not per thread: leave it
        pass
