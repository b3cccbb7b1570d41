"""Every test run keeps its files (history, the server's CA) out of the user's profile."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from inspector.paths import ENV_DATA_DIR


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
