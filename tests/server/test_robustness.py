"""Connections: concurrency, keep-alive, limits, bad requests, early disconnects, stop()."""

from __future__ import annotations

import http.client
import json
import socket
import struct
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from inspector.server import ServerHandle, start_server
from tests.server.helpers import ResponseReader, exchange, get, recv_until_eof, wait_for

Connect = Callable[[], socket.socket]


def _status_and_fields(data: bytes) -> tuple[int, bytes]:
    head = data.partition(b"\r\n\r\n")[0]
    return int(head.split(b" ", 2)[1]), head


def _still_serving(server: ServerHandle) -> bool:
    return exchange(server, get("/status/200")).startswith(b"HTTP/1.1 200 OK\r\n")


def test_twenty_parallel_keep_alive_clients(server: ServerHandle) -> None:
    """20 clients at once, 5 requests each on their own connection, all answered correctly."""
    barrier = threading.Barrier(20)

    def one_client(i: int) -> list[tuple[int, str, int]]:
        conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
        try:
            conn.connect()
            barrier.wait(timeout=10)
            out = []
            for j in range(5):
                conn.request("GET", f"/get?client={i}&n={j}")
                doc = json.loads(conn.getresponse().read())
                out.append((i, doc["args"]["n"], doc["connection"]["request_number"]))
            return out
        finally:
            conn.close()

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(one_client, range(20)))
    assert results == [[(i, str(j), j + 1) for j in range(5)] for i in range(20)]


def test_http10_closes_unless_keep_alive_is_asked(server: ServerHandle, connect: Connect) -> None:
    """HTTP/1.0 gets Connection: close by default, and keep-alive only when it asks for it."""
    status, head = _status_and_fields(exchange(server, get("/get", version="1.0", close=False)))
    assert status == 200 and b"\r\nConnection: close" in head
    sock = connect()
    sock.sendall(get("/get", "Connection: keep-alive", version="1.0", close=False) * 2)
    reader = ResponseReader(sock)
    for _ in range(2):
        assert reader.read().header(b"connection") == b"keep-alive"


def test_connection_close_is_honoured(connect: Connect) -> None:
    """After a request with Connection: close, the response says so and the server closes."""
    sock = connect()
    sock.sendall(get("/get") + get("/get"))
    reader = ResponseReader(sock)
    assert reader.read().header(b"connection") == b"close"
    with pytest.raises(EOFError):
        reader.read()  # the pipelined second request is not answered


