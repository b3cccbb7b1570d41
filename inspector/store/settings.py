"""User settings, read from ``settings.json`` in the data folder.

The file is a JSON object whose keys are the field names of :class:`Settings`,
e.g. ``{"history_max_entries": 5000}``. Missing keys take their defaults. A
file that cannot be used gives the defaults plus a one-line problem naming the
file; inspector never writes this file itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from pathlib import Path

SETTINGS_FILE = "settings.json"
"""The settings file's name inside the data folder."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Limits and preferences a user may change."""

    history_max_entries: int = 1000
    """The most exchanges the history keeps; the oldest go first."""
    history_max_bytes: int = 512 * 1024 * 1024
    """The most bytes (transcripts and their records) the history keeps; the newest stays."""


def load_settings(folder: Path) -> tuple[Settings, str | None]:
    """Read ``settings.json`` from ``folder``.

    Args:
        folder: The data folder.

    Returns:
        The settings, and None or a one-line problem naming the file. A value
        that is not usable keeps its default; the others still apply. A file
        that is not a JSON object gives all defaults.
    """
    path = folder / SETTINGS_FILE
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return Settings(), None
    except OSError as exc:
        return Settings(), f"{path}: {exc.strerror or exc}; using the default settings"
    except UnicodeDecodeError as exc:
        return Settings(), f"{path}: not UTF-8 text (byte {exc.start}); using the default settings"
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        return Settings(), f"{path}: not valid JSON ({exc.msg} at {where}); using the defaults"
    if not isinstance(doc, dict):
        return Settings(), f"{path}: expected a JSON object; using the default settings"
    known = {f.name for f in fields(Settings)}
    problems: list[str] = []
    values: dict[str, int] = {}
    for key, value in doc.items():
        if key not in known:
            problems.append(f"unknown setting {key!r} ignored")
        elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
            problems.append(f"{key} must be a whole number of at least 1; using the default")
        else:
            values[key] = value
    settings = replace(Settings(), **values)
    return settings, f"{path}: {'; '.join(problems)}" if problems else None
