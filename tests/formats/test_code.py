"""Python code export: each generated script is run against the built-in server (loopback).

The server's echo endpoints report the exact bytes that arrived, so every test
compares them with what the spec serializes to, and every caveat the export
claims is checked against what the real library put on the wire (or the error
it raised).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inspector.formats.code import to_python
from inspector.formats.export import Export
from inspector.model import RequestSpec
from inspector.server import ServerHandle, start_server
from inspector.wire.serialize import serialize, with_default_headers


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    """The built-in server on 127.0.0.1, plain HTTP."""
    handle = start_server("127.0.0.1")
    yield handle
    handle.stop()


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(extra)
    return env


def run(export: Export, **env: str) -> subprocess.CompletedProcess[bytes]:
    """Run a generated script with this interpreter, no proxy, and a time limit."""
    return subprocess.run(
        [sys.executable, "-c", export.text],
        capture_output=True,
        timeout=30,
        env=_env(**env),
        check=False,
    )


def echoed(stdout: bytes, *, raw_response: bool = False) -> dict[str, Any]:
    """The JSON echo of the request, from a script's output."""
    if raw_response:
        stdout = stdout.partition(b"\r\n\r\n")[2]
    doc: dict[str, Any] = json.loads(stdout)
    return doc


def received(stdout: bytes, *, raw_response: bool = False) -> bytes:
    """The exact request bytes the server received, from its echo."""
    return base64.b64decode(echoed(stdout, raw_response=raw_response)["raw"]["base64"])


def spec_for(server: ServerHandle, path: str = "/anything", **kw: Any) -> RequestSpec:
    """A spec for the server with Host, User-Agent and Accept first, as the TUI builds it."""
    return with_default_headers(RequestSpec(url=server.url + path, **kw))


# ---- socket: the exact bytes, whatever they are ----------------------------------------


SOCKET_SPECS: dict[str, dict[str, Any]] = {
    "get": {},
    "binary-body": {
        "method": b"PUT",
        "body": bytes(range(256)),
        "headers": ((b"content-type", b"application/octet-stream"),),
    },
    "odd-but-accepted": {
        "method": b"get",
        "headers": ((b"X-Fold", b"a\r\n  b"), (b"x-dup", b"1"), (b"X-DUP", b"2")),
        "http_version": b"HTTP/1.0",
    },
    "chunked-body": {
        "method": b"POST",
        "headers": ((b"Transfer-Encoding", b"chunked"),),
        "body": b"5;ext=1\r\nhello\r\n0\r\nX-T: 1\r\n\r\n",
    },
}


@pytest.mark.parametrize("name", SOCKET_SPECS)
def test_socket_script_sends_the_exact_bytes(server: ServerHandle, name: str) -> None:
    """The socket script puts serialize(spec) on the wire byte for byte, with no caveat."""
    spec = spec_for(server, **SOCKET_SPECS[name])
    export = to_python(spec, "socket")
    assert export.caveats == ()
    got = run(export)
    assert got.returncode == 0, got.stderr
    assert received(got.stdout, raw_response=True) == serialize(spec)
    assert b"stopped reading" not in got.stderr  # the framing ended the read, not a timeout


def test_socket_script_sends_a_raw_request_as_is(server: ServerHandle) -> None:
    """A raw spec (bare LF, odd spacing) is sent exactly; the response comes back whole."""
    raw = b"GET /anything?x=1 HTTP/1.1\nHost:   127.0.0.1  \nX-A:b\n\n"
    export = to_python(RequestSpec(url=server.url + "/", raw=raw), "socket")
    got = run(export)
    assert received(got.stdout, raw_response=True) == raw


@pytest.mark.parametrize(
    ("path", "method"),
    [("/stream/3", b"GET"), ("/interim", b"GET"), ("/get", b"HEAD"), ("/status/204", b"GET")],
)
def test_socket_script_stops_at_the_end_of_the_response(
    server: ServerHandle, path: str, method: bytes
) -> None:
    """On a keep-alive connection the script stops when chunked, 1xx, HEAD or 204 framing ends."""
    got = run(to_python(spec_for(server, path, method=method), "socket"))
    assert got.returncode == 0 and b"stopped reading" not in got.stderr
    head, _, body = got.stdout.partition(b"\r\n\r\n")
    if path == "/stream/3":
        assert body.endswith(b"0\r\n\r\n")
    elif path == "/interim":
        assert head.startswith(b"HTTP/1.1 100") and b"HTTP/1.1 200" in body
    else:
        assert body == b""


