"""``inspector send --compare`` and ``--dry-run``: layouts, colour, JSON, exit codes."""

from __future__ import annotations

import base64
import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from inspector.cli import run
from inspector.server import ServerHandle


def cli(*args: str, columns: int = 100) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns)}
    env.pop("NO_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "inspector", "send", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


def comparison_part(out: str) -> str:
    return out[out.index("comparison (") :]


def test_unified_layout_when_narrow_and_plain_when_piped(server: ServerHandle) -> None:
    """Narrow terminal: one column per engine in turn; piped: no colour, nothing unescaped."""
    proc = cli(f"{server.url}/escape", "-H", "X-Esc: \x1b[31mred\x07", "--compare", columns=100)
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
    part = comparison_part(proc.stdout)
    assert part.startswith("comparison (unified): inspector, http.client, httpx")
    assert "http.client (" in part and "  Accept-Encoding: identity\\r\\n" in part
    assert "    + http.client: Accept-Encoding: identity" in part
    assert "  header-case: httpx lowercases header names." in part
    assert "  X-Esc: \\x1b[31mred\\x07\\r\\n" in part  # our request bytes, escaped
    assert "X-Escape-CSI" in part  # a name from the response, in httpx's header-case row
    assert " | " not in part.split("-- timings --")[0].split("-- request bytes --")[0]


def test_side_by_side_layout_when_wide(server: ServerHandle) -> None:
    """150 columns or more: inspector | http.client | httpx in columns."""
    proc = cli(f"{server.url}/interim", "--compare", columns=180)
    assert proc.returncode == 0, proc.stderr
    part = comparison_part(proc.stdout)
    lines = part.splitlines()
    assert lines[0] == "comparison (side by side): inspector, http.client, httpx"
    header = lines[1]
    assert header.startswith("inspector") and " | http.client" in header and " | httpx" in header
    assert all(len(line) <= 180 for line in lines)
    row = next(line for line in lines if line.startswith("200 ") and "| 103" in line)
    assert row.index("| 103") == header.index("| http.client")
    assert any(
        line.startswith("GET /interim HTTP/1.1\\r\\n ") and line.count(" | ") == 2 for line in lines
    )


def test_colour_only_on_a_terminal(server: ServerHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal our own labels are coloured; the same output piped has no colour."""

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    assert run(["send", f"{server.url}/get", "--compare"]) == 0
    part = comparison_part(out.getvalue())
    assert "\x1b[1;35mcomparison (unified)" in out.getvalue()
    assert "    \x1b[32m+ http.client: Accept-Encoding: identity\x1b[0m" in part
    piped = cli(f"{server.url}/get", "--compare")
    assert (
        "\x1b" not in piped.stdout
        and "    + http.client: Accept-Encoding: identity" in piped.stdout
    )


def test_json_out_puts_the_other_engines_in_comparisons(server: ServerHandle) -> None:
    """--json-out --compare: our document, with the http.client and httpx documents inside."""
    proc = cli(f"{server.url}/anything", "--compare", "--json-out")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["engine"] == "inspector" and doc["library"] is None
    engines = [c["engine"] for c in doc["comparisons"]]
    assert engines == ["http.client", "httpx"]
    for c in doc["comparisons"]:
        sent = base64.b64decode(c["sent_b64"])
        echoed = json.loads(base64.b64decode(c["response"]["body_b64"]))
        assert base64.b64decode(echoed["raw"]["base64"]) == sent
        assert c["library"]["status"] == 200 and c["comparisons"] == []


def test_a_library_failing_never_changes_the_exit_status(
    server: ServerHandle, tmp_path: Path
) -> None:
    """A raw request: both libraries cannot send it, and that is shown, but we exit 0."""
    raw = tmp_path / "req.raw"
    raw.write_bytes(b"GET /get HTTP/1.1\r\nHost: x\r\n\r\n")
    proc = cli(f"{server.url}/", "--raw-file", str(raw), "--compare")
    assert proc.returncode == 0, proc.stderr
    part = comparison_part(proc.stdout)
    assert "http.client  not expressible: a raw request cannot be expressed" in part
    assert "httpx (0 bytes):\n  (nothing)" in part


def test_our_failure_still_exits_1_with_the_comparison(server: ServerHandle) -> None:
    """/truncated: we fail (exit 1), and the comparison shows how each library failed."""
    proc = cli(f"{server.url}/truncated", "--compare")
    assert proc.returncode == 1
    assert proc.stderr.startswith("inspector: incomplete:")
    part = comparison_part(proc.stdout)
    assert "raised IncompleteRead" in part and "raised RemoteProtocolError" in part


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_dry_run_sends_nothing() -> None:
    """--dry-run: our exact bytes, with no server listening at all."""
    port = _closed_port()
    proc = cli(f"http://127.0.0.1:{port}/x", "-H", "X-A: 1", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("dry run: nothing was sent to the server;")
    assert "inspector (" in proc.stdout and "  GET /x HTTP/1.1\\r\\n" in proc.stdout
    assert "  X-A: 1\\r\\n" in proc.stdout and "http.client" not in proc.stdout


def test_dry_run_compare_shows_each_engine(tmp_path: Path) -> None:
    """--dry-run --compare: the bytes of all three, from a local sink; https says TLS."""
    proc = cli("https://example.test/x", "--dry-run", "--compare")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "inspector (" in out and "the plaintext that would go inside TLS" in out
    assert "http.client (" in out and "  Accept-Encoding: identity\\r\\n" in out
    assert "httpx (" in out and "  Connection: keep-alive\\r\\n" in out
    assert "-- request differences --" in out and "+ httpx:" in out
    proc = cli("http://example.test/x", "--dry-run", "--compare", "--json-out")
    doc = json.loads(proc.stdout)
    assert doc["dry_run"] is True
    sent = {e["engine"]: base64.b64decode(e["sent_b64"]) for e in doc["engines"]}
    assert list(sent) == ["inspector", "http.client", "httpx"]
    assert all(s.startswith(b"GET /x HTTP/1.1\r\n") for s in sent.values())
    assert b"Host: example.test\r\n" in sent["httpx"]
