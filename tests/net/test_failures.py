"""Timeouts, cancel, reset, early close, refusal and limits: each an outcome, partial bytes kept."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from inspector.model import ErrorKind, EventKind, Exchange, RequestSpec
from inspector.net import CancelToken, Client, SendOptions, send
from tests.net.helpers import FAST, get, ok
from tests.scripted import (
    ScriptedServer,
    close,
    pause,
    pieces,
    read_head,
    read_request,
    reset,
    stall,
    write,
)

Serve = Callable[..., ScriptedServer]
HEAD_1000 = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"


def _timed(
    spec: RequestSpec, opts: SendOptions, cancel: CancelToken | None = None
) -> tuple[Exchange, float]:
    t0 = time.monotonic()
    ex = send(spec, opts, cancel)
    return ex, time.monotonic() - t0


def _kind(ex: Exchange) -> ErrorKind | None:
    return ex.error.kind if ex.error else None


def _event_kinds(ex: Exchange) -> list[EventKind]:
    return [e.kind for e in ex.transcript.events]


@pytest.fixture
def full_backlog() -> Iterator[int]:
    """A loopback port whose listen backlog is full, so a new connect() hangs (or skip)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    filling: list[socket.socket] = []
    try:
        for _ in range(16):
            sock = socket.socket()
            sock.settimeout(0.2)
            try:
                sock.connect(listener.getsockname())
            except TimeoutError:
                sock.close()
                break
            filling.append(sock)
        else:
            pytest.skip("the kernel accepts every connect() even with a full backlog")
        yield listener.getsockname()[1]
    finally:
        for sock in filling:
            sock.close()
        listener.close()


def test_connect_timeout(full_backlog: int) -> None:
    """A connect that gets no answer ends with CONNECT_TIMEOUT; the DNS step is kept."""
    opts = replace(FAST, connect_timeout=0.3)
    ex, elapsed = _timed(get(f"http://127.0.0.1:{full_backlog}/"), opts)
    assert _kind(ex) is ErrorKind.CONNECT_TIMEOUT
    assert ex.error is not None and "timed out" in ex.error.message
    assert elapsed < 5 * 0.3
    assert ex.response is None
    # The connection panel says how far it got: the address tried, never connected.
    assert ex.connection is not None
    assert ex.connection.closed_by == "not-connected" and ex.connection.remote == ""
    assert ex.connection.addresses_tried == (f"127.0.0.1:{full_backlog}",)
    assert _event_kinds(ex)[0] is EventKind.DNS
    assert EventKind.ERROR in _event_kinds(ex)
    assert len(ex.transcript.sent) == 0


def test_total_timeout_bounds_the_connect(full_backlog: int) -> None:
    """The total timeout covers connecting: a 10 s connect timeout ends at the 0.3 s total one."""
    opts = replace(FAST, connect_timeout=10.0, total_timeout=0.3)
    ex, elapsed = _timed(get(f"http://127.0.0.1:{full_backlog}/"), opts)
    assert _kind(ex) is ErrorKind.TIMEOUT
    assert ex.error is not None and "total timeout" in ex.error.message
    assert elapsed < 5 * 0.3


def test_read_timeout_before_the_head(serve: Serve) -> None:
    """A server that stalls after the request: READ_TIMEOUT, request kept, closed by timeout."""
    srv = serve([read_request(), stall()])
    ex, elapsed = _timed(get(srv.url + "/"), replace(FAST, read_timeout=0.3))
    assert _kind(ex) is ErrorKind.READ_TIMEOUT
    assert elapsed < 5 * 0.3
    assert ex.response is None
    assert ex.transcript.sent.read() == srv.connection(0).received
    assert ex.connection is not None and ex.connection.closed_by == "timeout"
    assert srv.connection(0).ended == "client-closed"


def test_read_timeout_after_the_head(serve: Serve) -> None:
    """A server that stalls mid-body: READ_TIMEOUT with the head and partial body kept."""
    srv = serve([read_request(), write(HEAD_1000 + b"partial"), stall()])
    ex, elapsed = _timed(get(srv.url + "/"), replace(FAST, read_timeout=0.3))
    assert _kind(ex) is ErrorKind.READ_TIMEOUT
    assert elapsed < 5 * 0.3
    assert ex.transcript.received.read() == HEAD_1000 + b"partial"
    assert ex.response is not None and ex.response.status == 200
    assert ex.response_body() == b"partial"
    assert ex.connection is not None and ex.connection.closed_by == "timeout"


