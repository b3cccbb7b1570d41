"""RecordingSocket and Connection on their own: recording, timeouts, liveness, reuse info."""

from __future__ import annotations

import socket

from inspector.model import ConnectionInfo, EventKind, Transcript
from inspector.net.connection import Connection
from inspector.net.recorder import RecordingSocket


class _Partial:
    """A socket whose send() takes at most ``most`` bytes, and that counts settimeout calls."""

    def __init__(self, most: int) -> None:
        self.most = most
        self.timeout: float | None = None
        self.settimeout_calls = 0

    def send(self, data: bytes | memoryview) -> int:
        return min(self.most, len(data))

    def gettimeout(self) -> float | None:
        return self.timeout

    def settimeout(self, timeout: float | None) -> None:
        self.settimeout_calls += 1
        self.timeout = timeout


def _sends(tr: Transcript) -> list[tuple[int, int]]:
    return [(e.offset, e.size) for e in tr.events if e.kind is EventKind.SEND]


def test_each_partial_send_is_one_event_with_its_bytes() -> None:
    """A send() that takes part of the data is recorded as it was; the rest follows in order."""
    tr = Transcript()
    rsock = RecordingSocket(_Partial(4), tr)  # type: ignore[arg-type]
    rsock.sendall(b"0123456789")
    assert _sends(tr) == [(0, 4), (4, 4), (8, 2)]
    assert tr.sent.read() == b"0123456789"


def test_a_whole_send_is_one_event_and_nothing_is_recorded_for_no_bytes() -> None:
    """The common case records one event; an empty write calls send() not at all."""
    tr = Transcript()
    rsock = RecordingSocket(_Partial(100), tr)  # type: ignore[arg-type]
    rsock.sendall(b"")
    rsock.sendall(memoryview(b"abc"))
    assert _sends(tr) == [(0, 3)]
    assert tr.sent.read() == b"abc"


def test_settimeout_skips_only_unchanged_values() -> None:
    """The same timeout again costs no call; a new one, or one set behind our back, is applied."""
    sock = _Partial(1)
    rsock = RecordingSocket(sock, Transcript())  # type: ignore[arg-type]
    rsock.settimeout(5.0)
    rsock.settimeout(5.0)
    assert sock.settimeout_calls == 1
    sock.timeout = None  # as when a library sets the socket's timeout itself
    rsock.settimeout(5.0)
    rsock.settimeout(2.5)
    assert sock.settimeout_calls == 3 and sock.timeout == 2.5


def test_settimeout_reaches_a_real_socket() -> None:
    """On a real socket the skipped call changes nothing: the timeout is the one asked for."""
    a, b = socket.socketpair()
    with a, b:
        rsock = RecordingSocket(a, Transcript())
        for timeout in (3.0, 3.0, None, 0.5, 0.5):
            rsock.settimeout(timeout)
            assert a.gettimeout() == timeout


def test_alive_sees_stray_bytes_eof_and_a_closed_socket() -> None:
    """An idle connection is alive only while nothing is readable and its socket is open."""
    a, b = socket.socketpair()
    with a, b:
        conn = Connection(
            1, ("http", "h", 80, None), RecordingSocket(a, Transcript()), "", "", (), None
        )
        assert conn.alive() and conn.alive()  # the poll object made once is reused
        b.sendall(b"x")
        assert not conn.alive()
        a.recv(1)
        assert conn.alive()
        b.shutdown(socket.SHUT_WR)
        assert not conn.alive()
        conn.close()
        assert not conn.alive()


def test_connection_info_of_reuse_is_made_once_and_equals_a_fresh_one() -> None:
    """The ConnectionInfo every reusing exchange reports is one object with the right fields."""
    a, b = socket.socketpair()
    with a, b:
        rsock = RecordingSocket(a, Transcript())
        conn = Connection(7, ("http", "h", 80, "p"), rsock, "r:1", "l:2", ("r:1",), "p")
        assert conn.reused_info is conn.reused_info
        assert conn.reused_info == ConnectionInfo(7, True, "r:1", "l:2", ("r:1",), "open", "p")
