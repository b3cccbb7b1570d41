"""How the client sends: timeouts, TLS, proxy, limits. Every one has a sane default."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from inspector.model import Event, EventKind
from inspector.wire.limits import Limits

DEFAULT_MAX_BODY = 1024 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SendOptions:
    """Settings for one exchange."""

    connect_timeout: float = 10.0
    """Seconds for DNS plus TCP connect (each address tried gets the rest of it)."""
    read_timeout: float = 30.0
    """Seconds a single read or write may wait with nothing moving."""
    total_timeout: float | None = None
    """Seconds for the whole exchange; None for no overall limit."""
    verify: bool = True
    """Verify the server's certificate and host name."""
    cacert: str | None = None
    """A PEM file of CA certificates to trust instead of the system store."""
    proxy: str | None = None
    """``http://host:port`` of an HTTP proxy (absolute-form for http, CONNECT for https)."""
    max_body: int | None = DEFAULT_MAX_BODY
    """Body bytes read before stopping with an anomaly; None for no limit."""
    limits: Limits = Limits()
    """Parser limits (head size, field count, ...); ``max_body`` above overrides its own."""
    read_size: int = 1024 * 1024
    """Bytes asked of each recv_into call."""
    keep_body: bool = False
    """Also hold the body in memory; by default it is read back from the transcript."""
    spill_threshold: int = 16 * 1024 * 1024
    """Transcript bytes kept in memory per direction before spilling to a temporary file."""
    write_plan: tuple[WriteStep, ...] | None = None
    """Replay the request in these writes and pauses instead of one ``sendall``.

    Each step writes the next ``size`` bytes after sleeping ``pause`` seconds;
    bytes the plan does not cover go in one last write. Built from a recorded
    exchange by :func:`write_plan`, so a replay keeps the original boundaries.
    """


class WriteStep(NamedTuple):
    """One write of a replayed request."""

    size: int
    """Bytes written by this step (all of them, however many send() calls it takes)."""
    pause: float
    """Seconds to wait before writing them."""


def write_plan(events: Iterable[Event], max_pause: float = 10.0) -> tuple[WriteStep, ...]:
    """The writes and pauses of a recorded request, from its transcript's send events.

    Args:
        events: The transcript's events; only ``send`` events count.
        max_pause: Longer pauses are shortened to this, so a replay of an
            exchange that idled for minutes does not idle as long.
    """
    steps: list[WriteStep] = []
    last: float | None = None
    for ev in events:
        if ev.kind is not EventKind.SEND:
            continue
        pause = 0.0 if last is None else min(max_pause, max(0.0, ev.t - last))
        steps.append(WriteStep(ev.size, pause))
        last = ev.t
    return tuple(steps)