def test_read_timeout_is_per_read_not_per_exchange(serve: Serve) -> None:
    """A response slower in total than the read timeout, but never idle that long, completes."""
    reply = ok(b"x" * 20)
    srv = serve([read_request(), pieces(reply, 8, 0.1)])
    ex = send(get(srv.url + "/"), replace(FAST, read_timeout=0.4))
    assert ex.error is None
    assert ex.timings.total is not None and ex.timings.total > 0.4
    assert ex.response_body() == b"x" * 20


def _trickle(serve: Serve) -> ScriptedServer:
    return serve([read_request(), pieces(HEAD_1000 + b"y" * 1000, 1, 0.02)])


def test_total_timeout_stops_a_trickle(serve: Serve) -> None:
    """Each read is quick, but total_timeout ends the exchange, keeping what arrived."""
    srv = _trickle(serve)
    ex, elapsed = _timed(get(srv.url + "/"), replace(FAST, read_timeout=2.0, total_timeout=0.5))
    assert ex.error is not None
    assert 0.5 <= elapsed < 5 * 0.5
    received = ex.transcript.received.read()
    assert 0 < len(received) < len(HEAD_1000) + 1000
    assert (HEAD_1000 + b"y" * 1000).startswith(received)
    assert ex.connection is not None and ex.connection.closed_by == "timeout"


def test_total_timeout_is_reported_as_timeout(serve: Serve) -> None:
    """When total_timeout (not the 2 s idle read timeout) ends the exchange, the kind is TIMEOUT."""
    # A piece every 0.3 s: the total timeout (0.5 s) passes while a read waits for the next.
    srv = serve([read_request(), pieces(HEAD_1000 + b"y" * 1000, 10, 0.3)])
    ex = send(get(srv.url + "/"), replace(FAST, read_timeout=2.0, total_timeout=0.5))
    assert ex.connection is not None and ex.connection.closed_by == "timeout"
    assert _kind(ex) is ErrorKind.TIMEOUT


def _cancel_later(token: CancelToken, delay: float) -> threading.Timer:
    timer = threading.Timer(delay, token.cancel)
    timer.start()
    return timer


def test_cancel_mid_body_returns_promptly_with_what_arrived(serve: Serve) -> None:
    """cancel() from another thread while the server stalls mid-body: CANCELLED, bytes kept."""
    srv = serve([read_request(), write(HEAD_1000 + b"abc"), stall()])
    token = CancelToken()
    thread = _cancel_later(token, 0.3)
    ex, elapsed = _timed(get(srv.url + "/"), replace(FAST, read_timeout=10.0), token)
    thread.join()
    assert _kind(ex) is ErrorKind.CANCELLED
    assert elapsed < 5.0  # far below the 10 s read timeout
    assert ex.response_body() == b"abc"
    assert ex.transcript.received.read() == HEAD_1000 + b"abc"
    assert ex.connection is not None and ex.connection.closed_by == "client"
    assert srv.connection(0).ended == "client-closed"


def test_cancel_before_the_head(serve: Serve) -> None:
    """cancel() while waiting for the first byte: CANCELLED, no response, request kept."""
    srv = serve([read_request(), stall()])
    token = CancelToken()
    thread = _cancel_later(token, 0.2)
    ex, elapsed = _timed(get(srv.url + "/"), replace(FAST, read_timeout=10.0), token)
    thread.join()
    assert _kind(ex) is ErrorKind.CANCELLED
    assert elapsed < 5.0
    assert ex.response is None
    assert len(ex.transcript.sent) > 0


def test_a_token_cancelled_beforehand_sends_nothing(serve: Serve) -> None:
    """An already-cancelled token stops the exchange before a byte is written."""
    srv = serve([read_request(), write(ok())])
    token = CancelToken()
    token.cancel()
    ex = send(get(srv.url + "/"), FAST, token)
    assert _kind(ex) is ErrorKind.CANCELLED
    assert len(ex.transcript.sent) == 0
    assert srv.accepted == 0