def test_socket_script_over_tls(tmp_path: Path) -> None:
    """https goes through ssl.create_default_context(), which trusts SSL_CERT_FILE."""
    with start_server("127.0.0.1", tls=True, tls_dir=tmp_path) as tls_server:
        assert tls_server.ca_path is not None
        spec = spec_for(tls_server, method=b"POST", body=b"over tls")
        got = run(to_python(spec, "socket"), SSL_CERT_FILE=str(tls_server.ca_path))
        assert got.returncode == 0, got.stderr
        doc = echoed(got.stdout, raw_response=True)
        assert doc["connection"]["tls"] is True
        assert base64.b64decode(doc["raw"]["base64"]) == serialize(spec)


# ---- http.client: exact unless it refuses --------------------------------------------


def test_httpclient_sends_the_fields_exactly(server: ServerHandle) -> None:
    """putrequest(skip_host, skip_accept_encoding) + endheaders(body) adds nothing: no caveat."""
    spec = spec_for(
        server,
        "/anything/a/../b?x=[1]",
        method=b"PATCH",
        headers=((b"x-lower", b"v"), (b"X-Fold", b"a\r\n b"), (b"X-Empty", b"")),
        body=b"\x00\xff binary",
    )
    export = to_python(spec, "http.client")
    assert export.caveats == ()
    got = run(export)
    assert got.returncode == 0, got.stderr
    assert received(got.stdout) == serialize(spec)


def test_httpclient_writes_http11_whatever_the_version(server: ServerHandle) -> None:
    """The HTTP/1.0 caveat is true: the request line says HTTP/1.1, the rest is exact."""
    spec = spec_for(server, http_version=b"HTTP/1.0")
    export = to_python(spec, "http.client")
    assert export.caveats == (
        "http.client always writes HTTP/1.1 on the request line, not b'HTTP/1.0'",
    )
    got = received(run(export).stdout)
    assert got == serialize(spec).replace(b"HTTP/1.0", b"HTTP/1.1", 1)


@pytest.mark.parametrize(
    ("change", "error", "caveat"),
    [
        ({"method": b"GET\x01"}, b"ValueError", "the method b'GET\\x01' (control bytes)"),
        ({"request_target": b"/a b"}, b"InvalidURL", "the request-target b'/a b'"),
        ({"headers": ((b" X-Lead", b"v"),)}, b"ValueError", "the header name b' X-Lead'"),
        ({"headers": ((b"X-Bad", b"a\nb"),)}, b"ValueError", "the value of X-Bad"),
        ({"method": b"G\xc9T"}, b"UnicodeEncodeError", "the method b'G\\xc9T'"),
        ({"request_target": b"/\xe9"}, b"UnicodeEncodeError", "the request-target b'/\\xe9'"),
    ],
)
def test_httpclient_refusals_are_real(
    server: ServerHandle, change: dict[str, Any], error: bytes, caveat: str
) -> None:
    """Each refusal caveat names what http.client rejects, and the script fails with that error."""
    export = to_python(spec_for(server, **change), "http.client")
    assert len(export.caveats) == 1 and caveat in export.caveats[0]
    assert error.decode() in export.caveats[0]
    got = run(export)
    assert got.returncode != 0 and error in got.stderr


def test_httpclient_raw_spec(server: ServerHandle) -> None:
    """A canonical raw spec is sent exactly; a bare-LF one is rebuilt, as the caveat says."""
    canonical = serialize(spec_for(server, method=b"POST", body=b"x=1"))
    url = server.url + "/"
    export = to_python(RequestSpec(url=url, raw=canonical), "http.client")
    assert export.caveats == ()
    assert received(run(export).stdout) == canonical
    sloppy = canonical.replace(b"\r\n", b"\n").replace(b": ", b":  ")
    export = to_python(RequestSpec(url=url, raw=sloppy), "http.client")
    assert len(export.caveats) == 1 and "cannot send raw bytes" in export.caveats[0]
    assert received(run(export).stdout) == canonical


# ---- httpx: every addition and refusal checked -----------------------------------------


def test_httpx_sends_a_clean_spec_exactly(server: ServerHandle) -> None:
    """Host first, token names, exact Content-Length: httpx adds nothing, and the target is kept."""
    spec = spec_for(
        server,
        "/anything/a/../b?x=[1]&y=%7e",
        method=b"POST",
        headers=((b"x-lower", b"v"), (b"Content-Length", b"4")),
        body=b"\xff\x00ab",
    )
    export = to_python(spec, "httpx")
    assert export.caveats == ()
    got = run(export)
    assert got.returncode == 0, got.stderr
    assert received(got.stdout) == serialize(spec)


