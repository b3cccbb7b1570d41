"""The echo endpoints show exactly what reached the server, and how it arrived."""

from __future__ import annotations

import base64
import codecs
import http.client
import json
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

from inspector.server import ServerHandle
from inspector.server.responses import escape_bytes
from tests.server.helpers import ResponseReader, exchange, get

Connect = Callable[[], socket.socket]


def _json(conn: http.client.HTTPConnection) -> tuple[int, Any]:
    resp = conn.getresponse()
    return resp.status, json.loads(resp.read())


def test_get_echoes_method_args_and_headers_in_wire_order(
    client: http.client.HTTPConnection,
) -> None:
    """/get returns the query (repeated names as a list) and the fields in order and case."""
    client.putrequest("GET", "/get?a=1&a=2&b=%C3%A9", skip_accept_encoding=True)
    client.putheader("X-Zeta", "last")
    client.putheader("x-alpha", "First Value")
    client.endheaders()
    status, doc = _json(client)
    assert status == 200
    assert doc["method"] == "GET"
    assert doc["args"] == {"a": ["1", "2"], "b": "é"}
    assert doc["path"] == "/get"
    assert doc["headers"][1:] == [["X-Zeta", "last"], ["x-alpha", "First Value"]]
    assert doc["connection"]["request_number"] == 1


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_method_endpoints_echo_their_body(client: http.client.HTTPConnection, method: str) -> None:
    """/post, /put, /patch and /delete echo the body as base64 and escaped text, and JSON."""
    body = b'{"k": "v\\u00e9"}'
    client.request(
        method, f"/{method.lower()}", body=body, headers={"Content-Type": "application/json"}
    )
    status, doc = _json(client)
    assert status == 200
    assert doc["method"] == method
    assert base64.b64decode(doc["body"]["base64"]) == body
    assert doc["body"]["size"] == len(body)
    assert doc["json"] == {"k": "vé"}


def test_method_endpoint_refuses_other_methods(client: http.client.HTTPConnection) -> None:
    """/get answers 405 with an Allow field to a POST; the connection stays usable."""
    client.request("POST", "/get", body=b"x")
    resp = client.getresponse()
    resp.read()
    assert resp.status == 405
    assert resp.getheader("Allow") == "GET, HEAD"
    client.request("GET", "/get")
    assert client.getresponse().status == 200


def test_anything_echoes_any_method_and_subpath(client: http.client.HTTPConnection) -> None:
    """/anything/... accepts any method token and any path below it."""
    client.request("PROPFIND", "/anything/deep/path?x=1")
    status, doc = _json(client)
    assert (status, doc["method"], doc["path"], doc["args"]) == (
        200,
        "PROPFIND",
        "/anything/deep/path",
        {"x": "1"},
    )


def test_raw_bytes_are_echoed_exactly(server: ServerHandle) -> None:
    """raw.base64 is byte for byte what was sent: odd case, spacing, and non-ASCII kept."""
    request = (
        b"POST /anything HTTP/1.1\r\nhOsT: test\r\nX-Odd:    spaced\t\r\n"
        b"X-Bytes: caf\xc3\xa9 \xff\r\nContent-Length: 5\r\nConnection: close\r\n\r\nab\x00\x1bc"
    )
    data = exchange(server, request)
    doc = json.loads(data.partition(b"\r\n\r\n")[2])
    assert base64.b64decode(doc["raw"]["base64"]) == request
    assert doc["raw"]["size"] == len(request)
    assert doc["raw"]["text"].startswith("POST /anything HTTP/1.1\\r\\nhOsT: test\\r\\n")
    assert doc["body"]["text"] == "ab\\x00\\x1bc"
    assert ["X-Bytes", "caf\\xc3\\xa9 \\xff"] in doc["headers"]
    assert ["X-Odd", "spaced"] in doc["headers"]
    assert sum(r["bytes"] for r in doc["reads"]) == len(request)


def test_reads_show_how_the_request_was_split(connect: Connect) -> None:
    """A request written in two pieces, with a pause between, is reported as two recv() calls."""
    sock = connect()
    part1 = b"GET /get HTTP/1.1\r\nHost: test\r\n"
    part2 = b"Connection: close\r\n\r\n"
    sock.sendall(part1)
    time.sleep(0.15)
    sock.sendall(part2)
    reply = ResponseReader(sock).read()
    reads = reply.json()["reads"]
    assert [(r["recv"], r["bytes"]) for r in reads] == [(len(part1), len(part1)), (len(part2),) * 2]
    assert reads[1]["t_ms"] > 0


def test_pipelined_requests_share_one_recv(connect: Connect) -> None:
    """Three pipelined requests sent at once are answered in order, and each echo shows
    it took only its part of a recv() that returned all three."""
    sock = connect()
    requests = [
        get("/get?n=1", close=False),
        b"POST /post HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nabc",
        get("/anything?n=3"),
    ]
    sock.sendall(b"".join(requests))
    reader = ResponseReader(sock)
    docs = [reader.read().json() for _ in requests]
    total = sum(map(len, requests))
    assert [d["connection"]["request_number"] for d in docs] == [1, 2, 3]
    assert [d["reads"] for d in docs] == [
        [{"recv": total, "bytes": len(r), "t_ms": 0.0}] for r in requests
    ]
    assert docs[1]["body"]["text"] == "abc"
    assert docs[2]["args"] == {"n": "3"}
    with pytest.raises(EOFError):
        reader.read()  # the last request asked to close