def test_cancel_during_connect(full_backlog: int) -> None:
    """cancel() while connect() waits for an answer: CANCELLED long before the connect timeout."""
    token = CancelToken()
    thread = _cancel_later(token, 0.2)
    spec = get(f"http://127.0.0.1:{full_backlog}/")
    ex, elapsed = _timed(spec, replace(FAST, connect_timeout=10.0), token)
    thread.join()
    assert _kind(ex) is ErrorKind.CANCELLED
    assert elapsed < 5.0
    assert ex.response is None


def _early_answer(serve: Serve) -> tuple[ScriptedServer, Exchange, bytes]:
    answer = b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    srv = serve([read_head(), write(answer), pause(0.2), reset()])
    body = b"b" * (32 << 20)
    spec = get(srv.url + "/up", (b"Content-Length", str(len(body)).encode()), method=b"POST")
    ex = send(replace(spec, body=body), FAST)
    return srv, ex, answer


def test_an_answer_before_the_upload_ends_is_read(serve: Serve) -> None:
    """The server answers 413 and resets mid-upload: the send fails, the 413 is still read."""
    srv, ex, answer = _early_answer(serve)
    assert ex.error is None, ex.error
    assert ex.response is not None and ex.response.status == 413
    assert ex.transcript.received.read() == answer
    assert 0 < len(ex.transcript.sent) < 32 << 20
    errors = [e.detail for e in ex.transcript.events if e.kind is EventKind.ERROR]
    assert errors and "during send" in errors[0]


def test_a_reset_during_the_upload_is_closed_by_server_rst(serve: Serve) -> None:
    """When an RST ends the upload, the connection info says the server reset it."""
    _, ex, _ = _early_answer(serve)
    assert ex.connection is not None and ex.connection.closed_by == "server-rst"


def test_reset_mid_body(serve: Serve) -> None:
    """An RST after 100 of 1000 body bytes: RESET, the 100 bytes kept, closed by server-rst."""
    srv = serve([read_request(), write(HEAD_1000 + b"r" * 100), pause(0.2), reset()])
    ex = send(get(srv.url + "/"), FAST)
    assert _kind(ex) is ErrorKind.RESET
    assert ex.response_body() == b"r" * 100
    assert ex.connection is not None and ex.connection.closed_by == "server-rst"
    assert EventKind.ERROR in _event_kinds(ex)


def test_reset_before_any_byte(serve: Serve) -> None:
    """An RST in answer to the request: RESET and no response."""
    srv = serve([read_request(), reset()])
    ex = send(get(srv.url + "/"), FAST)
    assert _kind(ex) is ErrorKind.RESET
    assert ex.response is None
    assert ex.connection is not None and ex.connection.closed_by == "server-rst"


def test_fin_before_the_body_is_complete(serve: Serve) -> None:
    """A FIN after 100 of 1000 body bytes: INCOMPLETE, partial body kept, closed by server-fin."""
    srv = serve([read_request(), write(HEAD_1000 + b"f" * 100), close()])
    ex = send(get(srv.url + "/"), FAST)
    assert _kind(ex) is ErrorKind.INCOMPLETE
    assert ex.response_body() == b"f" * 100
    assert "incomplete-body" in {a.code for a in ex.anomalies}
    assert ex.connection is not None and ex.connection.closed_by == "server-fin"
    assert EventKind.EOF in _event_kinds(ex)


def test_fin_before_any_byte(serve: Serve) -> None:
    """A FIN in answer to the request: INCOMPLETE, no response, closed by server-fin."""
    srv = serve([read_request(), close()])
    ex = send(get(srv.url + "/"), FAST)
    assert _kind(ex) is ErrorKind.INCOMPLETE
    assert ex.response is None
    assert ex.connection is not None and ex.connection.closed_by == "server-fin"


