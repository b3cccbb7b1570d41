"""run_foreground as `inspector serve` runs it: URL printed, a log line per request, clean stop."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from inspector.paths import ENV_DATA_DIR
from inspector.server import run_foreground

ROOT = Path(__file__).resolve().parents[2]


def _spawn(tls: bool, quiet: bool, data_dir: Path) -> subprocess.Popen[str]:
    code = (
        "import sys\nfrom inspector.server import run_foreground\n"
        f"sys.exit(run_foreground('127.0.0.1', 0, {tls}, {quiet}))\n"
    )
    env = {**os.environ, ENV_DATA_DIR: str(data_dir), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stop(proc: subprocess.Popen[str], signum: int) -> tuple[int, str, str]:
    proc.send_signal(signum)
    try:
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return proc.returncode, out, err


def test_prints_the_url_logs_requests_and_stops_on_sigint(tmp_path: Path) -> None:
    """The first line names a working URL; each request logs a line; SIGINT exits 0 cleanly."""
    proc = _spawn(tls=False, quiet=False, data_dir=tmp_path)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)", first)
        assert found, first
        port = int(found.group(1))
        # An 8-bit CSI in the target, and an ESC in a refused one: neither may reach stdout.
        for target, status in ((b"/get?x=\x9b2J", b" 200 "), (b"/\x1b[2J", b" 400 ")):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(b"GET " + target + b" HTTP/1.1\r\nConnection: close\r\n\r\n")
                assert status in sock.recv(65536)
        log_lines = [proc.stdout.readline(), proc.stdout.readline()]
    finally:
        code, out, err = _stop(proc, signal.SIGINT)
    assert '"GET /get?x=\\x9b2J HTTP/1.1" 200' in log_lines[0]
    assert '"GET /\\x1b[2J HTTP/1.1" 400' in log_lines[1]
    assert not any("\x1b" in line or "\x9b" in line for line in log_lines)
    assert code == 0
    assert "Traceback" not in err + out


def test_tls_and_quiet_print_the_ca_path_and_stop_on_sigterm(tmp_path: Path) -> None:
    """With TLS the CA path is printed and usable; quiet logs nothing; SIGTERM exits 0."""
    proc = _spawn(tls=True, quiet=True, data_dir=tmp_path)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        second = proc.stdout.readline()
        found = re.search(r"https://127\.0\.0\.1:(\d+)", first)
        assert found, first
        port = int(found.group(1))
        ca_path = tmp_path / "tls" / "ca.pem"
        assert f"CA certificate: {ca_path}" in second
        ctx = ssl.create_default_context(cafile=str(ca_path))
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=ctx)
        conn.request("GET", "/status/204")
        assert conn.getresponse().status == 204
        conn.close()
    finally:
        code, out, err = _stop(proc, signal.SIGTERM)
    assert code == 0
    assert "GET /status" not in out
    assert "Traceback" not in err + out


def test_cannot_bind_returns_nonzero_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """A port in use gives exit status 1 and a one-line message on stderr, no traceback."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert run_foreground("127.0.0.1", port, False, True) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"cannot start on 127.0.0.1:{port}" in err
    assert "Traceback" not in err
