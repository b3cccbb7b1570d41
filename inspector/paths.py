"""Where inspector keeps its files: one user data folder, overridable for tests."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_DATA_DIR = "INSPECTOR_DATA_DIR"


def data_dir() -> Path:
    """The user data folder (created if missing).

    ``$INSPECTOR_DATA_DIR`` overrides the platform's default, so that tests and
    throwaway runs never touch a real profile.
    """
    override = os.environ.get(ENV_DATA_DIR)
    path = Path(override) if override else Path(platformdirs.user_data_dir("inspector"))
    path.mkdir(parents=True, exist_ok=True)
    return path
