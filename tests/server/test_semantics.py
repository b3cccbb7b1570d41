"""Redirects, authentication, cookies, response headers and conditional requests."""

from __future__ import annotations

import base64
import http.client
import json

import pytest

from inspector.server import ServerHandle
from tests.server.helpers import exchange, get


def _fetch(
    client: http.client.HTTPConnection, path: str, headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    client.request("GET", path, headers=headers or {})
    resp = client.getresponse()
    resp.read()
    return resp


def test_redirect_chain_counts_down_to_get(client: http.client.HTTPConnection) -> None:
    """/redirect/3 -> /redirect/2 -> /redirect/1 -> /get, each a 302 with a relative Location."""
    path, seen = "/redirect/3", []
    while path != "/get":
        resp = _fetch(client, path)
        assert resp.status == 302
        path = resp.getheader("Location", "")
        seen.append(path)
    assert seen == ["/redirect/2", "/redirect/1", "/get"]


def test_redirect_options(client: http.client.HTTPConnection, server: ServerHandle) -> None:
    """?status picks the code and is kept along the chain; ?absolute=1 gives a full URL."""
    resp = _fetch(client, "/redirect/2?status=307&absolute=1")
    assert resp.status == 307
    assert resp.getheader("Location") == (
        f"http://{server.host}:{server.port}/redirect/1?status=307&absolute=1"
    )
    assert _fetch(client, "/redirect/1?status=399").status == 400


def test_redirect_to(client: http.client.HTTPConnection) -> None:
    """/redirect-to sends the Location given; a CR/LF in it is refused, not injected."""
    resp = _fetch(client, "/redirect-to?url=/anything&status=308")
    assert (resp.status, resp.getheader("Location")) == (308, "/anything")
    assert _fetch(client, "/redirect-to?url=/x%0d%0aSet-Cookie:%20a=b").status == 400


def test_basic_auth(client: http.client.HTTPConnection) -> None:
    """Right credentials: 200; wrong or none: 401 with a Basic challenge."""
    good = base64.b64encode(b"user:passwd").decode()
    bad = base64.b64encode(b"user:nope").decode()
    resp = _fetch(client, "/basic-auth/user/passwd")
    assert resp.status == 401
    assert resp.getheader("WWW-Authenticate", "").startswith("Basic realm=")
    assert (
        _fetch(client, "/basic-auth/user/passwd", {"Authorization": f"Basic {bad}"}).status == 401
    )
    client.request("GET", "/basic-auth/user/passwd", headers={"Authorization": f"Basic {good}"})
    resp2 = client.getresponse()
    assert resp2.status == 200
    assert json.loads(resp2.read()) == {"authenticated": True, "user": "user"}


def test_bearer(client: http.client.HTTPConnection) -> None:
    """A bearer token is accepted and echoed; no token gets 401 with a Bearer challenge."""
    resp = _fetch(client, "/bearer")
    assert (resp.status, resp.getheader("WWW-Authenticate")) == (401, "Bearer")
    client.request("GET", "/bearer", headers={"Authorization": "Bearer abc.def"})
    resp = client.getresponse()
    assert (resp.status, json.loads(resp.read())["token"]) == (200, "abc.def")


def test_cookies_set_and_read_back(client: http.client.HTTPConnection) -> None:
    """/cookies/set sets one Set-Cookie per pair and redirects; /cookies reads Cookie back."""
    resp = _fetch(client, "/cookies/set?flavour=oatmeal&colour=brown")
    assert resp.status == 302 and resp.getheader("Location") == "/cookies"
    assert resp.headers.get_all("Set-Cookie") == ["flavour=oatmeal; Path=/", "colour=brown; Path=/"]
    client.request("GET", "/cookies", headers={"Cookie": "flavour=oatmeal; colour=brown"})
    assert json.loads(client.getresponse().read()) == {
        "cookies": {"flavour": "oatmeal", "colour": "brown"}
    }
    resp = _fetch(client, "/cookies/delete?flavour")
    assert resp.headers.get_all("Set-Cookie") == ["flavour=; Max-Age=0; Path=/"]


def test_response_headers_come_from_the_query(client: http.client.HTTPConnection) -> None:
    """Each k=v of the query becomes a field, in order; the body echoes them."""
    client.request("GET", "/response-headers?X-One=1&X-Two=two&X-One=again")
    resp = client.getresponse()
    assert resp.headers.get_all("X-One") == ["1", "again"]
    assert resp.getheader("X-Two") == "two"
    assert json.loads(resp.read()) == {"X-One": ["1", "again"], "X-Two": "two"}


@pytest.mark.parametrize(
    "query", ["Content-Length=1", "Transfer-Encoding=chunked", "X-Bad=a%0d%0aInjected:%201"]
)
def test_response_headers_refuse_framing_and_injection(
    client: http.client.HTTPConnection, query: str
) -> None:
    """Framing fields and CR/LF in values are refused with 400 instead of breaking the response."""
    resp = _fetch(client, f"/response-headers?{query}")
    assert resp.status == 400
    assert resp.getheader("Injected") is None


def test_etag_given(client: http.client.HTTPConnection) -> None:
    """/etag/{tag}: 200 with ETag, 304 on a (weakly) matching If-None-Match, 412 on If-Match."""
    resp = _fetch(client, "/etag/abc")
    assert (resp.status, resp.getheader("ETag")) == (200, '"abc"')
    assert _fetch(client, "/etag/abc", {"If-None-Match": '"x", W/"abc"'}).status == 304
    assert _fetch(client, "/etag/abc", {"If-None-Match": "*"}).status == 304
    assert _fetch(client, "/etag/abc", {"If-None-Match": '"other"'}).status == 200
    assert _fetch(client, "/etag/abc", {"If-Match": '"other"'}).status == 412
    assert _fetch(client, "/etag/abc", {"If-Match": '"abc"'}).status == 200


def test_etag_fixed_and_304_has_no_body(server: ServerHandle) -> None:
    """/etag's 304 carries the ETag and not a single body byte."""
    first = exchange(server, get("/etag"))
    tag = next(
        line.split(b": ", 1)[1] for line in first.split(b"\r\n") if line.startswith(b"ETag:")
    )
    data = exchange(server, get("/etag", f"If-None-Match: {tag.decode()}"))
    assert data.startswith(b"HTTP/1.1 304 Not Modified\r\n")
    assert data.endswith(b"\r\n\r\n")
    assert b"\r\nETag: " + tag + b"\r\n" in data
    assert b"Content-Length" not in data