def test_many_requests_on_one_connection(connect: Connect) -> None:
    """200 pipelined requests on one connection are all answered, in order."""
    sock = connect()
    sock.sendall(b"".join(get(f"/anything?i={i}", close=False) for i in range(200)))
    reader = ResponseReader(sock)
    numbers = [reader.read().json()["connection"]["request_number"] for _ in range(200)]
    assert numbers == list(range(1, 201))


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"NOT A VALID REQUEST LINE\r\n\r\n", 400),
        (b"GET /get\r\n\r\n", 400),
        (b"GET /get HTTP/1.1\r\nHost : test\r\n\r\n", 400),
        (b"GET /get HTTP/1.1\r\nNo colon here\r\n\r\n", 400),
        (b"GET /get HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400),
        (b"GET /get HTTP/1.1\r\nHost: a\x00b\r\n\r\n", 400),
        (b"GET /a\x1bb HTTP/1.1\r\n\r\n", 400),
        (b"GET /get HTTP/1.1\r\n  folded-first: x\r\n\r\n", 400),
        (b"G(ET /get HTTP/1.1\r\n\r\n", 400),
        (b"GET /get HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400),
        (b"GET /get HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        (b"POST /post HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        (b"POST /post HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
        (b"POST /post HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
        (b"GET /get HTTP/2.0\r\n\r\n", 505),
    ],
)
def test_malformed_request_gets_an_error_and_the_server_carries_on(
    server: ServerHandle, request_bytes: bytes, status: int
) -> None:
    """A malformed request gets a JSON error with Connection: close, then the server serves on."""
    data = exchange(server, request_bytes)
    got, head = _status_and_fields(data)
    assert got == status
    assert b"\r\nConnection: close" in head
    assert json.loads(data.partition(b"\r\n\r\n")[2])["status"] == status
    assert _still_serving(server)


def test_endless_empty_lines_are_refused(small_server: ServerHandle) -> None:
    """Empty lines before a request line are skipped, but not without limit."""
    with socket.create_connection((small_server.host, small_server.port), timeout=5) as sock:
        sock.sendall(b"\r\n" * 3000)
        data, _ = recv_until_eof(sock)
    assert _status_and_fields(data)[0] == 400


def test_head_over_the_limit_gets_431(small_server: ServerHandle) -> None:
    """A request head over max_head is refused with 431; the server serves on."""
    data = exchange(small_server, get("/get", "X-Big: " + "a" * 3000))
    assert _status_and_fields(data)[0] == 431
    assert _still_serving(small_server)


def test_head_that_never_ends_gets_431(small_server: ServerHandle) -> None:
    """A head with no end in sight is refused once it passes the limit, without waiting for more."""
    with socket.create_connection((small_server.host, small_server.port), timeout=5) as sock:
        sock.sendall(b"GET /get HTTP/1.1\r\nX-Big: " + b"a" * 3000)
        data, _ = recv_until_eof(sock)
    assert _status_and_fields(data)[0] == 431


def test_body_over_the_limit_gets_413(small_server: ServerHandle) -> None:
    """A Content-Length over max_body gets 413 (even while the client is still sending)."""
    with socket.create_connection((small_server.host, small_server.port), timeout=5) as sock:
        sock.sendall(b"POST /post HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n")
        sock.sendall(b"x" * 20000)
        data, _ = recv_until_eof(sock)
    assert _status_and_fields(data)[0] == 413
    assert _still_serving(small_server)


def test_chunked_body_over_the_limit_gets_413(small_server: ServerHandle) -> None:
    """A chunked body that grows past max_body gets 413."""
    request = b"POST /post HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
    request += b"800\r\n" + b"x" * 0x800 + b"\r\n"
    request += b"800\r\n" + b"x" * 0x800 + b"\r\n"
    request += b"800\r\n" + b"x" * 0x800 + b"\r\n0\r\n\r\n"
    assert _status_and_fields(exchange(small_server, request))[0] == 413
    assert _still_serving(small_server)


def test_body_at_the_limit_is_accepted(small_server: ServerHandle) -> None:
    """Exactly max_body bytes is fine."""
    data = exchange(
        small_server,
        b"POST /post HTTP/1.1\r\nHost: t\r\nContent-Length: 4096\r\nConnection: close\r\n\r\n"
        + b"y" * 4096,
    )
    assert json.loads(data.partition(b"\r\n\r\n")[2])["body"]["size"] == 4096


def test_stalled_request_gets_408(small_server: ServerHandle) -> None:
    """A request that stops arriving halfway gets 408 once the I/O timeout passes."""
    with socket.create_connection((small_server.host, small_server.port), timeout=5) as sock:
        sock.sendall(b"GET /get HTTP/1.1\r\nHost: t\r\n")
        data, _ = recv_until_eof(sock)
    assert _status_and_fields(data)[0] == 408


def test_idle_keep_alive_connection_times_out(small_server: ServerHandle) -> None:
    """An idle keep-alive connection is closed, silently, after the idle timeout."""
    with socket.create_connection((small_server.host, small_server.port), timeout=5) as sock:
        sock.sendall(get("/status/204", close=False))
        data, _ = recv_until_eof(sock)
    assert data.startswith(b"HTTP/1.1 204 No Content\r\n")
    assert data.endswith(b"\r\n\r\n")  # nothing after the response: just the close
    assert wait_for(lambda: small_server.open_connections == 0)


def test_stray_crlf_after_a_body_is_not_a_request(small_server: ServerHandle) -> None:
    """An extra CRLF after a body (old clients send one) is ignored: idle close, no 408."""
    with socket.create_connection((small_server.host, small_server.port), timeout=5) as sock:
        sock.sendall(b"POST /post HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx\r\n")
        data, _ = recv_until_eof(sock)
    assert data.count(b"HTTP/1.1 ") == 1
    assert data.startswith(b"HTTP/1.1 200 OK\r\n")


def test_client_that_disconnects_early_does_not_hurt(server: ServerHandle) -> None:
    """Clients vanishing mid-response, mid-request or right after connecting leave it serving."""
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(get("/bytes/1000000000"))
        assert sock.recv(65536)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(b"POST /post HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc")
    socket.create_connection((server.host, server.port), timeout=5).close()
    assert wait_for(lambda: server.open_connections == 0)
    assert _still_serving(server)


def test_unknown_path_is_404(client: http.client.HTTPConnection) -> None:
    """A path no endpoint serves is a JSON 404 that points at /."""
    client.request("GET", "/no/such/thing")
    resp = client.getresponse()
    assert resp.status == 404
    assert "GET /" in json.loads(resp.read())["error"]


def test_stop_closes_open_connections_and_ends_threads() -> None:
    """stop() closes the listener and every connection, busy or idle, and joins the threads."""
    handle = start_server()
    idle = socket.create_connection((handle.host, handle.port), timeout=5)
    busy = socket.create_connection((handle.host, handle.port), timeout=5)
    try:
        idle.sendall(get("/status/204", close=False))
        assert idle.recv(65536).startswith(b"HTTP/1.1 204")
        busy.sendall(get("/endless?delay=0.01"))
        assert busy.recv(65536)
        assert handle.open_connections == 2
        handle.stop()
        assert handle.stopped
        assert recv_until_eof(idle)[0] == b""
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((handle.host, handle.port), timeout=5).close()
        assert handle.open_connections == 0
        port = handle.port
        assert not [
            t.name
            for t in threading.enumerate()
            if t.name == f"inspector-server-{port}" or t.name.startswith(f"inspector-conn-{port}-")
        ]
    finally:
        idle.close()
        busy.close()
        handle.stop()


def test_context_manager_and_url() -> None:
    """The handle works as a context manager and its URL names the bound port."""
    with start_server() as handle:
        assert handle.url == f"http://127.0.0.1:{handle.port}"
        assert handle.port > 0 and handle.ca_path is None
        assert _still_serving(handle)
    assert handle.stopped
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", handle.port), timeout=5).close()
