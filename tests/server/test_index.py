"""The registry and ``/``: every endpoint is described, listed and reachable."""

from __future__ import annotations

import html
import http.client
import json
import socket

import pytest

from inspector.server import ServerHandle
from inspector.server.routes import ENDPOINTS, ROUTER
from tests.server.helpers import get

# Every endpoint named in issue 3.
ISSUE_PATHS = """
/ /get /post /put /patch /delete /anything /status/{code} /headers /bytes/{n} /stream/{n}
/drip /delay/{seconds} /gzip /deflate /brotli /redirect/{n} /basic-auth/{user}/{password}
/bearer /cookies /cookies/set /response-headers /json /html /xml /image/png /etag
/trickle /keepalive-no-length /close-delimited /truncated /reset /chunked/bad-size
/chunked/no-terminator /chunked/extensions-trailers /bare-lf /obs-fold /cl-te-conflict
/duplicate-cl /huge-header /many-headers /interim /slow-headers /http10 /escape /endless
""".split()


def test_registry_describes_every_issue_endpoint() -> None:
    """Each endpoint of issue 3 is registered once, with a description and a lesson."""
    patterns = [e.pattern for e in ENDPOINTS]
    assert len(patterns) == len(set(patterns))
    assert set(ISSUE_PATHS) <= set(patterns)
    for e in ENDPOINTS:
        assert e.description and e.lesson and "\n" not in e.description + e.lesson, e.pattern
        assert ROUTER.match(e.example.partition("?")[0]) is not None, e.example


def test_index_json_lists_every_endpoint(client: http.client.HTTPConnection) -> None:
    """With Accept: application/json, / lists every endpoint with its description and lesson."""
    client.request("GET", "/", headers={"Accept": "application/json"})
    resp = client.getresponse()
    assert resp.getheader("Content-Type") == "application/json"
    listed = json.loads(resp.read())["endpoints"]
    assert [e["path"] for e in listed] == [e.pattern for e in ENDPOINTS]
    trickle = next(e for e in listed if e["path"] == "/trickle")
    assert trickle["misbehaving"] is True and trickle["lesson"]
    assert next(e for e in listed if e["path"] == "/get")["methods"] == ["GET", "HEAD"]


def test_index_html_for_browsers(client: http.client.HTTPConnection) -> None:
    """A browser's Accept gets an HTML page linking every endpoint's example."""
    client.request("GET", "/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    resp = client.getresponse()
    assert resp.getheader("Content-Type") == "text/html; charset=utf-8"
    page = resp.read().decode("utf-8")
    assert page.startswith("<!doctype html>")
    for e in ENDPOINTS:
        assert f'<a href="{html.escape(e.example)}"><code>{html.escape(e.pattern)}</code>' in page
    assert "<h2>Misbehaving</h2>" in page


def test_index_plain_text(client: http.client.HTTPConnection) -> None:
    """Accept: text/plain gets one line per endpoint."""
    client.request("GET", "/", headers={"Accept": "text/plain"})
    text = client.getresponse().read().decode()
    assert all(f"  {e.pattern} " in text for e in ENDPOINTS)


@pytest.mark.parametrize("example", [e.example for e in ENDPOINTS])
def test_every_example_answers(server: ServerHandle, example: str) -> None:
    """Each endpoint's example path starts a real response (no 404, no 500)."""
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(get(example))
        data = b""
        while b"\n\n" not in data.replace(b"\r\n", b"\n"):
            piece = sock.recv(65536)
            assert piece, data
            data += piece
    status_line = data.split(b"\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.")
    status = int(status_line.split()[1])
    assert status not in (404, 500), status_line
