"""Shared fixtures: a private data folder for the whole run, and the built-in server."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from inspector.paths import ENV_DATA_DIR
from inspector.server import ServerHandle, start_server


@pytest.fixture(scope="session", autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Point INSPECTOR_DATA_DIR at a temporary folder (subprocesses inherit it)."""
    old = os.environ.get(ENV_DATA_DIR)
    os.environ[ENV_DATA_DIR] = str(tmp_path_factory.mktemp("inspector-data"))
    yield
    if old is None:
        os.environ.pop(ENV_DATA_DIR, None)
    else:
        os.environ[ENV_DATA_DIR] = old


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    """The built-in server on a free loopback port, one per test module."""
    with start_server() as srv:
        yield srv
