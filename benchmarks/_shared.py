"""What the benchmark scripts share: the server subprocess and peak-memory probes.

The scripts run as ``python benchmarks/NAME.py``, so this folder is on sys.path
and they import this module as ``_shared``.
"""

from __future__ import annotations

import re
import resource
import select
import subprocess
import sys
from dataclasses import dataclass


class BenchError(Exception):
    """A run that went wrong (a wrong length, an error, no reuse); not a missed target."""


@dataclass
class ServerProcess:
    """A server subprocess that prints its URL on its first line (not this process's GIL)."""

    proc: subprocess.Popen[str]
    url: str

    @staticmethod
    def spawn(cmd: list[str], wait: float = 30.0) -> tuple[subprocess.Popen[str], str]:
        """Start ``cmd`` and return it with the URL it printed.

        Raises:
            BenchError: it printed no URL within ``wait`` seconds.
        """
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert proc.stdout is not None and proc.stderr is not None
        ready, _, _ = select.select([proc.stdout], [], [], wait)
        line = proc.stdout.readline() if ready else ""
        found = re.search(r"http://\S+", line)
        if not found:
            proc.kill()
            raise BenchError(f"the server did not start: {line!r} {proc.stderr.read()!r}")
        return proc, found.group(0).rstrip("/")

    @classmethod
    def start(cls, cmd: list[str]) -> ServerProcess:
        """Start a server subprocess."""
        return cls(*cls.spawn(cmd))

    def stop(self) -> None:
        """Terminate it (kill after 5 s) and close its pipes."""
        self.proc.terminate()
        try:
            self.proc.wait(5.0)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


INSPECTOR_SERVE = [sys.executable, "-m", "inspector", "serve", "--port", "0", "--quiet"]


def status_kib(name: str) -> int | None:
    """A ``kB`` field of /proc/self/status (VmHWM, VmRSS), or None off Linux."""
    try:
        with open("/proc/self/status") as f:
            found = re.search(rf"^{name}:\s+(\d+) kB", f.read(), re.MULTILINE)
    except OSError:
        return None
    return int(found.group(1)) if found else None


def reset_peak() -> str:
    """Start a fresh high-water mark; return how the peak is measured.

    After fork and exec, ``ru_maxrss`` starts at the *parent's* peak (Linux keeps
    the larger of the old and new address space's), so a child of a big parent
    would see no increase. On Linux, writing 5 to /proc/self/clear_refs resets
    VmHWM (the peak RSS of this address space) to the current RSS instead.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return "ru_maxrss"
    return "VmHWM" if status_kib("VmHWM") is not None else "ru_maxrss"


def peak_bytes(how: str) -> int:
    """The peak RSS since ``reset_peak``, in bytes."""
    if how == "VmHWM":
        kib = status_kib("VmHWM")
        assert kib is not None
        return kib * 1024
    scale = 1 if sys.platform == "darwin" else 1024  # KiB on Linux, bytes on macOS
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