def test_fin_inside_the_head(serve: Serve) -> None:
    """A FIN in the middle of the head: INCOMPLETE with the head bytes kept."""
    srv = serve([read_request(), write(b"HTTP/1.1 200 OK\r\nContent-Le"), close()])
    ex = send(get(srv.url + "/"), FAST)
    assert _kind(ex) is ErrorKind.INCOMPLETE
    assert ex.transcript.received.read() == b"HTTP/1.1 200 OK\r\nContent-Le"


def test_refused() -> None:
    """A port that was just closed refuses: REFUSED, no response, no connection."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    ex = send(get(f"http://127.0.0.1:{port}/"), FAST)
    assert _kind(ex) is ErrorKind.REFUSED
    assert ex.error is not None and f"127.0.0.1:{port}" in ex.error.message
    assert ex.response is None
    assert ex.connection is not None and ex.connection.closed_by == "not-connected"
    assert ex.connection.addresses_tried == (f"127.0.0.1:{port}",)
    assert EventKind.ERROR in _event_kinds(ex)


def test_body_limit_keeps_exactly_max_body_bytes(serve: Serve) -> None:
    """A Content-Length body beyond max_body stops with LIMIT and exactly max_body bytes."""
    body = bytes(range(256)) * 40
    srv = serve([read_request(), write(ok(body))])
    ex = send(get(srv.url + "/"), replace(FAST, max_body=1000, keep_body=True))
    assert _kind(ex) is ErrorKind.LIMIT
    assert ex.response is not None and ex.response.body_size == 1000
    assert ex.response_body() == body[:1000]
    assert "body-too-large" in {a.code for a in ex.anomalies}


def test_a_close_delimited_endless_body_stops_at_the_limit(serve: Serve) -> None:
    """A body that never ends is cut at max_body; the client closes the connection."""
    head = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
    srv = serve([read_request(), write(head), pieces(b"e" * 10_000_000, 65536, 0.0)])
    ex = send(get(srv.url + "/"), replace(FAST, max_body=300_000))
    assert _kind(ex) is ErrorKind.LIMIT
    assert ex.response is not None and ex.response.body_size == 300_000
    assert ex.response_body() == b"e" * 300_000
    assert ex.connection is not None and ex.connection.closed_by == "client"


def test_a_body_of_exactly_max_body_is_complete(serve: Serve) -> None:
    """The limit is inclusive: a body of exactly max_body bytes is not an error."""
    srv = serve([read_request(), write(ok(b"z" * 1000))])
    ex = send(get(srv.url + "/"), replace(FAST, max_body=1000))
    assert ex.error is None
    assert ex.response_body() == b"z" * 1000


@pytest.mark.parametrize(
    ("spec", "opts"),
    [
        (RequestSpec(url="ftp://127.0.0.1/"), FAST),
        (RequestSpec(url="http://127.0.0.1:99999/"), FAST),
        (RequestSpec(url="http://127.0.0.1:1/"), replace(FAST, proxy="socks5://127.0.0.1:1")),
    ],
    ids=["scheme", "port", "proxy"],
)
def test_bad_input_is_an_invalid_request(spec: RequestSpec, opts: SendOptions) -> None:
    """A bad URL or proxy setting is INVALID_REQUEST, never an exception."""
    ex = send(spec, opts)
    assert _kind(ex) is ErrorKind.INVALID_REQUEST
    assert ex.response is None


def test_localhost_resolves_and_every_address_is_recorded(serve: Serve) -> None:
    """'localhost' is resolved with getaddrinfo; the addresses tried and the one used are kept."""
    infos = socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)
    if not any(info[4][0] == "127.0.0.1" for info in infos):
        pytest.skip("localhost does not resolve to 127.0.0.1 here")
    srv = serve([read_request(), write(ok())])
    with Client(FAST) as client:
        ex = client.send(get(f"http://localhost:{srv.port}/"))
    assert ex.error is None
    assert ex.connection is not None
    assert ex.connection.remote == f"127.0.0.1:{srv.port}"
    assert f"127.0.0.1:{srv.port}" in ex.connection.addresses_tried
    failed = ex.connection.addresses_tried.index(f"127.0.0.1:{srv.port}")
    errors = [e for e in ex.transcript.events if e.kind is EventKind.ERROR]
    assert len(errors) == failed  # each address tried before the one that worked failed
