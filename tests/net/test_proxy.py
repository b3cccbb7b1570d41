"""Through an HTTP proxy: absolute-form for http, a CONNECT tunnel for https."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from inspector.model import ErrorKind
from inspector.net import Client, send, wire_bytes
from tests.net.helpers import FAST, LocalCA, get, ok
from tests.net.proxy import Proxy
from tests.scripted import ScriptedServer, read_request, stall, write

Serve = Callable[..., ScriptedServer]


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    """A forwarding proxy on loopback."""
    with Proxy() as p:
        yield p


def test_http_through_a_proxy_uses_the_absolute_form(serve: Serve, proxy: Proxy) -> None:
    """A plain-http request to a proxy carries the absolute URL as its request-target."""
    srv = serve([read_request(), write(ok(b"via proxy"))])
    spec = get(srv.url + "/path?q=1")
    opts = replace(FAST, proxy=proxy.url)
    ex = send(spec, opts)
    assert ex.error is None, ex.error
    assert ex.response_body() == b"via proxy"
    expected = b"GET %s/path?q=1 HTTP/1.1\r\n" % srv.url.encode()
    assert ex.transcript.sent.read().startswith(expected)
    assert ex.transcript.sent.read() == wire_bytes(spec, opts)
    assert proxy.heads == [ex.transcript.sent.read()]
    assert srv.connection(0).received.startswith(b"GET /path?q=1 HTTP/1.1\r\n")
    assert ex.connection is not None
    assert ex.connection.proxy == proxy.url
    assert ex.connection.remote == f"127.0.0.1:{proxy.port}"


def test_a_spec_with_its_own_target_keeps_it_through_a_proxy(serve: Serve, proxy: Proxy) -> None:
    """An explicit request-target is not rewritten to the absolute form."""
    srv = serve([read_request(), write(ok())])
    spec = replace(get(srv.url + "/x"), request_target=srv.url.encode() + b"/custom")
    ex = send(spec, replace(FAST, proxy=proxy.url))
    assert ex.error is None
    assert proxy.heads[0].startswith(b"GET %s/custom HTTP/1.1\r\n" % srv.url.encode())


def test_https_through_a_connect_tunnel(serve: Serve, proxy: Proxy, local_ca: LocalCA) -> None:
    """https through a proxy: CONNECT, then TLS end to end with the origin, verified."""
    srv = serve([read_request(), write(ok(b"tunnelled"))], tls=local_ca.server_context())
    url = f"https://localhost:{srv.port}/secret"
    ex = send(get(url), replace(FAST, proxy=proxy.url, cacert=local_ca.cafile))
    assert ex.error is None, ex.error
    assert ex.response_body() == b"tunnelled"
    assert proxy.heads == [
        b"CONNECT localhost:%d HTTP/1.1\r\nHost: localhost:%d\r\n\r\n" % (srv.port, srv.port)
    ]
    assert ex.tls is not None and ex.tls.alpn == "http/1.1"
    assert ex.connection is not None and ex.connection.proxy == proxy.url
    # The origin saw the origin-form request in plaintext inside the tunnel.
    assert srv.connection(0).received.startswith(b"GET /secret HTTP/1.1\r\n")
    assert srv.connection(0).received in ex.transcript.sent.read()


def test_a_tunnel_is_reused_for_the_same_origin(
    serve: Serve, proxy: Proxy, local_ca: LocalCA
) -> None:
    """Two https requests through the proxy share one CONNECT tunnel."""
    srv = serve(
        [read_request(), write(ok(b"1")), read_request(), write(ok(b"2")), stall()],
        tls=local_ca.server_context(),
    )
    url = f"https://localhost:{srv.port}/"
    with Client(replace(FAST, proxy=proxy.url, cacert=local_ca.cafile)) as client:
        first, second = client.send(get(url)), client.send(get(url))
    assert first.response_body() == b"1" and second.response_body() == b"2"
    assert second.connection is not None and second.connection.reused is True
    assert len(proxy.heads) == 1
    assert srv.accepted == 1


def test_a_refused_tunnel_is_a_protocol_error(serve: Serve, local_ca: LocalCA) -> None:
    """A proxy answering 403 to CONNECT gives PROTOCOL with the status in the message."""
    srv = serve([read_request(), write(ok())], tls=local_ca.server_context())
    with Proxy(refuse_connect=403) as refusing:
        ex = send(
            get(f"https://localhost:{srv.port}/"),
            replace(FAST, proxy=refusing.url, cacert=local_ca.cafile),
        )
    assert ex.error is not None and ex.error.kind is ErrorKind.PROTOCOL
    assert "403" in ex.error.message
    assert srv.accepted == 0


def test_a_proxy_that_is_down_is_refused(serve: Serve) -> None:
    """A proxy port with nothing listening: REFUSED, naming the proxy's address."""
    closed = ScriptedServer([stall()])
    port = closed.port
    closed.stop()
    srv = serve([read_request(), write(ok())])
    ex = send(get(srv.url + "/"), replace(FAST, proxy=f"http://127.0.0.1:{port}"))
    assert ex.error is not None and ex.error.kind is ErrorKind.REFUSED
    assert f"127.0.0.1:{port}" in ex.error.message
    assert srv.accepted == 0
