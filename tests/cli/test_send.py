"""``inspector send``: the trace a user reads, the JSON document, and exit codes."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from inspector.server import ServerHandle


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inspector", "send", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_trace_shows_each_call_then_the_parse(server: ServerHandle) -> None:
    """The trace has a block per send/recv with its size, the exact request, then the parse."""
    proc = _cli(f"{server.url}/get", "-H", "X-Case: MiXeD")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "> GET /get HTTP/1.1\\r\\n" in out
    assert "> X-Case: MiXeD\\r\\n" in out
    assert "send " in out and "recv " in out and "bytes at offset 0" in out
    assert "HTTP/1.1 200 OK" in out and "no anomalies" in out
    assert "timings: dns" in out and "connection: #1 new" in out


def test_json_out_is_the_exchange_document(server: ServerHandle) -> None:
    """--json-out: sent bytes equal what the server echoes it received; events and timings."""
    proc = _cli(f"{server.url}/post", "--json", '{"a": 1}', "--json-out")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["engine"] == "inspector" and doc["error"] is None
    sent = base64.b64decode(doc["sent_b64"])
    echoed = json.loads(base64.b64decode(doc["response"]["body_b64"]))
    assert base64.b64decode(echoed["raw"]["base64"]) == sent
    assert sent.endswith(b'\r\n\r\n{"a": 1}') and b"Content-Type: application/json" in sent
    kinds = [e["kind"] for e in doc["events"]]
    assert kinds[:3] == ["dns", "connect", "send"] and "recv" in kinds
    assert set(doc["timings"]) == {"dns", "connect", "tls", "send", "ttfb", "receive", "total"}
    assert doc["connection"]["closed_by"] == "open"


def test_raw_file_is_sent_byte_for_byte(server: ServerHandle, tmp_path: Path) -> None:
    """--raw-file sends the file exactly; --fix-length repairs only Content-Length."""
    raw = b"POST /post HTTP/1.1\nHost: x\nContent-Length: 99\n\nhello"
    path = tmp_path / "req.raw"
    path.write_bytes(raw)
    proc = _cli(f"{server.url}/", "--raw-file", str(path), "--fix-length", "--json-out")
    doc = json.loads(proc.stdout)
    assert base64.b64decode(doc["sent_b64"]) == raw.replace(b"99", b"5")


def test_transport_failure_is_one_line_and_exit_1() -> None:
    """A refused connection: the trace still prints, stderr has one line, exit 1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = _cli(f"http://127.0.0.1:{port}/")
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"inspector: refused: connection refused (127.0.0.1:{port})"
    assert "error connection refused" in proc.stdout


def test_malformed_response_shows_anomalies_and_exits_1(server: ServerHandle) -> None:
    """A response the parser cannot finish is shown with its anomaly, and exits 1."""
    proc = _cli(f"{server.url}/chunked/bad-size")
    assert proc.returncode == 1
    assert "invalid-chunk-size" in proc.stdout and "protocol" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://x/"], "scheme must be http or https"),
        (["http://127.0.0.1:1/", "-H", "no colon"], "bad header"),
        (["http://127.0.0.1:1/", "--json", "{nope"], "not valid JSON"),
        (["http://127.0.0.1:1/", "--data-file", "/no/such/file"], "cannot read"),
        (["http://127.0.0.1:1/", "--fix-length"], "--fix-length goes with --raw-file"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], message: str) -> None:
    """Bad input never reaches the network: one line, exit 2, no traceback."""
    proc = _cli(*args)
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
