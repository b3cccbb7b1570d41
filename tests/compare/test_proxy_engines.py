"""http.client and httpx through ``--proxy``, as our client goes (loopback only).

Plain http: the absolute-form request goes to the proxy. https: a CONNECT
tunnel, then TLS to the origin, verified as ours is; the Exchange holds the
origin's response, never the proxy's reply to CONNECT. A proxy that is down,
refuses the tunnel or is given badly is an outcome, never an exception.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest

from inspector.cli import run
from inspector.compare import compare
from inspector.compare.diff import diff
from inspector.compare.dryrun import dry_run
from inspector.model import ErrorKind, EventKind, Exchange, RequestSpec
from inspector.net import SendOptions, send
from inspector.server import ServerHandle, start_server
from inspector.wire.serialize import with_default_headers
from tests.net.proxy import Proxy

OPTIONS = SendOptions(read_timeout=5.0, connect_timeout=5.0)
ENGINES = ("http.client", "httpx")


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    """A forwarding proxy on loopback (records the head of each request it gets)."""
    with Proxy() as p:
        yield p


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    """The built-in server over TLS on 127.0.0.1, with its local CA (``ca_path``)."""
    with start_server("127.0.0.1", tls=True, tls_dir=tmp_path_factory.mktemp("tls")) as srv:
        yield srv


def spec_for(url: str) -> RequestSpec:
    return with_default_headers(RequestSpec(url=url))


def through(engine: str, url: str, options: SendOptions) -> Exchange:
    (exchange,) = compare(spec_for(url), options, (engine,))
    return exchange


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def events(exchange: Exchange, kind: EventKind) -> list[str]:
    return [e.detail for e in exchange.transcript.events if e.kind is kind]


@pytest.mark.parametrize("engine", ENGINES)
def test_http_goes_to_the_proxy_in_absolute_form(
    engine: str, server: ServerHandle, proxy: Proxy
) -> None:
    """The proxy gets ``GET http://origin/get``, exactly the engine's sent bytes; the
    Exchange holds the origin's 200 (its JSON names the origin URL)."""
    url = f"{server.url}/get?q=1"
    ex = through(engine, url, replace(OPTIONS, proxy=proxy.url))
    assert ex.error is None, ex.error
    assert ex.response is not None and ex.response.status == 200
    assert ex.library is not None and ex.library["status"] == 200
    assert json.loads(ex.response_body())["url"] == url
    sent = ex.transcript.sent.read()
    assert sent.startswith(b"GET %s HTTP/1.1\r\n" % url.encode())
    assert proxy.heads == [sent]
    assert events(ex, EventKind.CONNECT) == [f"-> 127.0.0.1:{proxy.port} (the proxy {proxy.url})"]


def test_http_request_line_is_the_same_as_ours(server: ServerHandle, proxy: Proxy) -> None:
    """All three engines write the same absolute-form request line to the proxy."""
    spec = spec_for(f"{server.url}/get")
    opts = replace(OPTIONS, proxy=proxy.url)
    ours = send(spec, opts)
    others = compare(spec, opts)
    lines = {h.split(b"\r\n", 1)[0] for h in proxy.heads}
    assert lines == {b"GET %s/get HTTP/1.1" % server.url.encode()}
    assert len(proxy.heads) == 3
    for e in diff(ours, others).engines:
        assert e.outcome == "parsed"
        assert "request-line" not in [d.field for d in e.request]
        assert "status" not in [d.field for d in e.response]


