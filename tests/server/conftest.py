"""Fixtures for the built-in server's tests (loopback only)."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Callable, Iterator

import pytest

from inspector.server import ServerHandle, start_server
from tests.server.helpers import SMALL_LIMITS


@pytest.fixture
def server() -> Iterator[ServerHandle]:
    """A plain-HTTP server with the default limits, stopped at teardown."""
    handle = start_server()
    yield handle
    handle.stop()


@pytest.fixture
def small_server() -> Iterator[ServerHandle]:
    """A server with small size limits and short timeouts."""
    handle = start_server(limits=SMALL_LIMITS)
    yield handle
    handle.stop()


@pytest.fixture
def client(server: ServerHandle) -> Iterator[http.client.HTTPConnection]:
    """An http.client connection to ``server``."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    yield conn
    conn.close()


@pytest.fixture
def connect(server: ServerHandle) -> Iterator[Callable[[], socket.socket]]:
    """Open raw sockets to ``server``; all are closed at teardown."""
    opened: list[socket.socket] = []

    def open_one() -> socket.socket:
        sock = socket.create_connection((server.host, server.port), timeout=5)
        opened.append(sock)
        return sock

    yield open_one
    for sock in opened:
        sock.close()
