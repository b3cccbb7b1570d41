"""Settings: defaults, a valid file, and malformed files that never stop the program."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspector.store.settings import SETTINGS_FILE, Settings, load_settings


def test_no_file_gives_the_defaults_and_no_problem(tmp_path: Path) -> None:
    """Without settings.json: 1000 entries, 512 MiB, nothing to report, nothing written."""
    assert load_settings(tmp_path) == (Settings(1000, 512 * 1024 * 1024), None)
    assert list(tmp_path.iterdir()) == []


def test_valid_values_are_read(tmp_path: Path) -> None:
    """Both keys set: both used; a missing key keeps its default."""
    (tmp_path / SETTINGS_FILE).write_text(json.dumps({"history_max_entries": 50}))
    assert load_settings(tmp_path) == (Settings(history_max_entries=50), None)
    doc = {"history_max_entries": 5, "history_max_bytes": 1024}
    (tmp_path / SETTINGS_FILE).write_text(json.dumps(doc))
    assert load_settings(tmp_path) == (Settings(5, 1024), None)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_a_malformed_file_gives_defaults_and_one_line_naming_it(
    tmp_path: Path, content: bytes, fragment: str
) -> None:
    """Bad JSON, a non-object, bad encoding: defaults, one line with the path; file untouched."""
    path = tmp_path / SETTINGS_FILE
    path.write_bytes(content)
    settings, problem = load_settings(tmp_path)
    assert settings == Settings()
    assert problem is not None and str(path) in problem and fragment in problem
    assert "\n" not in problem
    assert path.read_bytes() == content


def test_bad_values_keep_their_default_and_are_reported(tmp_path: Path) -> None:
    """A wrong type, a zero and an unknown key are named; the valid key still applies."""
    doc = {"history_max_entries": "many", "history_max_bytes": 0, "colour": "red"}
    (tmp_path / SETTINGS_FILE).write_text(json.dumps(doc))
    settings, problem = load_settings(tmp_path)
    assert settings == Settings()
    assert problem is not None
    assert "history_max_entries" in problem and "history_max_bytes" in problem
    assert "'colour'" in problem and "\n" not in problem
    (tmp_path / SETTINGS_FILE).write_text(
        json.dumps({"history_max_entries": True, "history_max_bytes": 7})
    )
    settings, problem = load_settings(tmp_path)
    assert settings == Settings(history_max_bytes=7)
    assert problem is not None and "history_max_entries" in problem
