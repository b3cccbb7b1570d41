"""The server as curl sees it (skipped when curl is not installed)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from inspector.paths import ENV_DATA_DIR
from inspector.server import ServerHandle, seeded_bytes, start_server

CURL = shutil.which("curl")
pytestmark = pytest.mark.skipif(CURL is None, reason="curl is not installed")


def curl(*args: str) -> subprocess.CompletedProcess[bytes]:
    """Run curl quietly, never through a proxy, with a time limit."""
    assert CURL is not None
    return subprocess.run(
        [CURL, "--silent", "--show-error", "--noproxy", "*", "--max-time", "10", *args],
        capture_output=True,
        timeout=20,
        check=False,
    )


def _features() -> str:
    assert CURL is not None
    return subprocess.run([CURL, "-V"], capture_output=True, text=True, check=False).stdout


def test_curl_get_and_post(server: ServerHandle) -> None:
    """curl's GET and POST are echoed, the body byte for byte."""
    got = curl(f"{server.url}/get?via=curl")
    assert got.returncode == 0
    assert json.loads(got.stdout)["args"] == {"via": "curl"}
    posted = curl("--data-binary", "a=1&b=2", f"{server.url}/post")
    doc = json.loads(posted.stdout)
    assert doc["body"]["text"] == "a=1&b=2"
    assert doc["form"] == {"a": "1", "b": "2"}


def test_curl_bytes_and_stream(server: ServerHandle) -> None:
    """curl receives /bytes exactly and decodes the chunked /stream."""
    got = curl(f"{server.url}/bytes/200000?seed=5")
    assert got.stdout == seeded_bytes(200000, 5)
    lines = curl(f"{server.url}/stream/4").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [0, 1, 2, 3]


@pytest.mark.parametrize(("path", "key"), [("/gzip", "gzipped"), ("/deflate", "deflated")])
def test_curl_decodes_content_codings(server: ServerHandle, path: str, key: str) -> None:
    """curl --compressed decodes gzip and deflate to the JSON echo."""
    got = curl("--compressed", server.url + path)
    assert json.loads(got.stdout)[key] is True


def test_curl_decodes_brotli(server: ServerHandle) -> None:
    """curl --compressed decodes br, when curl was built with brotli."""
    if "brotli" not in _features():
        pytest.skip("this curl has no brotli")
    assert json.loads(curl("--compressed", f"{server.url}/brotli").stdout)["brotli"] is True


def test_curl_follows_redirects_and_authenticates(server: ServerHandle) -> None:
    """curl -L follows /redirect/3 to /get; -u passes /basic-auth."""
    got = curl("-L", "-w", "%{num_redirects}", f"{server.url}/redirect/3")
    body, _, redirects = got.stdout.rpartition(b"}")
    assert redirects.strip() == b"3"
    assert json.loads(body + b"}")["path"] == "/get"
    auth = curl("-u", "me:secret", f"{server.url}/basic-auth/me/secret")
    assert json.loads(auth.stdout) == {"authenticated": True, "user": "me"}


def test_curl_reports_the_truncated_body(server: ServerHandle) -> None:
    """curl fails with 'transfer closed' (exit 18) on /truncated: the server broke framing."""
    got = curl(f"{server.url}/truncated")
    assert got.returncode == 18
    assert got.stdout == b"0123456789" * 4


def test_curl_http10_and_trickle(server: ServerHandle) -> None:
    """curl --http1.0 and /trickle's one-byte writes both end with the exact body."""
    assert b'"HTTP/1.0"' in curl("--http1.0", f"{server.url}/get").stdout
    got = curl(f"{server.url}/trickle?delay=0.001")
    assert got.stdout == b"This response arrives a few bytes at a time.\n"


def test_curl_verifies_tls_with_the_ca(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """curl --cacert with the printed CA path verifies the HTTPS server; without it, fails."""
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path))
    with start_server(tls=True) as handle:
        assert handle.ca_path is not None
        ok = curl("--cacert", str(handle.ca_path), f"{handle.url}/get")
        assert ok.returncode == 0, ok.stderr
        assert json.loads(ok.stdout)["connection"]["tls"] is True
        via_name = curl(
            "--cacert",
            str(handle.ca_path),
            "--resolve",
            f"localhost:{handle.port}:127.0.0.1",
            f"https://localhost:{handle.port}/status/204",
        )
        assert via_name.returncode == 0, via_name.stderr
        refused = curl("--cacert", "/dev/null", f"{handle.url}/get")
        assert refused.returncode != 0
