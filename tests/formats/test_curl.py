"""curl command import (what "copy as cURL" in a browser produces)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspector.formats.curl import looks_like_curl, parse_curl, to_curl
from inspector.formats.export import dechunk, reframe
from inspector.formats.shell import printf_output, printf_word, quote, split
from inspector.model import InputError, RequestSpec
from inspector.server import ServerHandle, start_server
from inspector.wire.serialize import serialize, with_default_headers
from tests.scripted import ScriptedServer, read_until, write

CURL = shutil.which("curl")


def test_browser_style_command() -> None:
    """Method, URL, headers in order, body and -k are read; --compressed is noted."""
    imported = parse_curl(
        "curl 'http://127.0.0.1:8080/post?x=1' \\\n  -X PUT -H 'Accept: */*' "
        "-H 'X-Two: a: b' --data-raw '{\"k\":1}' --compressed -k"
    )
    spec = imported.spec
    assert spec.method == b"PUT" and spec.url == "http://127.0.0.1:8080/post?x=1"
    assert spec.headers == ((b"Accept", b"*/*"), (b"X-Two", b"a: b"))
    assert spec.body == b'{"k":1}'
    assert imported.insecure and imported.ignored == ["--compressed"]


def test_data_implies_post_and_user_gives_basic_auth() -> None:
    """-d without -X means POST, as in curl; -u becomes a Basic Authorization header."""
    spec = parse_curl("curl http://h.test/ -d a=1 -d b=2 -u user:pw").spec
    assert spec.method == b"POST" and spec.body == b"a=1&b=2"
    assert (b"Authorization", b"Basic dXNlcjpwdw==") in spec.headers


@pytest.mark.parametrize("cmd", ["curl", "curl -H 'A: b'", "wget http://x/", "curl 'unclosed"])
def test_unusable_commands(cmd: str) -> None:
    """No URL, not curl, or broken quoting: a one-line InputError."""
    with pytest.raises(InputError):
        parse_curl(cmd)


def test_looks_like_curl() -> None:
    """Only text starting with 'curl ' is treated as a command."""
    assert looks_like_curl("  curl http://x/") and not looks_like_curl("http://curl.test/")


# ---- the importer's curl syntax --------------------------------------------------------


def test_header_removal_and_empty_headers() -> None:
    """-H 'Name:' drops curl's own header (adds nothing); -H 'Name;' sends an empty one."""
    spec = parse_curl("curl http://h.test/ -H 'Host:' -H 'X-Empty;' -H 'X-Pad:   v  '").spec
    assert spec.headers == ((b"X-Empty", b""), (b"X-Pad", b"  v  "))


def test_ansi_c_quoting_request_target_and_printf_body() -> None:
    """$'...' words, --request-target and a printf pipeline into --data-binary @- are read."""
    imported = parse_curl(
        "printf 'a\\000%%\\\\'\\''' | curl --http1.1 'http://h.test/' --request-target '*' "
        "-X OPTIONS -H $'X-Bin: \\xff\\r\\n fold' --path-as-is --globoff --data-binary @-"
    )
    spec = imported.spec
    assert spec.method == b"OPTIONS" and spec.request_target == b"*"
    assert spec.headers == ((b"X-Bin", b"\xff\r\n fold"),)
    assert spec.body == b"a\x00%\\'"
    assert imported.ignored == []


def test_data_from_a_file_is_refused() -> None:
    """curl -d @file reads a file we do not have: a one-line InputError, not the literal."""
    with pytest.raises(InputError, match="reads a file"):
        parse_curl("curl http://h.test/ --data-binary @body.json")


# ---- the exporter, run against the built-in server -------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    """The built-in server on 127.0.0.1, plain HTTP."""
    handle = start_server("127.0.0.1")
    yield handle
    handle.stop()


