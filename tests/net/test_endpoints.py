"""Every endpoint of the built-in server through ``Client.send``, with the outcome it teaches."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pytest

from inspector.model import ErrorKind, EventKind, Exchange, Framing, RequestSpec
from inspector.net import Client
from inspector.server import ServerHandle, seeded_bytes, start_server
from inspector.server import endpoints_bad as bad
from inspector.server.routes import ENDPOINTS
from tests.net.helpers import FAST, get, has_ipv6_loopback

Check = Callable[[Exchange], None]


def _nothing(ex: Exchange) -> None:
    pass


@dataclass(frozen=True)
class Case:
    """One request to an endpoint and what must come back."""

    path: str
    method: bytes = b"GET"
    headers: tuple[tuple[bytes, bytes], ...] = ()
    body: bytes = b""
    status: int | None = 200
    error: ErrorKind | None = None
    anomalies: frozenset[str] = field(default_factory=frozenset)
    closed_by: str | None = None
    check: Check = _nothing
    options: dict[str, object] = field(default_factory=dict)


def _echo(ex: Exchange) -> None:
    """The echo's raw request is exactly what our transcript says we sent."""
    doc = json.loads(ex.response_body())
    assert base64.b64decode(doc["raw"]["base64"]) == ex.transcript.sent.read()
    assert ex.connection is not None and doc["connection"]["client"] == ex.connection.local


def _echo_body(ex: Exchange) -> None:
    _echo(ex)
    assert json.loads(ex.response_body())["body"]["text"] == "hello"


def _index(ex: Exchange) -> None:
    assert {e["path"] for e in json.loads(ex.response_body())["endpoints"]} == set(CASES)


def _header(name: bytes, value: bytes) -> Check:
    def check(ex: Exchange) -> None:
        assert ex.response is not None and ex.response.header_values(name) == [value]

    return check


def _body(expected: bytes) -> Check:
    def check(ex: Exchange) -> None:
        assert ex.response_body() == expected

    return check


def _framing(framing: Framing, body: bytes | None = None) -> Check:
    def check(ex: Exchange) -> None:
        assert ex.response is not None and ex.response.framing is framing
        if body is not None:
            assert ex.response_body() == body

    return check


def _many_reads(at_least: int) -> Check:
    def check(ex: Exchange) -> None:
        recvs = [e for e in ex.transcript.events if e.kind is EventKind.RECV]
        assert len(recvs) >= at_least

    return check


def _stream(ex: Exchange) -> None:
    assert ex.response is not None and ex.response.framing is Framing.CHUNKED
    lines = ex.response_body().splitlines()
    assert len(lines) == 5 and all(json.loads(line) for line in lines)


def _trailers(ex: Exchange) -> None:
    assert ex.response is not None
    assert [t.name for t in ex.response.trailers] == [b"X-Checksum", b"X-Note"]
    assert ex.response_body() == b"hello, world"


def _obs_fold(ex: Exchange) -> None:
    assert ex.response is not None
    folded = [h for h in ex.response.headers if h.name == b"X-Folded"]
    assert folded[0].unfolded_value == b"first part, second part, third part"


def _interim(ex: Exchange) -> None:
    assert ex.response is not None
    assert [i.status for i in ex.response.interim] == [100, 103]
    assert ex.response_body() == bad.INTERIM_BODY


def _http10(ex: Exchange) -> None:
    assert ex.response is not None and ex.response.http_version == b"HTTP/1.0"
    assert ex.response_body() == bad.HTTP10_BODY


def _limit(ex: Exchange) -> None:
    assert ex.response is not None
    assert ex.response.body_size == 50_000
    assert ex.response_body() == _endless(50_000)


def _reset(ex: Exchange) -> None:
    assert ex.response is not None and ex.response.status == 200
    assert ex.response_body() == b"r" * 100


def _has_etag(ex: Exchange) -> None:
    assert ex.response is not None and len(ex.response.header_values(b"ETag")) == 1


