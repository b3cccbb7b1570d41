"""``inspector replay``: saved requests and history entries sent again, headless (issue 8)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from inspector.cli import run
from inspector.formats.httpfile import from_spec, write_http_file
from inspector.model import EventKind, RequestSpec
from inspector.net import Client, SendOptions, WriteStep
from inspector.paths import ENV_DATA_DIR
from inspector.server import ServerHandle
from inspector.store.history import HISTORY_FILE, History


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data folder, so each test has its own history."""
    folder = tmp_path / "data"
    monkeypatch.setenv(ENV_DATA_DIR, str(folder))
    return folder


def _collection(tmp_path: Path, server: ServerHandle) -> Path:
    (tmp_path / "http-client.env.json").write_text(
        json.dumps({"dev": {"host": server.url}, "prod": {"host": "http://127.0.0.1:9"}})
    )
    (tmp_path / "http-client.private.env.json").write_text(
        json.dumps({"dev": {"token": "s3cr3t-t0ken"}})
    )
    path = tmp_path / "api.http"
    path.write_text(
        "### Echo it back\n"
        "# @name echo\n"
        "POST {{host}}/anything?q=1\n"
        "Content-Type: text/plain\n"
        "Authorization: Bearer {{token}}\n"
        "\n"
        "hello\n"
        "\n"
        "### Plain get\n"
        "# @name get\n"
        "GET {{host}}/json\n"
        "\n"
        "### Fresh each time\n"
        "# @name fresh\n"
        "GET {{host}}/anything\n"
        "X-Nonce: {{$uuid}}\n",
        encoding="utf-8",
    )
    return path


def _json(capsys: pytest.CaptureFixture[str]) -> dict:
    return json.loads(capsys.readouterr().out)


def _echoed_raw(doc: dict) -> bytes:
    body = json.loads(base64.b64decode(doc["response"]["body_b64"]))
    return base64.b64decode(body["raw"]["base64"])