@pytest.mark.parametrize("engine", ENGINES)
def test_https_tunnels_through_the_proxy_and_keeps_the_origins_response(
    engine: str, tls_server: ServerHandle, proxy: Proxy
) -> None:
    """CONNECT to the origin's authority, then TLS verified with --cacert; the status and
    headers are the origin's, not those of the proxy's ``200 Connection Established``."""
    assert tls_server.ca_path is not None
    url = f"{tls_server.url}/get"
    opts = replace(OPTIONS, proxy=proxy.url, cacert=str(tls_server.ca_path))
    ex = through(engine, url, opts)
    assert ex.error is None, ex.error
    assert len(proxy.heads) == 1
    assert proxy.heads[0].startswith(b"CONNECT 127.0.0.1:%d HTTP/1." % tls_server.port)
    resp = ex.response
    assert resp is not None and resp.status == 200 and resp.reason == b"OK"
    assert (b"Content-Type", b"application/json") in [(f.name, f.value) for f in resp.headers]
    assert json.loads(ex.response_body())["url"] == url
    lib = ex.library
    assert lib is not None and lib["status"] == 200 and lib["reason"] == "OK"
    assert ["content-type", "application/json"] in [
        [n.lower(), v]
        for n, v in lib["headers"]  # type: ignore[union-attr]
    ]
    assert events(ex, EventKind.TLS)  # TLS ran, inside the tunnel
    sent = ex.transcript.sent.read()
    received = ex.transcript.received.read()
    if engine == "httpx":
        # httpcore writes CONNECT through the recording backend: it is in the transcript,
        # and the response is read after the proxy's reply.
        assert sent.startswith(proxy.heads[0])
        assert received.startswith(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        assert resp.start == len(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        assert ex.timings.ttfb is not None and ex.timings.ttfb > 0
    else:
        # http.client writes CONNECT before recording begins: an event says so.
        assert sent.startswith(b"GET /get HTTP/1.1\r\n")
        assert received.startswith(b"HTTP/1.1 200 OK\r\n") and resp.start == 0
        (connect,) = events(ex, EventKind.CONNECT)
        assert connect.startswith(f"-> 127.0.0.1:{proxy.port} (the proxy {proxy.url})")
        assert f"CONNECT 127.0.0.1:{tls_server.port}" in connect
        assert "not in this transcript" in connect


def test_https_comparison_compares_the_tunnelled_requests_and_responses(
    tls_server: ServerHandle, proxy: Proxy
) -> None:
    """Ours, http.client and httpx all read the origin's 200 through the tunnel, and the
    request side compares the requests inside the tunnel (the CONNECT heads left out:
    http.client's is not even recorded)."""
    assert tls_server.ca_path is not None
    spec = spec_for(f"{tls_server.url}/get")
    opts = replace(OPTIONS, proxy=proxy.url, cacert=str(tls_server.ca_path))
    ours = send(spec, opts)
    others = compare(spec, opts)
    assert ours.response is not None and ours.response.status == 200
    for e in diff(ours, others).engines:
        assert e.outcome == "parsed", e.engine
        fields = [d.field for d in e.response]
        assert "status" not in fields and "reason" not in fields and "outcome" not in fields
        sent = [d.field for d in e.request]
        assert "request-line" not in sent and "body" not in sent, e.request


@pytest.mark.parametrize("engine", ENGINES)
def test_https_through_the_proxy_still_verifies_the_origin(
    engine: str, tls_server: ServerHandle, proxy: Proxy
) -> None:
    """Without --cacert the origin's certificate is not trusted: a TLS error, as ours gives."""
    ex = through(engine, f"{tls_server.url}/get", replace(OPTIONS, proxy=proxy.url))
    assert ex.error is not None and ex.error.kind is ErrorKind.TLS, ex.error
    assert ex.response is None
    assert proxy.heads[0].startswith(b"CONNECT 127.0.0.1:%d " % tls_server.port)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_proxy_that_is_down_is_a_refused_outcome(
    engine: str, scheme: str, server: ServerHandle, tls_server: ServerHandle
) -> None:
    """Nothing listens at the proxy's port: an Exchange with a refused error, no exception."""
    origin = server if scheme == "http" else tls_server
    ex = through(engine, f"{origin.url}/get", replace(OPTIONS, proxy=f"127.0.0.1:{closed_port()}"))
    assert ex.error is not None and ex.error.kind is ErrorKind.REFUSED, ex.error
    assert ex.response is None
    assert ex.library is not None and ex.library["exception"] is not None
    (error,) = events(ex, EventKind.ERROR)
    assert error.startswith("the proxy 127.0.0.1:")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_refused_tunnel_is_a_protocol_error_without_a_response(
    engine: str, tls_server: ServerHandle
) -> None:
    """The proxy answers CONNECT with 403: no response to the request (the proxy's answer is
    not taken for the origin's), a protocol error as our client reports it."""
    assert tls_server.ca_path is not None
    with Proxy(refuse_connect=403) as refusing:
        opts = replace(OPTIONS, proxy=refusing.url, cacert=str(tls_server.ca_path))
        ex = through(engine, f"{tls_server.url}/get", opts)
        ours = send(spec_for(f"{tls_server.url}/get"), opts)
    assert ex.error is not None and ex.error.kind is ErrorKind.PROTOCOL, ex.error
    assert "403" in ex.error.message
    assert ex.response is None and ours.response is None
    assert ours.error is not None and ours.error.kind is ErrorKind.PROTOCOL


@pytest.mark.parametrize("engine", ENGINES)
def test_a_bad_proxy_setting_is_an_invalid_request_outcome(
    engine: str, server: ServerHandle
) -> None:
    """The proxy is read as our client reads it: the same complaint, as an outcome."""
    ex = through(engine, f"{server.url}/get", replace(OPTIONS, proxy="ftp://example.test"))
    assert ex.error is not None and ex.error.kind is ErrorKind.INVALID_REQUEST
    assert "bad proxy 'ftp://example.test'" in ex.error.message
    assert len(ex.transcript.sent) == 0


def test_cli_compare_through_the_proxy(
    server: ServerHandle, proxy: Proxy, capsys: pytest.CaptureFixture[str]
) -> None:
    """``send --compare --proxy``: all three engines reach the proxy, exit 0, and the old
    "connected directly" note is gone."""
    url = f"{server.url}/get"
    assert run(["send", url, "--compare", "--proxy", proxy.url, "--no-history"]) == 0
    out = capsys.readouterr().out
    assert "connected directly" not in out
    assert "comparison (" in out
    assert len(proxy.heads) == 3
    assert all(h.startswith(b"GET %s HTTP/1.1\r\n" % url.encode()) for h in proxy.heads)


def test_dry_run_through_a_proxy_shows_the_absolute_form() -> None:
    """http: each engine writes the absolute-form request it would send to the proxy; https:
    the tunnel's plaintext, the CONNECT not shown (the note says so)."""
    opts = replace(OPTIONS, proxy=f"http://127.0.0.1:{closed_port()}")
    for run_ in dry_run(spec_for("http://example.test/x?y=1"), opts):
        assert run_.sent.startswith(b"GET http://example.test/x?y=1 HTTP/1.1\r\n"), run_.engine
        assert run_.received == run_.sent
        assert b"\r\nHost: example.test\r\n" in run_.sent
        assert "as written to the proxy" in run_.note
    for run_ in dry_run(spec_for("https://example.test/x"), opts):
        assert run_.sent.startswith(b"GET /x HTTP/1.1\r\n"), run_.engine
        assert "inside TLS" in run_.note and "CONNECT to the proxy not shown" in run_.note
