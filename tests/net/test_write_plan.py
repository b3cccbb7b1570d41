"""Replay with the original write boundaries and pauses (issue 8, "Replay")."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from inspector.model import EventKind, RequestSpec, Transcript
from inspector.net import CancelToken, Client, WriteStep, send, write_plan
from tests.net.helpers import FAST, ok
from tests.scripted import ScriptedServer, read_request, write

Serve = Callable[..., ScriptedServer]

RAW = b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789"


def _raw_spec(url: str) -> RequestSpec:
    return RequestSpec(url=url, raw=RAW)


def test_plan_comes_from_send_events_with_pauses_between_them() -> None:
    """write_plan keeps each send's size and the gap before it, capped at max_pause."""
    tr = Transcript()
    tr.record_send(b"abc", t=10.0)
    tr.record_recv(b"zz", t=10.1)
    tr.record_send(b"defg", t=10.5)
    tr.record_send(b"h", t=40.5)
    plan = write_plan(tr.events, max_pause=2.0)
    assert plan == (WriteStep(3, 0.0), WriteStep(4, 0.5), WriteStep(1, 2.0))


def test_planned_send_writes_in_the_recorded_pieces(serve: Serve) -> None:
    """Each step is a separate write on the wire, in order, with the bytes unchanged."""
    srv = serve([read_request(), write(ok(b"done"))])
    plan = (WriteStep(5, 0.0), WriteStep(20, 0.05), WriteStep(13, 0.05))
    ex = send(_raw_spec(srv.url), replace(FAST, write_plan=plan))
    assert ex.error is None
    assert srv.connection(0).received == RAW
    sends = [e for e in ex.transcript.events if e.kind is EventKind.SEND]
    # The plan covers 38 bytes; the rest goes in one last write.
    assert [e.size for e in sends] == [5, 20, 13, len(RAW) - 38]
    assert sends[1].t - sends[0].t >= 0.04
    assert ex.transcript.sent.read() == RAW


def test_a_replay_of_a_replay_keeps_the_same_boundaries(serve: Serve) -> None:
    """Plan from a recorded exchange, replay it: the new transcript has the same send sizes."""
    srv = serve([read_request(), write(ok(b"1")), read_request(), write(ok(b"2"))])
    first_plan = (WriteStep(7, 0.0), WriteStep(len(RAW) - 7, 0.02))
    with Client(FAST) as client:
        first = client.send(_raw_spec(srv.url), replace(FAST, write_plan=first_plan))
        again = client.send(
            _raw_spec(srv.url), replace(FAST, write_plan=write_plan(first.transcript.events))
        )
    sizes = [
        [e.size for e in x.transcript.events if e.kind is EventKind.SEND] for x in (first, again)
    ]
    assert sizes[0] == sizes[1] == [7, len(RAW) - 7]
    assert again.error is None and again.response is not None


def test_cancel_during_a_planned_pause_ends_the_exchange(serve: Serve) -> None:
    """A long pause in the plan does not outlive a cancel: the exchange ends as cancelled."""

    srv = serve([read_request(), write(ok(b"late"))])
    cancel = CancelToken()
    threading.Timer(0.1, cancel.cancel).start()
    plan = (WriteStep(4, 0.0), WriteStep(4, 30.0))
    ex = send(_raw_spec(srv.url), replace(FAST, write_plan=plan), cancel=cancel)
    assert ex.error is not None and ex.error.kind.value == "cancelled"
    assert ex.transcript.sent.read() == RAW[:4]