def test_chunked_request_body_is_decoded_with_trailers(server: ServerHandle) -> None:
    """A chunked request with extensions and trailers is decoded; raw keeps the framing."""
    request = (
        b"POST /post HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\nConnection: close"
        b"\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: yes\r\n\r\n"
    )
    doc = json.loads(exchange(server, request).partition(b"\r\n\r\n")[2])
    assert doc["chunked"] is True
    assert base64.b64decode(doc["body"]["base64"]) == b"abcde"
    assert doc["trailers"] == [["X-Trailer", "yes"]]
    assert base64.b64decode(doc["raw"]["base64"]) == request


def test_expect_100_continue_is_answered_before_the_body(connect: Connect) -> None:
    """A client that sends Expect: 100-continue gets the interim 100 before sending its body."""
    sock = connect()
    sock.sendall(
        b"POST /post HTTP/1.1\r\nHost: test\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
    )
    reader = ResponseReader(sock)
    interim = reader.read()
    assert interim.raw == b"HTTP/1.1 100 Continue\r\n\r\n"
    sock.sendall(b"body")
    final = reader.read()
    assert final.status == 200
    assert final.json()["body"]["text"] == "body"


def test_lenient_request_forms_are_accepted(server: ServerHandle) -> None:
    """Bare LF line endings, a leading empty line and an obs-fold line are all tolerated."""
    request = b"\r\nGET /headers HTTP/1.1\nHost: test\nX-Fold: a\n  b\nConnection: close\n\n"
    data = exchange(server, request)
    assert data.startswith(b"HTTP/1.1 200 OK\r\n")
    headers = json.loads(data.partition(b"\r\n\r\n")[2])["headers"]
    assert ["X-Fold", "a b"] in headers


def test_absolute_form_target_is_routed_by_its_path(server: ServerHandle) -> None:
    """An absolute-form request-target (as sent to proxies) reaches /get with its query."""
    data = exchange(server, get(f"http://{server.host}:{server.port}/get?x=1"))
    doc = json.loads(data.partition(b"\r\n\r\n")[2])
    assert (doc["path"], doc["args"]) == ("/get", {"x": "1"})


def test_headers_lists_fields_in_order_with_duplicates(server: ServerHandle) -> None:
    """/headers keeps duplicate fields and their original case."""
    data = exchange(server, get("/headers", "X-Dup: 1", "x-dup: 2"))
    headers = json.loads(data.partition(b"\r\n\r\n")[2])["headers"]
    assert headers == [["Host", "test"], ["X-Dup", "1"], ["x-dup", "2"], ["Connection", "close"]]


@pytest.mark.parametrize("code", [200, 201, 404, 418, 500, 503])
def test_status_answers_the_given_code(client: http.client.HTTPConnection, code: int) -> None:
    """/status/{code} answers that status with an empty body."""
    client.request("GET", f"/status/{code}")
    resp = client.getresponse()
    assert (resp.status, resp.read()) == (code, b"")


def test_status_extras_and_bodyless_codes(client: http.client.HTTPConnection) -> None:
    """3xx carries a Location, 401 a challenge; 204 and 304 have no Content-Length at all."""
    client.request("GET", "/status/302")
    resp = client.getresponse()
    resp.read()
    assert resp.getheader("Location") == "/get"
    client.request("GET", "/status/401")
    resp = client.getresponse()
    resp.read()
    assert resp.getheader("WWW-Authenticate", "").startswith("Basic")
    for code in (204, 304):
        client.request("GET", f"/status/{code}")
        resp = client.getresponse()
        assert resp.read() == b"" and resp.getheader("Content-Length") is None


@pytest.mark.parametrize("path", ["/status/99", "/status/600", "/status/abc"])
def test_status_rejects_codes_it_cannot_send(client: http.client.HTTPConnection, path: str) -> None:
    """Codes outside 200-599, or not numbers, get a 400 explaining why."""
    client.request("GET", path)
    status, doc = _json(client)
    assert status == 400 and doc["error"]


def test_delay_waits_then_echoes(client: http.client.HTTPConnection) -> None:
    """/delay/{s} answers after the delay (a short client timeout fires first) and echoes it."""
    client.timeout = 0.05
    client.request("GET", "/delay/0.3")
    with pytest.raises(TimeoutError):
        client.getresponse()
    client.close()
    client.timeout = 5
    client.request("GET", "/delay/0.05")
    status, doc = _json(client)
    assert (status, doc["delay"]) == (200, 0.05)


def test_escaped_text_has_no_control_characters_and_round_trips() -> None:
    """The escaped text form is printable ASCII only, and decodes back to the same bytes."""
    data = bytes(range(256)) * 2
    text = escape_bytes(data)
    assert all(" " <= ch <= "~" for ch in text)
    assert codecs.decode(text, "unicode_escape").encode("latin-1") == data