def _endless(size: int) -> bytes:
    return (bad.ENDLESS_LINE * (size // len(bad.ENDLESS_LINE) + 1))[:size]


def _json_ok(ex: Exchange) -> None:
    json.loads(ex.response_body())


JSON = ((b"Accept", b"application/json"),)
BODY = ((b"Content-Length", b"5"),)
SLOW: dict[str, object] = {"read_timeout": 0.4}

CASES: dict[str, Case] = {
    "/": Case("/", headers=JSON, check=_index),
    "/get": Case("/get?a=1", check=_echo),
    "/post": Case("/post", b"POST", BODY, b"hello", check=_echo_body),
    "/put": Case("/put", b"PUT", BODY, b"hello", check=_echo_body),
    "/patch": Case("/patch", b"PATCH", BODY, b"hello", check=_echo_body),
    "/delete": Case("/delete", b"DELETE", check=_echo),
    "/anything": Case("/anything?hello=world", b"OPTIONS", check=_echo),
    "/anything/{rest...}": Case("/anything/some/path?x=1", b"BREW", check=_echo),
    "/headers": Case("/headers", headers=((b"X-MiXeD", b"Case"),), check=_json_ok),
    "/status/{code}": Case("/status/418", status=418, check=_body(b"")),
    "/delay/{seconds}": Case("/delay/0.1", check=_echo),
    "/bytes/{n}": Case("/bytes/1024?seed=42", check=_body(seeded_bytes(1024, 42))),
    "/stream/{n}": Case("/stream/5", check=_stream),
    "/drip": Case("/drip?numbytes=4&duration=0.1", check=_body(b"****")),
    "/gzip": Case("/gzip", check=_header(b"Content-Encoding", b"gzip")),
    "/deflate": Case("/deflate", check=_header(b"Content-Encoding", b"deflate")),
    "/brotli": Case("/brotli", check=_header(b"Content-Encoding", b"br")),
    "/json": Case("/json", check=_json_ok),
    "/html": Case("/html", check=_header(b"Content-Type", b"text/html; charset=utf-8")),
    "/xml": Case("/xml"),
    "/image/png": Case("/image/png", check=_header(b"Content-Type", b"image/png")),
    "/redirect/{n}": Case("/redirect/3", status=302, check=_header(b"Location", b"/redirect/2")),
    "/redirect-to": Case(
        "/redirect-to?url=/get&status=307", status=307, check=_header(b"Location", b"/get")
    ),
    "/basic-auth/{user}/{password}": Case(
        "/basic-auth/user/passwd", headers=((b"Authorization", b"Basic dXNlcjpwYXNzd2Q="),)
    ),
    "/bearer": Case("/bearer", headers=((b"Authorization", b"Bearer t0k3n"),)),
    "/cookies": Case("/cookies", headers=((b"Cookie", b"a=1"),), check=_json_ok),
    "/cookies/set": Case("/cookies/set?flavour=oatmeal", status=302),
    "/cookies/delete": Case("/cookies/delete?flavour", status=302),
    "/response-headers": Case(
        "/response-headers?X-Hello=world", check=_header(b"X-Hello", b"world")
    ),
    "/etag": Case("/etag", check=_has_etag),
    "/etag/{etag}": Case("/etag/abc123", check=_header(b"ETag", b'"abc123"')),
    "/trickle": Case("/trickle?delay=0.001&size=8", check=_many_reads(4)),
    "/keepalive-no-length": Case(
        "/keepalive-no-length?hold=3",
        error=ErrorKind.READ_TIMEOUT,
        closed_by="timeout",
        check=_body(bad.NO_LENGTH_BODY),
        options=SLOW,
    ),
    "/close-delimited": Case(
        "/close-delimited", closed_by="server-fin", check=_framing(Framing.CLOSE, bad.CLOSE_BODY)
    ),
    "/truncated": Case(
        "/truncated",
        error=ErrorKind.INCOMPLETE,
        anomalies=frozenset({"incomplete-body"}),
        closed_by="server-fin",
        check=_body(b"0123456789" * 4),
    ),
    "/reset": Case("/reset?delay=0.2", error=ErrorKind.RESET, closed_by="server-rst", check=_reset),
    "/chunked/bad-size": Case(
        "/chunked/bad-size?kind=huge",
        error=ErrorKind.PROTOCOL,
        anomalies=frozenset({"invalid-chunk-size"}),
        check=_body(b"hello"),
    ),
    "/chunked/no-terminator": Case(
        "/chunked/no-terminator",
        error=ErrorKind.INCOMPLETE,
        anomalies=frozenset({"incomplete-body"}),
        check=_body(b"hello, world"),
    ),
    "/chunked/extensions-trailers": Case("/chunked/extensions-trailers", check=_trailers),
    "/bare-lf": Case("/bare-lf", anomalies=frozenset({"bare-lf"}), check=_body(bad.BARE_LF_BODY)),
    "/obs-fold": Case("/obs-fold", anomalies=frozenset({"obs-fold"}), check=_obs_fold),
    "/cl-te-conflict": Case(
        "/cl-te-conflict", anomalies=frozenset({"cl-te-conflict"}), check=_body(b"chunked")
    ),
    "/duplicate-cl": Case(
        "/duplicate-cl", error=ErrorKind.PROTOCOL, anomalies=frozenset({"invalid-content-length"})
    ),
    "/huge-header": Case("/huge-header?kb=64", check=_body(b"ok\n")),
    "/many-headers": Case("/many-headers?n=200", check=_body(b"ok\n")),
    "/interim": Case("/interim?delay=0.01", check=_interim),
    "/slow-headers": Case("/slow-headers?delay=0.02", check=_many_reads(6)),
    "/http10": Case("/http10", closed_by="server-fin", check=_http10),
    "/escape": Case("/escape", anomalies=frozenset({"ctl-in-value"}), check=_body(bad.ESCAPE_BODY)),
    "/endless": Case(
        "/endless",
        error=ErrorKind.LIMIT,
        anomalies=frozenset({"body-too-large"}),
        check=_limit,
        options={"max_body": 50_000},
    ),
}


def test_the_index_lists_exactly_the_endpoints_tested(builtin: ServerHandle) -> None:
    """GET / with Accept: application/json, through our client, lists every endpoint here."""
    with Client(FAST) as client:
        ex = client.send(get(builtin.url + "/", *JSON))
    assert ex.error is None
    listed = [e["path"] for e in json.loads(ex.response_body())["endpoints"]]
    assert sorted(listed) == sorted(CASES)
    assert sorted(listed) == sorted(e.pattern for e in ENDPOINTS)


@pytest.mark.parametrize("pattern", sorted(CASES))
def test_endpoint(builtin: ServerHandle, pattern: str) -> None:
    """Each endpoint gives its outcome: no error when well-behaved, the taught error otherwise."""
    case = CASES[pattern]
    opts = replace(FAST, keep_body=True, **case.options)  # type: ignore[arg-type]
    spec = replace(get(builtin.url + case.path, *case.headers, method=case.method), body=case.body)
    with Client(opts) as client:
        ex = client.send(spec)
    assert (ex.error.kind if ex.error else None) is case.error, ex.error
    assert ex.response is not None
    assert ex.response.status == case.status
    assert case.anomalies <= {a.code for a in ex.anomalies}
    if case.error is None:
        assert not [a for a in ex.anomalies if a.is_error]
    assert ex.connection is not None
    if case.closed_by is not None:
        assert ex.connection.closed_by == case.closed_by
    assert ex.transcript.sent.read().startswith(case.method + b" " + case.path.encode() + b" ")
    case.check(ex)


@pytest.mark.parametrize("kind", ["nonhex", "huge", "negative"])
def test_every_bad_chunk_size_is_a_protocol_error(builtin: ServerHandle, kind: str) -> None:
    """Each kind of bad chunk size ends the exchange as PROTOCOL with invalid-chunk-size."""
    with Client(FAST) as client:
        ex = client.send(get(f"{builtin.url}/chunked/bad-size?kind={kind}"))
    assert ex.error is not None and ex.error.kind is ErrorKind.PROTOCOL
    assert "invalid-chunk-size" in {a.code for a in ex.anomalies}
    assert ex.response_body() == b"hello"


def test_a_chunked_endless_body_stops_at_the_limit(builtin: ServerHandle) -> None:
    """/endless?chunked=1 stops with LIMIT and exactly max_body body bytes, framing removed."""
    with Client(replace(FAST, max_body=70_000, keep_body=True)) as client:
        ex = client.send(get(builtin.url + "/endless?chunked=1"))
    assert ex.error is not None and ex.error.kind is ErrorKind.LIMIT
    assert ex.response is not None and ex.response.framing is Framing.CHUNKED
    assert ex.response.body_size == 70_000
    assert ex.response_body() == _endless(70_000)


def test_a_huge_head_is_a_protocol_error_with_its_limit(builtin: ServerHandle) -> None:
    """A 300 KiB header passes the head limit: PROTOCOL with header-too-long."""
    with Client(FAST) as client:
        ex = client.send(get(builtin.url + "/huge-header?kb=300"))
    assert ex.error is not None and ex.error.kind is ErrorKind.PROTOCOL
    assert "header-too-long" in {a.code for a in ex.anomalies}


@pytest.mark.skipif(not has_ipv6_loopback(), reason="no IPv6 loopback (::1) on this machine")
def test_ipv6_loopback_url_works() -> None:
    """http://[::1]:PORT/ reaches the built-in server on ::1; the remote is shown as IPv6."""
    with start_server("::1") as server, Client(FAST) as client:
        ex = client.send(get(f"http://[::1]:{server.port}/get"))
    assert ex.error is None
    assert ex.response is not None and ex.response.status == 200
    assert ex.connection is not None
    assert ex.connection.remote == f"[::1]:{server.port}"
    assert ex.connection.local.startswith("[::1]:")
    assert ex.connection.addresses_tried == (f"[::1]:{server.port}",)
    assert ex.transcript.sent.read().startswith(
        b"GET /get HTTP/1.1\r\nHost: [::1]:%d\r\n" % server.port
    )
    assert json.loads(ex.response_body())["connection"]["client"] == ex.connection.local


def test_the_client_adds_no_header_behind_the_spec(builtin: ServerHandle) -> None:
    """A spec without headers goes out as the request line alone; the echo saw just that."""
    with Client(FAST) as client:
        ex = client.send(RequestSpec(url=builtin.url + "/get"))
    assert ex.transcript.sent.read() == b"GET /get HTTP/1.1\r\n\r\n"
    assert ex.response is not None and ex.response.status == 200
    _echo(ex)