def test_httpx_additions_and_rewrites(server: ServerHandle) -> None:
    """Host added first, lower-case method upper-cased, Content-Length appended, HTTP/1.1 forced."""
    spec = RequestSpec(
        method=b"put",
        url=server.url + "/anything",
        http_version=b"HTTP/1.0",
        headers=((b"X-A", b"1"),),
        body=b"data",
    )
    export = to_python(spec, "httpx")
    authority = spec.target.authority
    assert export.caveats == (
        "httpx (h11) only sends HTTP/1.1, not b'HTTP/1.0'",
        "httpx upper-cases the method: it sends b'PUT'",
        f"httpx adds 'Host: {authority}' as the first field",
        "httpx adds 'Content-Length: 4' after the fields",
    )
    assert (
        received(run(export).stdout)
        == (
            f"PUT /anything HTTP/1.1\r\nHost: {authority}\r\nX-A: 1\r\n"
            "Content-Length: 4\r\n\r\ndata"
        ).encode()
    )


def test_httpx_moves_host_and_adds_a_zero_length(server: ServerHandle) -> None:
    """Host moves to the first line; an empty POST gets Content-Length: 0 right after it."""
    host = server.url.removeprefix("http://").encode()
    spec = RequestSpec(
        method=b"POST", url=server.url + "/anything", headers=((b"X-A", b"1"), (b"Host", host))
    )
    export = to_python(spec, "httpx")
    assert export.caveats == (
        "h11 moves the Host field to the first line",
        "httpx adds 'Content-Length: 0' right after Host",
    )
    expected = b"POST /anything HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\nX-A: 1\r\n\r\n" % host
    assert received(run(export).stdout) == expected


def test_httpx_merges_duplicate_lengths_and_lowercases_chunked(server: ServerHandle) -> None:
    """Two equal Content-Length fields become one; 'Chunked' is written 'chunked'."""
    spec = spec_for(server, method=b"POST", headers=((b"Content-Length", b"2"),) * 2, body=b"hi")
    export = to_python(spec, "httpx")
    assert export.caveats == ("h11 sends only the first of the 2 Content-Length fields",)
    assert received(run(export).stdout) == serialize(spec).replace(b"Content-Length: 2\r\n", b"", 1)
    body = b"5\r\nhello\r\n0\r\n\r\n"
    spec = spec_for(
        server, method=b"POST", headers=((b"Transfer-Encoding", b"Chunked"),), body=body
    )
    export = to_python(spec, "httpx")
    assert export.caveats == (
        "h11 lower-cases the Transfer-Encoding value b'Chunked' to b'chunked'",
    )
    assert received(run(export).stdout) == serialize(spec).replace(b"Chunked", b"chunked")


def test_httpx_chunked_bodies(server: ServerHandle) -> None:
    """Clean chunks keep their sizes; extensions and trailers are lost, as the caveat says."""
    clean = b"5\r\nhello\r\n2\r\nab\r\n0\r\n\r\n"
    spec = spec_for(
        server, method=b"POST", headers=((b"Transfer-Encoding", b"chunked"),), body=clean
    )
    export = to_python(spec, "httpx")
    assert export.caveats == ()
    assert received(run(export).stdout) == serialize(spec)
    fancy = b"5;x=y\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"
    export = to_python(
        spec_for(server, method=b"POST", headers=spec.headers[3:], body=fancy), "httpx"
    )
    assert len(export.caveats) == 1 and "extensions" in export.caveats[0]
    assert received(run(export).stdout).endswith(b"\r\n\r\n5\r\nhello\r\n0\r\n\r\n")