def test_named_request_is_filled_from_the_environment_and_sent(
    tmp_path: Path, data: Path, server: ServerHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    """#name picks one request; {{host}} and the private {{token}} come from env 'dev'."""
    path = _collection(tmp_path, server)
    assert run(["replay", f"{path}#echo", "--env", "dev", "--json-out"]) == 0
    doc = _json(capsys)
    sent = base64.b64decode(doc["sent_b64"])
    assert sent.startswith(b"POST /anything?q=1 HTTP/1.1\r\n")
    assert b"Authorization: Bearer s3cr3t-t0ken\r\n" in sent
    assert sent.endswith(b"\r\n\r\nhello")
    assert _echoed_raw(doc) == sent  # what the server received, byte for byte
    assert doc["replay_of"] == "api.http#echo"
    with History.open(data / HISTORY_FILE) as history:
        [entry] = history.list()
        assert entry.name == "api.http#echo" and entry.status == 200


def test_secrets_are_masked_in_the_human_output_unless_asked(
    tmp_path: Path, data: Path, server: ServerHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    """A value from the private env file never shows on screen unless --show-secrets."""
    path = _collection(tmp_path, server)
    assert run(["replay", f"{path}#echo", "--env", "dev"]) == 0
    out = capsys.readouterr().out
    assert "s3cr3t-t0ken" not in out and "Bearer ••••" in out
    assert run(["replay", f"{path}#echo", "--env", "dev", "--show-secrets"]) == 0
    assert "s3cr3t-t0ken" in capsys.readouterr().out


def test_whole_file_replays_every_request_in_order(
    tmp_path: Path, data: Path, server: ServerHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    """FILE.http alone sends each request; --json-out wraps them in 'replays'."""
    path = _collection(tmp_path, server)
    assert run(["replay", str(path), "--env", "dev", "--json-out"]) == 0
    docs = _json(capsys)["replays"]
    assert [d["replay_of"] for d in docs] == ["api.http#echo", "api.http#get", "api.http#fresh"]
    assert all(d["response"]["status"] == 200 for d in docs)


def test_diff_exit_status_same_then_different(
    tmp_path: Path, data: Path, server: ServerHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    """--diff: the first run is the baseline (0); /json again is the same once Date is
    ignored (0); a request whose echo changes each time (a fresh {{$uuid}}) differs (1)."""
    path = _collection(tmp_path, server)
    assert run(["replay", f"{path}#get", "--env", "dev", "--diff"]) == 0
    assert "this one is the baseline" in capsys.readouterr().out
    assert run(["replay", f"{path}#get", "--env", "dev", "--diff"]) == 0
    assert "diff with the previous response: same" in capsys.readouterr().out
    assert run(["replay", f"{path}#fresh", "--env", "dev", "--diff"]) == 0  # baseline
    capsys.readouterr()
    assert run(["replay", f"{path}#fresh", "--env", "dev", "--diff", "--json-out"]) == 1
    doc = _json(capsys)
    assert doc["diff"]["same"] is False
    assert any(c["kind"] == "body" for c in doc["diff"]["changes"])


def test_transport_error_is_exit_2_with_diff_and_1_without(
    tmp_path: Path, data: Path, server: ServerHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    """Env 'prod' points at a closed port: one line on stderr, never a traceback."""
    path = _collection(tmp_path, server)
    assert run(["replay", f"{path}#get", "--env", "prod", "--diff"]) == 2
    err = capsys.readouterr().err
    assert "api.http#get: refused" in err and "Traceback" not in err
    assert run(["replay", f"{path}#get", "--env", "prod"]) == 1


@pytest.mark.parametrize(
    ("suffix", "env", "message"),
    [
        ("#nope", "dev", "no request named 'nope'"),
        ("#get", None, "undefined variable: {{host}}"),
        ("#get", "staging", "no environment named 'staging'"),
    ],
)
def test_bad_references_are_one_line_errors(
    tmp_path: Path,
    data: Path,
    server: ServerHandle,
    capsys: pytest.CaptureFixture[str],
    suffix: str,
    env: str | None,
    message: str,
) -> None:
    """Unknown name, undefined variable, unknown environment: exit 2 and one clear line."""
    path = _collection(tmp_path, server)
    argv = ["replay", f"{path}{suffix}"] + (["--env", env] if env else [])
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_raw_request_is_sent_byte_for_byte_and_checked_by_hash(
    tmp_path: Path, data: Path, server: ServerHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    """A saved raw request arrives exactly; after its bytes are edited, replay refuses."""
    raw = b"GET /anything HTTP/1.1\r\nHost: x\r\nX-Odd:\t\x01tab \r\n\r\n"
    path = tmp_path / "raw.http"
    spec = RequestSpec(url=server.url + "/anything", raw=raw)
    path.write_text(write_http_file([from_spec(spec, "odd")]), encoding="utf-8")
    assert run(["replay", f"{path}#odd", "--json-out"]) == 0
    assert _echoed_raw(_json(capsys)) == raw
    text = path.read_text(encoding="utf-8")
    b64 = base64.b64encode(raw).decode()
    tampered = base64.b64encode(raw.replace(b"Host: x", b"Host: y")).decode()
    path.write_text(text.replace(b64, tampered), encoding="utf-8")
    assert run(["replay", f"{path}#odd"]) == 2
    assert "do not match their hash" in capsys.readouterr().err
    assert run(["replay", f"{path}#odd", "--allow-hash-mismatch", "--json-out"]) == 0
    assert b"Host: y" in _echoed_raw(_json(capsys))


def test_history_entry_replays_the_same_bytes_with_its_write_boundaries(
    data: Path, server: ServerHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    """history:ID --keep-timing sends the first exchange's bytes in its pieces and pauses."""
    spec = RequestSpec(
        b"POST",
        server.url + "/anything",
        headers=((b"Host", server.url.split("//")[1].encode()), (b"Content-Length", b"6")),
        body=b"abcdef",
    )
    plan = (WriteStep(10, 0.0), WriteStep(30, 0.05))
    with Client() as client:
        first = client.send(spec, replace(SendOptions(), write_plan=plan))
    data.mkdir(parents=True, exist_ok=True)
    with History.open(data / HISTORY_FILE) as history:
        entry_id = history.add(first)
    assert run(["replay", f"history:{entry_id}", "--keep-timing", "--json-out"]) == 0
    doc = _json(capsys)
    sent = first.transcript.sent.read()
    assert base64.b64decode(doc["sent_b64"]) == sent == _echoed_raw(doc)
    sizes = [e["size"] for e in doc["events"] if e["kind"] == EventKind.SEND.value]
    assert sizes == [e.size for e in first.transcript.events if e.kind is EventKind.SEND]
    assert sizes[:2] == [10, 30]


def test_history_last_bytes_diff_compares_with_that_entry(
    tmp_path: Path, data: Path, server: ServerHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    """history:last --bytes --diff: the stored exchange is the baseline; /json is the same."""
    path = _collection(tmp_path, server)
    assert run(["replay", f"{path}#get", "--env", "dev"]) == 0
    capsys.readouterr()
    assert run(["replay", "history:last", "--bytes", "--diff"]) == 0
    assert "diff with the previous response: same" in capsys.readouterr().out
    assert run(["replay", "history:99999"]) == 2
    assert "no history entry 99999" in capsys.readouterr().err


def test_module_entry_point_exit_code_for_ci(tmp_path: Path, server: ServerHandle) -> None:
    """python -m inspector replay --diff gives the exit status a CI smoke check relies on."""
    path = _collection(tmp_path, server)
    env = {**os.environ, ENV_DATA_DIR: str(tmp_path / "d")}
    cmd = [sys.executable, "-m", "inspector", "replay", f"{path}#get", "--env", "dev", "--diff"]
    runs = [subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60) for _ in "ab"]
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stderr


def test_auto_headers_off_directive_sends_only_what_the_file_says(
    tmp_path: Path, data: Path, server: ServerHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    """A request saved with automatic headers off gets no Host or User-Agent added."""
    path = tmp_path / "bare.http"
    path.write_text(
        f"### bare\n# @inspector-auto-headers off\nGET {server.url}/anything\nX-Only: 1\n",
        encoding="utf-8",
    )
    assert run(["replay", f"{path}#bare", "--json-out"]) == 0
    assert _echoed_raw(_json(capsys)) == b"GET /anything HTTP/1.1\r\nX-Only: 1\r\n\r\n"


def test_exact_replay_leaves_out_a_proxy_connect_head_and_its_write() -> None:
    """Through a proxy the transcript starts with CONNECT: a byte-for-byte replay sends
    only the request's own bytes, in its own writes (the CONNECT write is not planned)."""
    from inspector.cli.saved import exact_replay
    from inspector.model import Exchange, Transcript

    connect = b"CONNECT x.test:443 HTTP/1.1\r\nHost: x.test:443\r\n\r\n"
    request = b"GET / HTTP/1.1\r\nHost: x.test\r\n\r\n"
    tr = Transcript()
    tr.record_send(connect, t=1.0)
    tr.record_recv(b"HTTP/1.1 200 OK\r\n\r\n", t=1.1)
    tr.record_send(request[:10], t=1.2)
    tr.record_send(request[10:], t=1.5)
    source = Exchange("inspector", RequestSpec(url="https://x.test/"), tr, None)
    spec, options = exact_replay(source, SendOptions(), keep_timing=True, meta={"name": "n"})
    assert spec.raw == request and spec.meta == {"name": "n"}
    plan = options.write_plan
    assert plan is not None and [step.size for step in plan] == [10, len(request) - 10]
    assert plan[0].pause == 0.0 and abs(plan[1].pause - 0.3) < 1e-9
