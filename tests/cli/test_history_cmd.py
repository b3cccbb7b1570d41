"""``inspector history list|show|export`` and ``send`` keeping its exchanges (issue 8)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from inspector.cli import run
from inspector.paths import ENV_DATA_DIR
from inspector.server import ServerHandle
from inspector.store.history import HISTORY_FILE


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv(ENV_DATA_DIR, str(folder))
    return folder


def test_send_keeps_exchanges_and_list_shows_them_newest_first(
    data: Path, server: ServerHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each send lands in history (unless --no-history); list filters by a query."""
    assert run(["send", f"{server.url}/status/418"]) == 0
    assert run(["send", f"{server.url}/json"]) == 0
    assert run(["send", f"{server.url}/html", "--no-history"]) == 0
    capsys.readouterr()
    assert run(["history", "list", "--json-out"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [e["url"].rsplit("/", 1)[1] for e in entries] == ["json", "418"]
    assert entries[1]["status"] == 418
    assert run(["history", "list", "418"]) == 0
    out = capsys.readouterr().out
    assert "/status/418" in out and "/json" not in out


def test_send_compare_keeps_the_other_engines_too(
    data: Path, server: ServerHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    """--compare: the entry carries http.client and httpx; HAR export lists all three."""
    assert run(["send", f"{server.url}/json", "--compare"]) == 0
    capsys.readouterr()
    assert run(["history", "list", "--json-out"]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["comparisons"] == 2
    assert run(["history", "export", "last", "-f", "har"]) == 0
    captured = capsys.readouterr()
    har = json.loads(captured.out)
    assert har["log"]["version"] == "1.2"
    assert len(har["log"]["entries"]) == 3
    assert "HAR loses:" in captured.err


def test_show_and_raw_exports_give_back_the_exact_bytes(
    data: Path, server: ServerHandle, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """show --json-out is the Exchange document; sent/received exports are the transcript."""
    assert run(["send", f"{server.url}/anything", "-H", "X-Case: MiXeD", "--json-out"]) == 0
    original = json.loads(capsys.readouterr().out)
    assert run(["history", "show", "last", "--json-out"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["sent_b64"] == original["sent_b64"]
    assert shown["received_b64"] == original["received_b64"]
    assert shown["response"]["status"] == 200
    out = tmp_path / "sent.bin"
    assert run(["history", "export", "last", "-f", "sent", "-o", str(out)]) == 0
    assert out.read_bytes() == base64.b64decode(original["sent_b64"])
    assert run(["history", "export", "last", "-f", "curl"]) == 0
    curl = capsys.readouterr().out
    assert curl.startswith("curl ") and "X-Case: MiXeD" in curl


def test_bad_ids_and_an_empty_history_are_one_line_errors(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No traceback: exit 2 and one line for an empty history or a bad id."""
    assert run(["history", "show", "last"]) == 2
    assert "the history is empty" in capsys.readouterr().err
    assert run(["history", "show", "abc"]) == 2
    assert "bad history id 'abc'" in capsys.readouterr().err
    assert run(["history", "list"]) == 0
    assert "no entries" in capsys.readouterr().out


def test_a_corrupt_history_is_set_aside_and_reported(tmp_path: Path, server: ServerHandle) -> None:
    """A damaged database: send still works, says where the old file went, keeps its bytes."""
    data = tmp_path / "data"
    data.mkdir()
    garbage = b"this is not a database" * 100
    (data / HISTORY_FILE).write_bytes(garbage)
    env = {**os.environ, ENV_DATA_DIR: str(data)}
    proc = subprocess.run(
        [sys.executable, "-m", "inspector", "send", f"{server.url}/json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "corrupt" in proc.stderr
    [aside] = [p for p in data.iterdir() if ".corrupt-" in p.name]
    assert aside.read_bytes() == garbage