@pytest.mark.parametrize(
    ("change", "what"),
    [
        ({"headers": ((b"X-Fold", b"a\r\n b"),)}, "the value of X-Fold"),
        ({"headers": ((b"X-Pad", b" v"),)}, "the value of X-Pad"),
        ({"headers": ((b"X Bad", b"v"),)}, "the header name b'X Bad'"),
        ({"headers": ((b"Host", b"a"), (b"Host", b"b"))}, "more than one Host field"),
        ({"method": b"A B"}, "the method b'A B'"),
        ({"request_target": b"/a b"}, "the request-target b'/a b'"),
        ({"request_target": b"/\xe9"}, "the request-target b'/\\xe9'"),
        ({"headers": ((b"Content-Length", b"9"),), "body": b"short"}, "a 5-byte body"),
        ({"headers": ((b"Transfer-Encoding", b"gzip"),)}, "Transfer-Encoding b'gzip'"),
    ],
)
def test_httpx_refusals_are_real(server: ServerHandle, change: dict[str, Any], what: str) -> None:
    """Each refusal caveat matches an httpx.LocalProtocolError when the script runs."""
    export = to_python(spec_for(server, **change), "httpx")
    refusals = [c for c in export.caveats if "refuses" in c]
    assert len(refusals) == 1 and what in refusals[0], export.caveats
    got = run(export)
    assert got.returncode != 0 and b"LocalProtocolError" in got.stderr


def test_httpx_refuses_a_non_ascii_method(server: ServerHandle) -> None:
    """httpcore, not h11, rejects a non-ASCII method, with a TypeError."""
    export = to_python(spec_for(server, method=b"G\xc9T"), "httpx")
    assert export.caveats[0] == (
        "httpcore refuses the non-ASCII method b'G\\xc9T': the script stops with TypeError"
    )
    got = run(export)
    assert got.returncode != 0 and b"TypeError" in got.stderr


def test_httpclient_sends_slash_for_an_empty_target(server: ServerHandle) -> None:
    """An empty request-target goes out as '/', as the caveat says."""
    spec = spec_for(server, "/", request_target=b"")
    export = to_python(spec, "http.client")
    assert export.caveats == ("http.client sends '/' for an empty request-target",)
    got = run(export)
    assert got.returncode == 0 and b"<title>inspector-test-server</title>" in got.stdout


def test_httpx_over_tls(tmp_path: Path) -> None:
    """The httpx script verifies with ssl.create_default_context() too."""
    with start_server("127.0.0.1", tls=True, tls_dir=tmp_path) as tls_server:
        assert tls_server.ca_path is not None
        spec = spec_for(tls_server)
        got = run(to_python(spec, "httpx"), SSL_CERT_FILE=str(tls_server.ca_path))
        assert got.returncode == 0, got.stderr
        assert received(got.stdout) == serialize(spec)


def test_unknown_target_and_bad_url() -> None:
    """An unknown library is a ValueError; a URL with no target is the usual InputError."""
    from inspector.model import InputError

    with pytest.raises(ValueError):
        to_python(RequestSpec(url="http://h.test/"), "requests")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        to_python(RequestSpec(url="ftp://h.test/"), "socket")


@pytest.mark.parametrize(
    ("headers", "body", "caveat", "wire_tail"),
    [
        (
            ((b"Content-Length", b"2, 2"),),
            b"hi",
            "h11 rewrites Content-Length b'2, 2' as b'2'",
            b"Content-Length: 2\r\n\r\nhi",
        ),
        (
            ((b"Transfer-Encoding", b"chunked"),),
            b"not chunked",
            "the body is not clean chunked framing: h11 sends it as the data of one chunk",
            b"Transfer-Encoding: chunked\r\n\r\nb\r\nnot chunked\r\n0\r\n\r\n",
        ),
    ],
)
def test_httpx_framing_rewrites(
    server: ServerHandle,
    headers: tuple[tuple[bytes, bytes], ...],
    body: bytes,
    caveat: str,
    wire_tail: bytes,
) -> None:
    """A Content-Length list is collapsed; a body that is not chunk-framed becomes one chunk."""
    export = to_python(spec_for(server, method=b"POST", headers=headers, body=body), "httpx")
    assert export.caveats == (caveat,)
    assert received(run(export).stdout).endswith(wire_tail)


@pytest.mark.parametrize(
    "lengths",
    [((b"Content-Length", b"2"), (b"Content-Length", b"3")), ((b"Content-Length", b"x"),)],
)
def test_httpx_refuses_bad_lengths(
    server: ServerHandle, lengths: tuple[tuple[bytes, bytes], ...]
) -> None:
    """Conflicting or non-numeric Content-Length: refused, as the caveat says."""
    export = to_python(spec_for(server, method=b"POST", headers=lengths, body=b"hi"), "httpx")
    assert len(export.caveats) == 1 and "refuses" in export.caveats[0]
    got = run(export)
    assert got.returncode != 0 and b"LocalProtocolError" in got.stderr
