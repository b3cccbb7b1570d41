"""The transcript records exactly the bytes that crossed the socket, call by call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from inspector.model import EventKind, Exchange, RequestSpec, Transcript
from inspector.net import Client, send, wire_bytes
from tests.net.helpers import FAST, get, ok
from tests.scripted import ScriptedServer, pieces, read_head, read_request, read_until, write

Serve = Callable[..., ScriptedServer]


def _events(transcript: Transcript, kind: EventKind) -> list[tuple[float, int, int]]:
    return [(e.t, e.offset, e.size) for e in transcript.events if e.kind is kind]


def _assert_contiguous(events: list[tuple[float, int, int]], total: int) -> None:
    offsets = [offset for _, offset, _ in events]
    ends = [offset + size for _, offset, size in events]
    assert offsets == [0, *ends[:-1]]
    assert all(size > 0 for _, _, size in events)
    assert sum(size for _, _, size in events) == total
    times = [t for t, _, _ in events]
    assert times == sorted(times)


def test_sent_and_received_bytes_equal_what_the_server_saw(serve: Serve) -> None:
    """Sent bytes equal what the server received; received bytes equal what it wrote."""
    reply = ok(b"hello", b"X-Thing: 1")
    srv = serve([read_request(), write(reply)])
    spec = get(srv.url + "/path?q=1", (b"X-Case", b"KeEp"))
    ex = send(spec, FAST)
    conn = srv.connection(0)
    assert ex.error is None
    assert conn.received == (
        b"GET /path?q=1 HTTP/1.1\r\nHost: %s\r\nX-Case: KeEp\r\n\r\n" % srv.authority.encode()
    )
    assert ex.transcript.sent.read() == conn.received == wire_bytes(spec, FAST)
    assert ex.transcript.received.read() == conn.sent == reply
    assert ex.response is not None and ex.response_body() == b"hello"


def test_send_events_sum_to_the_request_length(serve: Serve) -> None:
    """A 300 KiB POST body is recorded in send() calls that cover it exactly, in order."""
    body = bytes(range(256)) * 1200
    srv = serve([read_request(), write(ok())])
    spec = get(srv.url + "/upload", (b"Content-Length", str(len(body)).encode()), method=b"POST")
    spec = replace(spec, body=body)
    ex = send(spec, FAST)
    request = wire_bytes(spec, FAST)
    assert ex.error is None
    _assert_contiguous(_events(ex.transcript, EventKind.SEND), len(request))
    assert ex.transcript.sent.read() == request == srv.connection(0).received


def test_paused_pieces_arrive_as_separate_reads(serve: Serve) -> None:
    """Pieces written with pauses give at least one recv() each; offsets are contiguous."""
    reply = ok(b"0123456789" * 4)
    size = 16
    count = -(-len(reply) // size)
    srv = serve([read_request(), pieces(reply, size, 0.03)])
    ex = send(get(srv.url + "/"), FAST)
    assert ex.error is None
    recvs = _events(ex.transcript, EventKind.RECV)
    assert len(recvs) >= count
    _assert_contiguous(recvs, len(reply))
    assert ex.transcript.received.read() == srv.connection(0).sent == reply
    assert [c.size for c in ex.transcript.chunks() if c.direction == "recv"] == [
        s for _, _, s in recvs
    ]


def test_recv_boundaries_follow_the_server_writes(serve: Serve) -> None:
    """With pauses long enough, each recv() holds exactly one of the server's pieces."""
    reply = ok(b"x" * 30)
    srv = serve([read_request(), pieces(reply, 11, 0.08)])
    ex = send(get(srv.url + "/"), FAST)
    sizes = [size for _, _, size in _events(ex.transcript, EventKind.RECV)]
    expected = [len(reply[i : i + 11]) for i in range(0, len(reply), 11)]
    assert sizes == expected


def test_events_come_in_order_with_phase_timings(serve: Serve) -> None:
    """DNS, connect, send, recv happen in that order and every phase timing is filled in."""
    srv = serve([read_request(), write(ok())])
    ex = send(get(srv.url + "/"), FAST)
    kinds = [e.kind for e in ex.transcript.events]
    assert kinds[:4] == [EventKind.DNS, EventKind.CONNECT, EventKind.SEND, EventKind.RECV]
    times = [e.t for e in ex.transcript.events]
    assert times == sorted(times)
    assert times[0] >= ex.transcript.started
    t = ex.timings
    for phase in (t.dns, t.connect, t.send, t.ttfb, t.receive, t.total):
        assert phase is not None and phase >= 0
    assert t.tls is None
    assert t.total is not None and t.total >= (t.connect or 0) + (t.send or 0)


def test_a_large_response_is_recorded_whole_and_spills(serve: Serve) -> None:
    """A 3 MiB body read 64 KiB at a time is recorded byte for byte, spilled to disk."""
    body = bytes(range(251)) * (3 * 1024 * 1024 // 251)
    reply = ok(body)
    srv = serve([read_request(), write(reply)])
    opts = replace(FAST, read_size=65536, spill_threshold=1024 * 1024)
    ex = send(get(srv.url + "/big"), opts)
    assert ex.error is None
    assert ex.transcript.received.spilled
    assert ex.transcript.received.read() == reply
    assert ex.response_body() == body
    recvs = _events(ex.transcript, EventKind.RECV)
    assert all(size <= 65536 for _, _, size in recvs)
    _assert_contiguous(recvs, len(reply))


def _raw(srv: ScriptedServer, raw: bytes, client: Client) -> Exchange:
    return client.send(RequestSpec(url=srv.url + "/", raw=raw))


def test_raw_mode_sends_malformed_bytes_exactly(serve: Serve, client: Client) -> None:
    """A raw request with bare LFs, odd spacing and no Host reaches the server byte for byte."""
    raw = b"GET  /raw?x=%zz HTTP/1.1\nX-Odd :  spaced \t\nx-lower: a\x01b\n\n"
    srv = serve([read_head(), write(ok())])
    ex = _raw(srv, raw, client)
    assert ex.error is None
    assert srv.connection(0).received == raw
    assert ex.transcript.sent.read() == raw


def test_raw_mode_sends_a_body_and_garbage_exactly(serve: Serve, client: Client) -> None:
    """Raw bytes that are not HTTP at all are still sent unchanged, and the answer is read."""
    raw = b"\x00\xffNOT HTTP\r\n\r\nand a tail without framing"
    srv = serve(
        [read_until(b"framing"), write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")]
    )
    ex = _raw(srv, raw, client)
    assert ex.response is not None and ex.response.status == 400
    assert srv.connection(0).received == raw
