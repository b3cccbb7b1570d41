"""Keep-alive: one connection per origin is reused only when the previous exchange allows it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import pytest

from inspector.model import ErrorKind, Exchange
from inspector.net import Client
from tests.net.helpers import FAST, get, ok
from tests.scripted import (
    Script,
    ScriptedServer,
    close,
    pause,
    read_request,
    reset,
    stall,
    write,
)

Serve = Callable[..., ScriptedServer]
FRESH: Script = [read_request(), write(ok(b"fresh"))]
"""The script of a second connection: answer one request."""


def _two(
    srv: ScriptedServer, client: Client, wait_first: bool = False
) -> tuple[Exchange, Exchange]:
    first = client.send(get(srv.url + "/one"))
    if wait_first:
        srv.connection(0)
    second = client.send(get(srv.url + "/two"))
    return first, second


def _assert_new_connection(
    srv: ScriptedServer, first: Exchange, second: Exchange, first_kept: bool = False
) -> None:
    assert second.error is None, second.error
    assert second.response_body() == b"fresh"
    assert first.connection is not None and second.connection is not None
    assert (first.connection.closed_by == "open") is first_kept
    assert second.connection.reused is False
    assert second.connection.id != first.connection.id
    assert srv.accepted == 2
    assert srv.connection(1).requests == [second.transcript.sent.read()]


def test_two_requests_share_one_connection(serve: Serve, client: Client) -> None:
    """Two requests to one origin: one connection carrying both; the second says reused."""
    srv = serve([read_request(), write(ok(b"one")), read_request(), write(ok(b"two")), stall()])
    first, second = _two(srv, client)
    assert first.error is None and second.error is None
    assert first.connection is not None and second.connection is not None
    assert first.connection.reused is False and second.connection.reused is True
    assert first.connection.id == second.connection.id
    assert first.connection.closed_by == "open" and second.connection.closed_by == "open"
    assert first.connection.local == second.connection.local
    assert srv.accepted == 1
    # Each exchange's transcript holds its own bytes only.
    assert second.transcript.sent.read().startswith(b"GET /two ")
    assert second.transcript.received.read() == ok(b"two")
    client.close()
    conn = srv.connection(0)
    assert conn.requests == [first.transcript.sent.read(), second.transcript.sent.read()]
    assert conn.received == b"".join(conn.requests)
    assert conn.ended == "client-closed"


def test_a_reused_connection_has_no_dns_or_connect_phase(serve: Serve, client: Client) -> None:
    """Timings of a reused connection leave dns and connect empty; the first has them."""
    srv = serve([read_request(), write(ok()), read_request(), write(ok()), stall()])
    first, second = _two(srv, client)
    assert first.timings.dns is not None and first.timings.connect is not None
    assert second.timings.dns is None and second.timings.connect is None
    assert second.timings.ttfb is not None


@pytest.mark.parametrize(
    "reply",
    [
        ok(b"bye", b"Connection: close"),
        b"HTTP/1.1 200 OK\r\n\r\nclose-delimited body",
        b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ],
    ids=["connection-close", "close-delimited", "http10"],
)
def test_a_response_that_ends_the_connection_means_a_new_one(
    serve: Serve, client: Client, reply: bytes
) -> None:
    """After Connection: close, a close-delimited body, or HTTP/1.0, a new connection is opened."""
    srv = serve([read_request(), write(reply), close()], FRESH)
    first, second = _two(srv, client)
    assert first.error is None
    _assert_new_connection(srv, first, second)


def test_leftover_bytes_mean_a_new_connection(serve: Serve, client: Client) -> None:
    """Bytes past the end of the response make the connection unusable: a new one is opened."""
    srv = serve([read_request(), write(ok() + b"EXTRA"), stall()], FRESH)
    first, second = _two(srv, client)
    assert "leftover-bytes" in {a.code for a in first.anomalies}
    _assert_new_connection(srv, first, second)
    assert srv.connection(0).ended == "client-closed"


def test_the_client_asking_close_means_a_new_connection(serve: Serve, client: Client) -> None:
    """A request with Connection: close is not followed by reuse of its connection."""
    srv = serve([read_request(), write(ok()), stall()], FRESH)
    first = client.send(get(srv.url + "/one", (b"Connection", b"close")))
    second = client.send(get(srv.url + "/two"))
    _assert_new_connection(srv, first, second)


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", ErrorKind.READ_TIMEOUT),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", ErrorKind.PROTOCOL),
    ],
    ids=["timeout", "protocol"],
)
def test_an_error_means_a_new_connection(
    serve: Serve, client: Client, reply: bytes, kind: ErrorKind
) -> None:
    """After a failed exchange the connection is closed and the next request opens a new one."""
    srv = serve([read_request(), write(reply), stall()], FRESH)
    first = client.send(get(srv.url + "/one"), replace(FAST, read_timeout=0.3))
    second = client.send(get(srv.url + "/two"))
    assert first.error is not None and first.error.kind is kind
    _assert_new_connection(srv, first, second)


def test_an_idle_connection_closed_by_the_server_is_replaced(serve: Serve, client: Client) -> None:
    """The server closes the idle connection between requests: detected, a new one, no error."""
    srv = serve([read_request(), write(ok()), close()], FRESH)
    first, second = _two(srv, client, wait_first=True)
    assert first.error is None
    _assert_new_connection(srv, first, second, first_kept=True)


def test_an_idle_connection_reset_by_the_server_is_replaced(serve: Serve, client: Client) -> None:
    """An RST on the idle connection is detected too: a new connection, no error."""
    srv = serve([read_request(), write(ok()), reset()], FRESH)
    first, second = _two(srv, client, wait_first=True)
    _assert_new_connection(srv, first, second, first_kept=True)


def test_stray_bytes_on_an_idle_connection_mean_a_new_one(serve: Serve, client: Client) -> None:
    """Bytes that arrive while the connection is idle are not taken as the next response."""
    stray = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray"
    srv = serve([read_request(), write(ok()), pause(0.05), write(stray), stall()], FRESH)
    first = client.send(get(srv.url + "/one"))
    deadline = time.monotonic() + 5
    while not srv.connections[0].sent.endswith(stray) and time.monotonic() < deadline:
        time.sleep(0.01)
    second = client.send(get(srv.url + "/two"))
    _assert_new_connection(srv, first, second, first_kept=True)