def run_curl(command: str, **env: str) -> bytes:
    """Run an exported command in bash (curl quiet, no proxy, time-limited); return its stdout."""
    if CURL is None:
        pytest.skip("curl is not installed")
    wrapper = "curl() { command curl -sS --noproxy '*' --max-time 10 \"$@\"; }\n"
    environ = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    environ.update(env)
    # The script goes on stdin: one argument (bash -c) may hold at most 128 KiB.
    done = subprocess.run(
        ["bash", "-s"],
        input=(wrapper + command).encode("utf-8", "surrogateescape"),
        capture_output=True,
        timeout=30,
        env=environ,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def received(stdout: bytes) -> bytes:
    """The exact request bytes the server echoed."""
    return base64.b64decode(json.loads(stdout)["raw"]["base64"])


def spec_for(server: ServerHandle, path: str = "/anything", **kw: Any) -> RequestSpec:
    """A spec for the server with Host, User-Agent and Accept first, as the TUI builds it."""
    return with_default_headers(RequestSpec(url=server.url + path, **kw))


EXACT: dict[str, dict[str, Any]] = {
    "get": {},
    "post-form": {"method": b"POST", "body": b"a=1&b=2"},
    "no-defaults": {"method": b"DELETE", "headers": ((b"X-Only", b"1"),), "_bare": True},
    "host-last": {"headers": ((b"X-A", b"1"), (b"Host", b"elsewhere")), "_bare": True},
    "two-hosts": {"headers": ((b"Host", b"a"), (b"Host", b"a")), "_bare": True},
    "odd-bytes": {
        "method": b"get",
        "headers": ((b"X-Fold", b"a\r\n b"), (b"x-bin", b"\xff\xfe"), (b"X-Pad", b"  v  ")),
        "body": b"line1\r\nline2\t'quoted'",
    },
    "http10": {"http_version": b"HTTP/1.0"},
    "dots-and-globs": {"_path": "/anything/a/./../b?x=[1]&y={2}"},
    "absolute-form": {"_absolute": True},
    "nul-body": {"method": b"PUT", "body": b"\x00\x01%s\\n'"},
    "big-body": {"method": b"POST", "body": b"x" * (1100 * 1024)},
    "one-chunk": {
        "method": b"POST",
        "headers": ((b"Transfer-Encoding", b"chunked"),),
        "body": b"b\r\nhello world\r\n0\r\n\r\n",
    },
}


@pytest.mark.parametrize("name", EXACT)
def test_curl_sends_the_exact_bytes(server: ServerHandle, name: str) -> None:
    """Where curl can, the exported command puts serialize(spec) on the wire byte for byte.

    curl's own Host/User-Agent/Accept, Content-Type, Content-Length and Expect are
    removed when the spec lacks them, dot segments and globs are kept, NUL and big
    bodies go through printf.
    """
    kw = dict(EXACT[name])
    path = str(kw.pop("_path", "/anything"))
    bare = kw.pop("_bare", False)
    if kw.pop("_absolute", False):
        kw["request_target"] = (server.url + "/anything?abs=1").encode()
    spec = RequestSpec(url=server.url + path, **kw) if bare else spec_for(server, path, **kw)
    export = to_curl(spec)
    expect_quoting = name == "odd-bytes"
    assert [c for c in export.caveats if "$'" not in c] == []
    assert bool(export.caveats) == expect_quoting
    assert received(run_curl(export.text)) == serialize(spec)


@pytest.mark.parametrize(
    "spec",
    [
        RequestSpec(b"HEAD", headers=((b"Host", b"h"),)),
        RequestSpec(b"POST", headers=((b"Host", b"h"),), body=b"no length"),
    ],
    ids=["head", "body-without-length"],
)
def test_curl_exact_bytes_the_echo_cannot_show(spec: RequestSpec) -> None:
    """HEAD (no body to echo in) and a body without Content-Length (which a server does
    not read) are checked on a recording server: the bytes are exact."""
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    wire_end = b"no length" if spec.body else b"\r\n\r\n"
    with ScriptedServer([read_until(wire_end), write(reply)]) as recorder:
        spec = replace(spec, url=recorder.url + "/x")
        export = to_curl(spec)
        assert export.caveats == ()
        run_curl(export.text)
        assert recorder.connection(0).received == serialize(spec)


def test_curl_http2_is_not_negotiated(server: ServerHandle, tmp_path: Path) -> None:
    """Over TLS the --http1.1 flag keeps curl on HTTP/1.1 and the bytes exact."""
    with start_server("127.0.0.1", tls=True, tls_dir=tmp_path) as tls_server:
        spec = spec_for(tls_server, method=b"PATCH", body=b"{}")
        export = to_curl(spec)
        assert "--http1.1" in export.text
        ca = str(tls_server.ca_path)
        assert received(run_curl(export.text, CURL_CA_BUNDLE=ca)) == serialize(spec)


def test_curl_caveats_are_real(server: ServerHandle) -> None:
    """Empty values lose the space after the colon; chunked bodies get curl's own framing."""
    spec = spec_for(server, headers=((b"X-Empty", b""),))
    export = to_curl(spec)
    assert export.caveats == (
        "curl sends the empty header b'X-Empty' as 'Name:' without the space "
        "(and any whitespace) after the colon",
    )
    assert received(run_curl(export.text)) == serialize(spec).replace(b"X-Empty: ", b"X-Empty:")

    framed = b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n"
    spec = spec_for(
        server, method=b"POST", headers=((b"Transfer-Encoding", b"chunked"),), body=framed
    )
    export = to_curl(spec)
    assert export.caveats == (
        "curl writes its own chunked framing (one chunk of 11 bytes): the body's chunk "
        "sizes, extensions and trailers are not kept",
    )
    expected = serialize(spec).replace(framed, b"b\r\nhello world\r\n0\r\n\r\n")
    assert received(run_curl(export.text)) == expected


def test_curl_version_and_raw_caveats(server: ServerHandle) -> None:
    """HTTP/0.9-style versions are written as HTTP/1.1; sloppy raw bytes are rebuilt."""
    spec = spec_for(server, http_version=b"HTTP/1.2")
    export = to_curl(spec)
    assert export.caveats == ("curl writes HTTP/1.1 on the request line, not b'HTTP/1.2'",)
    assert received(run_curl(export.text)) == serialize(spec).replace(b"HTTP/1.2", b"HTTP/1.1")

    canonical = serialize(spec_for(server))
    raw = canonical.replace(b"\r\n", b"\n")
    export = to_curl(RequestSpec(url=server.url + "/", raw=raw))
    assert len(export.caveats) == 1 and export.caveats[0].startswith("curl cannot send raw bytes")
    assert received(run_curl(export.text)) == canonical


@pytest.mark.parametrize("name", EXACT)
def test_export_then_import_round_trip(server: ServerHandle, name: str) -> None:
    """parse_curl reads back what to_curl wrote: method, URL or target, fields and body."""
    kw = dict(EXACT[name])
    path = str(kw.pop("_path", "/anything"))
    bare = kw.pop("_bare", False)
    if kw.pop("_absolute", False):
        kw["request_target"] = (server.url + "/anything?abs=1").encode()
    spec = RequestSpec(url=server.url + path, **kw) if bare else spec_for(server, path, **kw)
    back = parse_curl(to_curl(spec).text)
    assert back.spec.method == spec.method
    assert back.spec.url == spec.url
    assert back.spec.headers == spec.headers
    assert back.spec.body == spec.body
    assert back.spec.request_target == spec.request_target
    assert back.http10 == (spec.http_version == b"HTTP/1.0")


def test_curl_argument_caveats_are_real(server: ServerHandle) -> None:
    """A header with no name is dropped; a NUL byte cuts the argument where it stands."""
    spec = spec_for(server, headers=((b"", b"v"), (b"X-N", b"a\x00b")))
    export = to_curl(spec)
    assert export.caveats[:2] == (
        "curl drops a header line with no name (value b'v')",
        "a NUL byte cannot go in a command-line argument: curl's copy ends there",
    )
    expected = serialize(spec).replace(b": v\r\n", b"").replace(b"a\x00b", b"a")
    assert received(run_curl(export.text)) == expected


def test_curl_frames_chunked_bodies_itself(server: ServerHandle) -> None:
    """A body that is not chunk-framed is framed by curl; a big one in curl's own chunk sizes."""
    te = ((b"Transfer-Encoding", b"chunked"),)
    spec = spec_for(server, method=b"POST", headers=te, body=b"not chunked")
    export = to_curl(spec)
    assert export.caveats[0].startswith("the body is not clean chunked framing")
    assert received(run_curl(export.text)).endswith(b"\r\n\r\nb\r\nnot chunked\r\n0\r\n\r\n")

    framed = reframe([b"y" * 40000, b"z" * 40000])
    spec = spec_for(server, method=b"POST", headers=te, body=framed)
    export = to_curl(spec)
    assert export.caveats[0].startswith("curl writes its own chunked framing, in chunks of")
    got = received(run_curl(export.text))
    body = got.partition(b"\r\n\r\n")[2]
    assert body != framed and dechunk(body) is not None
    assert b"".join(dechunk(body) or []) == b"y" * 40000 + b"z" * 40000


@given(st.binary().filter(lambda b: b"\x00" not in b))
def test_quote_then_split_gives_the_bytes_back(data: bytes) -> None:
    """Any argument without NUL survives quote() and our bash-like split()."""
    assert split(f"curl {quote(data)}") == [b"curl", data]


@given(st.binary())
def test_printf_word_round_trips(data: bytes) -> None:
    """printf_word is a format whose output is exactly the bytes, NUL included."""
    (word,) = split(printf_word(data))
    assert printf_output(word) == data


def test_bash_reads_the_quoting_as_we_do() -> None:
    """bash itself turns quote() and printf_word() back into the exact bytes."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    every = bytes(range(1, 256))
    script = f"printf %s {quote(every)}; printf {printf_word(bytes(range(256)))}"
    done = subprocess.run(
        ["bash", "-s"], input=script.encode("utf-8", "surrogateescape"), capture_output=True
    )
    assert done.stdout == every + bytes(range(256))
