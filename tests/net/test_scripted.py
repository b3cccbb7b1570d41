"""The scripted loopback server itself (tests/scripted.py), checked with plain sockets."""

from __future__ import annotations

import socket
import time

import pytest

from tests.scripted import (
    Script,
    ScriptedServer,
    close,
    pause,
    pieces,
    read_head,
    read_request,
    read_until,
    reset,
    stall,
    write,
)


def _connect(srv: ScriptedServer) -> socket.socket:
    return socket.create_connection((srv.host, srv.port), timeout=5)


def _read_all(sock: socket.socket) -> tuple[bytes, list[int]]:
    data, sizes = b"", []
    while piece := sock.recv(65536):
        data += piece
        sizes.append(len(piece))
    return data, sizes


def test_it_records_each_recv_and_what_each_read_step_consumed() -> None:
    """Bytes sent in two parts with a pause are two recv() calls and one request."""
    with ScriptedServer([read_head(), write(b"done")]) as srv, _connect(srv) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\n")
        time.sleep(0.1)
        sock.sendall(b"\r\n")
        assert _read_all(sock)[0] == b"done"
        conn = srv.connection(0)
    assert conn.received == b"GET / HTTP/1.1\r\n\r\n"
    assert conn.recv_sizes == [16, 2]
    assert conn.requests == [b"GET / HTTP/1.1\r\n\r\n"]
    assert conn.sent == b"done"
    assert conn.ended == "closed"


def test_read_request_takes_the_content_length_body_and_keeps_the_rest() -> None:
    """A request with a body, then a second request in the same write, are read apart."""
    first = b"POST / HTTP/1.1\r\nContent-length: 3\r\n\r\nabc"
    second = b"GET /2 HTTP/1.1\r\n\r\n"
    script: Script = [read_request(), write(b"1"), read_request(), write(b"2")]
    with ScriptedServer(script) as srv, _connect(srv) as sock:
        sock.sendall(first + second)
        assert _read_all(sock)[0] == b"12"
        assert srv.connection(0).requests == [first, second]


def test_pieces_are_written_apart() -> None:
    """pieces() writes with pauses, so a reader sees the pieces in separate reads."""
    with ScriptedServer([read_until(b"go"), pieces(b"abcdef", 2, 0.05)]) as srv:
        with _connect(srv) as sock:
            sock.sendall(b"go")
            assert _read_all(sock) == (b"abcdef", [2, 2, 2])


def test_reset_sends_an_rst() -> None:
    """reset() aborts: the peer's recv() fails with ECONNRESET."""
    with ScriptedServer([read_until(b"x"), reset()]) as srv, _connect(srv) as sock:
        sock.sendall(b"x")
        srv.connection(0)
        with pytest.raises(ConnectionResetError):
            sock.recv(10)
        assert srv.connection(0).ended == "reset"


def test_close_sends_a_fin_after_the_bytes() -> None:
    """close() is a clean end: the bytes, then EOF."""
    with ScriptedServer([write(b"bye"), close()]) as srv, _connect(srv) as sock:
        assert _read_all(sock)[0] == b"bye"


def test_stall_holds_until_the_client_closes_and_records_what_came() -> None:
    """stall() writes nothing, keeps reading, and ends when the client closes."""
    with ScriptedServer([stall()]) as srv:
        with _connect(srv) as sock:
            sock.sendall(b"late bytes")
            sock.settimeout(0.2)
            with pytest.raises(TimeoutError):
                sock.recv(10)
        conn = srv.connection(0)
    assert conn.received == b"late bytes"
    assert conn.ended == "client-closed"


def test_stop_ends_stalled_and_pausing_connections_promptly() -> None:
    """stop() wakes every thread, even in a long stall or pause, and they all end."""
    srv = ScriptedServer([stall()], [pause(60)])
    a, b = _connect(srv), _connect(srv)
    try:
        while srv.accepted < 2:
            time.sleep(0.01)
        t0 = time.monotonic()
        srv.stop()
        assert time.monotonic() - t0 < 5
        assert [c.ended for c in srv.connections] == ["stopped", "stopped"]
        assert all(c.done.is_set() for c in srv.connections)
    finally:
        a.close()
        b.close()


def test_each_connection_plays_its_own_script_and_the_last_repeats() -> None:
    """Connection i plays script i; later connections play the last script."""
    with ScriptedServer([write(b"first")], [write(b"other")]) as srv:
        got = []
        for _ in range(3):
            with _connect(srv) as sock:
                got.append(_read_all(sock)[0])
        assert got == [b"first", b"other", b"other"]
        assert srv.accepted == 3


def test_only_loopback_addresses_are_allowed() -> None:
    """The server refuses to listen anywhere but 127.0.0.1 or ::1."""
    with pytest.raises(ValueError, match="loopback"):
        ScriptedServer([stall()], host="0.0.0.0")
