"""Fixtures for the client's tests: scripted and built-in servers, a test CA (loopback only)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from inspector.net import Client
from inspector.server import ServerHandle, start_server
from tests.net.helpers import FAST, LocalCA
from tests.scripted import Script, ScriptedServer


@pytest.fixture
def serve() -> Iterator[Callable[..., ScriptedServer]]:
    """Start scripted servers (``serve(script, ..., tls=ctx)``); all stopped at teardown."""
    servers: list[ScriptedServer] = []

    def start(*scripts: Script, **kwargs: Any) -> ScriptedServer:
        server = ScriptedServer(*scripts, **kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def client() -> Iterator[Client]:
    """A Client with short timeouts, closed at teardown."""
    with Client(FAST) as c:
        yield c


@pytest.fixture(scope="module")
def builtin() -> Iterator[ServerHandle]:
    """The built-in server on 127.0.0.1 (plain HTTP)."""
    handle = start_server("127.0.0.1")
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def local_ca(tmp_path_factory: pytest.TempPathFactory) -> LocalCA:
    """A certificate authority made for this test run."""
    ca = trustme.CA()
    path: Path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return LocalCA(ca, str(path))
