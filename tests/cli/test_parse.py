"""``inspector parse``: what a user holding a captured response sees, and its exit codes."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from inspector.cli import run

EVIL = (
    b"HTTP/1.1 200 OK\r\nX-Evil: \x1b]0;owned\x07\x1b[2J [bold red]markup[/]\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n6\r\n\x1b[31m!\r\n0\r\n\r\n"
)


def _cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "inspector", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def evil_file(tmp_path: Path) -> Path:
    path = tmp_path / "evil.http"
    path.write_bytes(EVIL)
    return path


def test_human_output_escapes_terminal_sequences(evil_file: Path) -> None:
    """Escape sequences from the response are printed as visible text, never as raw bytes."""
    proc = _cli("parse", str(evil_file))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert "\x1b" not in out and "\x07" not in out
    assert "X-Evil: \\x1b]0;owned\\x07\\x1b[2J [bold red]markup[/]" in out
    assert "HTTP/1.1 200 OK" in out and "framing chunked" in out
    assert "ctl-in-value" in out and "[17-" in out  # the anomaly and byte ranges are shown


def test_json_out_gives_the_exchange_document_members(evil_file: Path) -> None:
    """--json-out prints response and anomalies as DESIGN.md section 4 defines them."""
    proc = _cli("parse", str(evil_file), "--json-out")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    resp = doc["response"]
    assert resp["status"] == 200 and resp["http_version"] == "HTTP/1.1"
    assert resp["headers"][0] == ["X-Evil", "\x1b]0;owned\x07\x1b[2J [bold red]markup[/]"]
    assert base64.b64decode(resp["body_b64"]) == b"\x1b[31m!"
    assert resp["framing"] == "chunked" and resp["keep_alive"] is True
    assert [a["code"] for a in doc["anomalies"]] == ["ctl-in-value"]
    start, end = resp["header_spans"][0]
    assert EVIL[start:end].startswith(b"X-Evil:")


def test_reads_standard_input() -> None:
    """``-`` reads the response from standard input."""
    proc = _cli("parse", "-", "--json-out", stdin=b"HTTP/1.0 404 Not Found\r\n\r\ngone")
    doc = json.loads(proc.stdout)
    assert doc["response"]["status"] == 404
    assert base64.b64decode(doc["response"]["body_b64"]) == b"gone"
    assert doc["response"]["framing"] == "close"


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (None, 2, "cannot read"),
        (b"", 2, "is empty"),
    ],
)
def test_bad_files_get_one_line(
    tmp_path: Path, content: bytes | None, code: int, message: str
) -> None:
    """A missing or empty file is one line on stderr and a non-zero exit, never a traceback."""
    path = tmp_path / "capture.http"
    if content is not None:
        path.write_bytes(content)
    proc = _cli("parse", str(path))
    err = proc.stderr.decode()
    assert proc.returncode == code
    assert message in err and str(path) in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_binary_garbage_is_an_anomaly_list(tmp_path: Path) -> None:
    """Garbage is reported as anomalies with exit 1, not as a crash."""
    path = tmp_path / "garbage.bin"
    path.write_bytes(bytes(range(256)) * 4)
    proc = _cli("parse", str(path))
    assert proc.returncode == 1
    assert "invalid-status-line" in proc.stdout.decode()
    assert "Traceback" not in proc.stderr.decode()


def test_head_method_means_no_body(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--method HEAD applies the no-body rule of RFC 9112 section 6.3."""
    path = tmp_path / "head.http"
    path.write_bytes(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n")
    assert run(["parse", str(path), "--method", "HEAD", "--json-out"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["response"]["framing"] == "none" and doc["anomalies"] == []
    assert run(["parse", str(path), "--json-out"]) == 1  # as a GET answer it is truncated
    doc = json.loads(capsys.readouterr().out)
    assert doc["anomalies"][0]["code"] == "incomplete-body"


def test_piped_output_has_no_colour(evil_file: Path) -> None:
    """Output to a pipe is plain text: our own colour codes appear only on a terminal."""
    assert b"\x1b[" not in _cli("parse", str(evil_file)).stdout


@pytest.mark.parametrize("argv", [["bogus"], ["parse"], ["parse", "x", "--nope"]])
def test_usage_errors_are_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """A usage mistake is one line on stderr with exit 2, not a usage dump."""
    with pytest.raises(SystemExit) as exc:
        run(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--help" in err
