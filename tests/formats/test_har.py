"""HAR 1.2 export of real exchanges (our client against the built-in server) and HAR import."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from inspector.formats.har import HAR_LIMITS, exchanges_to_har, har_losses, har_to_specs
from inspector.model import Exchange, InputError, RequestSpec, Transcript
from inspector.net import Client, SendOptions
from inspector.server import ServerHandle, seeded_bytes, start_server
from inspector.wire.parser import ResponseParser
from inspector.wire.serialize import serialize, with_default_headers

FAST = SendOptions(connect_timeout=2.0, read_timeout=5.0)

# HAR 1.2 (softwareishard.com/blog/har-12-spec): the fields each object must have.
REQUIRED: dict[str, set[str]] = {
    "log": {"version", "creator", "entries"},
    "creator": {"name", "version"},
    "entry": {"startedDateTime", "time", "request", "response", "cache", "timings"},
    "request": {
        "method",
        "url",
        "httpVersion",
        "cookies",
        "headers",
        "queryString",
        "headersSize",
        "bodySize",
    },
    "response": {
        "status",
        "statusText",
        "httpVersion",
        "cookies",
        "headers",
        "content",
        "redirectURL",
        "headersSize",
        "bodySize",
    },
    "content": {"size", "mimeType"},
    "postData": {"mimeType"},
    "timings": {"send", "wait", "receive"},
    "pair": {"name", "value"},
}


def _has(obj: Any, kind: str) -> None:
    assert isinstance(obj, dict), f"{kind} is not an object"
    missing = REQUIRED[kind] - obj.keys()
    assert not missing, f"{kind} lacks {missing}"


def check_har(doc: dict[str, Any]) -> None:
    """Fail unless ``doc`` has every field HAR 1.2 requires, with the right types."""
    json.dumps(doc)  # it must serialize as is
    log = doc["log"]
    _has(log, "log")
    assert log["version"] == "1.2"
    _has(log["creator"], "creator")
    assert log["creator"]["name"] == "inspector"
    for entry in log["entries"]:
        _has(entry, "entry")
        for key in entry:
            standard = REQUIRED["entry"] | {"pageref", "serverIPAddress", "connection", "comment"}
            assert key in standard or key.startswith("_"), key
        assert datetime.fromisoformat(entry["startedDateTime"]).tzinfo is not None
        request, response, timings = entry["request"], entry["response"], entry["timings"]
        _has(request, "request")
        _has(response, "response")
        _has(response["content"], "content")
        _has(timings, "timings")
        for pair in request["headers"] + request["queryString"] + response["headers"]:
            _has(pair, "pair")
            assert isinstance(pair["name"], str) and isinstance(pair["value"], str)
        for cookie in request["cookies"] + response["cookies"]:
            _has(cookie, "pair")
        if "postData" in request:
            _has(request["postData"], "postData")
        assert all(timings[k] >= 0 for k in ("send", "wait", "receive"))
        assert all(timings.get(k, -1) >= -1 for k in ("blocked", "dns", "connect", "ssl"))
        total = sum(v for k, v in timings.items() if v >= 0 and k != "ssl")
        assert entry["time"] == pytest.approx(total, abs=0.01)
        assert isinstance(request["headersSize"], int) and isinstance(response["bodySize"], int)


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    """The built-in server on 127.0.0.1, plain HTTP."""
    handle = start_server("127.0.0.1")
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """Our client with short timeouts."""
    with Client(FAST) as c:
        yield c


def send(client: Client, server: ServerHandle, path: str, **kw: Any) -> Exchange:
    """Send a request with the usual helper headers and return the exchange."""
    spec = with_default_headers(RequestSpec(url=server.url + path, **kw))
    exchange = client.send(spec)
    assert exchange.error is None, exchange.error
    return exchange


def entry_of(exchange: Exchange, **kw: Any) -> dict[str, Any]:
    """The one HAR entry of an exchange, checked against the HAR 1.2 required fields."""
    doc = exchanges_to_har([exchange], **kw)
    check_har(doc)
    entry: dict[str, Any] = doc["log"]["entries"][0]
    return entry


def test_get_entry_fields(server: ServerHandle, client: Client) -> None:
    """A GET: request as sent, query string, status, JSON content as text, sizes, timings."""
    ex = send(client, server, "/get?a=1&b=two%20words", headers=((b"Cookie", b"c=1; d=2"),))
    entry = entry_of(ex)
    req, resp = entry["request"], entry["response"]
    assert req["method"] == "GET" and req["url"] == server.url + "/get?a=1&b=two%20words"
    assert req["httpVersion"] == "HTTP/1.1"
    assert req["queryString"] == [{"name": "a", "value": "1"}, {"name": "b", "value": "two words"}]
    assert req["cookies"] == [{"name": "c", "value": "1"}, {"name": "d", "value": "2"}]
    assert [h["name"] for h in req["headers"]] == ["Host", "User-Agent", "Accept", "Cookie"]
    assert req["headersSize"] == len(serialize(ex.spec)) and req["bodySize"] == 0
    assert resp["status"] == 200 and resp["statusText"] == "OK"
    assert resp["content"]["mimeType"] == "application/json"
    assert json.loads(resp["content"]["text"])["args"] == {"a": "1", "b": "two words"}
    assert resp["bodySize"] == resp["content"]["size"] == len(ex.response_body())
    assert ex.response is not None
    assert resp["headersSize"] == ex.response.head_span[1] - ex.response.head_span[0]
    t = entry["timings"]
    assert t["connect"] >= 0 and t["ssl"] == -1 and t["blocked"] == -1
    assert entry["serverIPAddress"] == "127.0.0.1" and entry["connection"] == "1"
    assert entry["_inspector"]["engine"] == "inspector"
    assert entry["_inspector"]["losses"] == har_losses(ex)


def test_post_body_and_binary_content(server: ServerHandle, client: Client) -> None:
    """A form body is postData with params; binary content is base64 with encoding set."""
    ex = send(
        client,
        server,
        "/post",
        method=b"POST",
        headers=((b"Content-Type", b"application/x-www-form-urlencoded"),),
        body=b"x=1&y=%C3%A9",
    )
    post = entry_of(ex)["request"]["postData"]
    assert post["mimeType"] == "application/x-www-form-urlencoded"
    assert post["text"] == "x=1&y=%C3%A9"
    assert post["params"] == [{"name": "x", "value": "1"}, {"name": "y", "value": "é"}]

    ex = send(client, server, "/bytes/300?seed=7")
    content = entry_of(ex)["response"]["content"]
    assert content["encoding"] == "base64" and content["size"] == 300
    assert base64.b64decode(content["text"]) == seeded_bytes(300, 7)

    ex = send(client, server, "/anything", method=b"PUT", body=b"\xff\x00binary")
    post = entry_of(ex)["request"]["postData"]
    assert post["_encoding"] == "base64" and base64.b64decode(post["text"]) == b"\xff\x00binary"


def test_gzip_content_is_decoded_with_compression(server: ServerHandle, client: Client) -> None:
    """A gzip body is exported decoded: size is the decoded size, compression the saving."""
    ex = send(client, server, "/gzip")
    resp = entry_of(ex)["response"]
    content = resp["content"]
    assert json.loads(content["text"])["gzipped"] is True
    assert content["compression"] == content["size"] - resp["bodySize"]
    assert "encoding" not in content


def test_losses_interim_chunked_trailers(server: ServerHandle, client: Client) -> None:
    """1xx responses, chunk framing and trailers are listed as lost, and kept in _inspector."""
    ex = send(client, server, "/interim")
    entry = entry_of(ex)
    losses = har_losses(ex)
    assert "2 interim (1xx) responses dropped" in losses
    assert [i["status"] for i in entry["_inspector"]["interim"]] == [100, 103]
    assert entry["response"]["status"] == 200
    assert entry["comment"].startswith("HAR leaves out: ")

    ex = send(client, server, "/chunked/extensions-trailers")
    entry = entry_of(ex)
    losses = har_losses(ex)
    assert ex.response is not None
    n_chunks, n_trailers = len(ex.response.chunks), len(ex.response.trailers)
    assert n_trailers > 0
    assert any(s.startswith(f"chunked framing removed ({n_chunks} chunks") for s in losses)
    assert any(s.startswith(f"{n_trailers} trailer field") for s in losses)
    assert entry["_inspector"]["framing"] == "chunked"
    assert len(entry["_inspector"]["trailers"]) == n_trailers
    assert entry["response"]["content"]["text"].encode() == ex.response_body()


def test_losses_raw_head_and_read_timing(server: ServerHandle, client: Client) -> None:
    """obs-fold in the head is unfolded and reported; recv() boundaries are always lost."""
    ex = send(client, server, "/obs-fold")
    entry = entry_of(ex)
    losses = har_losses(ex)
    assert any(s.startswith("raw head bytes not kept") for s in losses)
    assert all("\n" not in h["value"] for h in entry["response"]["headers"])
    recvs = entry["_inspector"]["recv_calls"]
    assert recvs >= 1
    assert any(s.startswith("read boundaries and timing of") for s in losses)
    assert entry["_inspector"]["anomalies"]  # obs-fold is an anomaly

    clean = send(client, server, "/get")
    assert not any(s.startswith("raw head bytes") for s in har_losses(clean))
    assert not any("request head bytes" in s for s in har_losses(clean))


def test_raw_request_is_kept_and_reported(server: ServerHandle, client: Client) -> None:
    """A sloppy raw request is 'not representable'; its bytes ride along in _inspector."""
    raw = b"GET /anything?r=1 HTTP/1.1\nHost:  %s\nConnection: close\n\n" % (
        server.url.removeprefix("http://").encode()
    )
    ex = client.send(RequestSpec(url=server.url + "/", raw=raw))
    entry = entry_of(ex)
    assert any(s.startswith("raw request bytes not representable") for s in har_losses(ex))
    assert base64.b64decode(entry["_inspector"]["raw_request_b64"]) == raw
    assert entry["request"]["url"] == server.url + "/anything?r=1"
    assert har_to_specs(json.loads(json.dumps({"log": {"entries": [entry]}})))[0].raw == raw


def test_failed_exchange_has_status_zero() -> None:
    """A refused connection still exports: status 0, the error in _error and _inspector."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends: nothing listens there
    with Client(FAST) as c:
        ex = c.send(with_default_headers(RequestSpec(url=f"http://127.0.0.1:{port}/")))
    assert ex.error is not None
    entry = entry_of(ex)
    assert entry["response"]["status"] == 0 and entry["response"]["_error"]
    assert entry["_inspector"]["error"]["kind"] == ex.error.kind.value
    assert entry["request"]["method"] == "GET"  # from the spec: nothing was sent
    losses = har_losses(ex)
    assert losses[0].startswith("no response") and losses[-1].startswith("transport error")


def test_tls_timings_and_include_raw(tmp_path: Any) -> None:
    """Over TLS, ssl is set and included in connect; include_raw keeps both streams."""
    with start_server("127.0.0.1", tls=True, tls_dir=tmp_path) as tls_server:
        options = SendOptions(connect_timeout=2.0, read_timeout=5.0, cacert=str(tls_server.ca_path))
        with Client(options) as c:
            ex = c.send(with_default_headers(RequestSpec(url=tls_server.url + "/get")))
    assert ex.error is None and ex.tls is not None
    entry = entry_of(ex, include_raw=True)
    t = entry["timings"]
    assert t["ssl"] >= 0 and t["connect"] >= t["ssl"]
    custom = entry["_inspector"]
    assert base64.b64decode(custom["sent_b64"]) == ex.transcript.sent.read()
    assert base64.b64decode(custom["received_b64"]) == ex.transcript.received.read()
    assert custom["tls"]["version"].startswith("TLS")
    assert "TLS version, cipher and certificate only in _inspector" in har_losses(ex)


def test_max_body_cuts_and_says_so(server: ServerHandle, client: Client) -> None:
    """max_body keeps the start of the body and notes the cut."""
    ex = send(client, server, "/bytes/1000?seed=1")
    entry = entry_of(ex, max_body=100)
    content = entry["response"]["content"]
    assert base64.b64decode(content["text"]) == seeded_bytes(1000, 1)[:100]
    assert "100 of 1000" in content["comment"]
    assert entry["response"]["bodySize"] == 1000
    assert any("cut to its first 100" in s for s in entry["_inspector"]["losses"])


def test_log_comment_and_several_entries(server: ServerHandle, client: Client) -> None:
    """The log says what HAR cannot hold; entries come in the order given."""
    exchanges = [send(client, server, p) for p in ("/get", "/json", "/html")]
    doc = exchanges_to_har(exchanges)
    check_har(doc)
    assert [e["request"]["url"].rsplit("/", 1)[1] for e in doc["log"]["entries"]] == [
        "get",
        "json",
        "html",
    ]
    assert all(limit in doc["log"]["comment"] for limit in HAR_LIMITS)


def test_round_trip_gives_back_the_requests(server: ServerHandle, client: Client) -> None:
    """Export then har_to_specs returns each request's method, URL, fields, version and body."""
    specs = [
        with_default_headers(RequestSpec(url=server.url + "/get?q=%20x&r")),
        with_default_headers(
            RequestSpec(
                b"PATCH",
                server.url + "/anything/a",
                headers=((b"X-Bin", b"\xe9t\xe9"), (b"x-dup", b"1"), (b"X-DUP", b"2")),
                body=b"\x00\x01binary",
            )
        ),
        with_default_headers(
            RequestSpec(b"OPTIONS", server.url + "/anything", http_version=b"HTTP/1.0")
        ),
        with_default_headers(
            RequestSpec(b"OPTIONS", server.url + "/anything", request_target=b"*")
        ),
    ]
    doc = json.loads(json.dumps(exchanges_to_har([client.send(s) for s in specs])))
    back = har_to_specs(doc)
    assert [(s.method, s.url, s.headers, s.body, s.http_version) for s in back] == [
        (s.method, s.url, s.headers, s.body, s.http_version) for s in specs
    ]
    assert [serialize(s) for s in back] == [serialize(s) for s in specs]


def test_import_a_browser_style_har() -> None:
    """HTTP/2 pseudo-headers are dropped (:authority becomes Host), ws: entries skipped,
    params make a form body, and the text form of the document is accepted."""
    doc = {
        "log": {
            "version": "1.2",
            "entries": [
                {
                    "request": {
                        "method": "POST",
                        "url": "https://example.test/login",
                        "httpVersion": "h2",
                        "headers": [
                            {"name": ":method", "value": "POST"},
                            {"name": ":authority", "value": "example.test"},
                            {"name": "content-type", "value": "application/x-www-form-urlencoded"},
                        ],
                        "postData": {
                            "mimeType": "application/x-www-form-urlencoded",
                            "params": [{"name": "u", "value": "me"}, {"name": "p", "value": "a b"}],
                        },
                    }
                },
                {"request": {"method": "GET", "url": "wss://example.test/ws", "headers": []}},
            ],
        }
    }
    (spec,) = har_to_specs(json.dumps(doc))
    assert spec.http_version == b"HTTP/1.1"
    assert spec.headers == (
        (b"Host", b"example.test"),
        (b"content-type", b"application/x-www-form-urlencoded"),
    )
    assert spec.body == b"u=me&p=a+b"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("{not json", "not JSON"),
        ({"nolog": {}}, "the document.log"),
        ({"log": {"entries": {}}}, "log.entries"),
        ({"log": {"entries": [{}]}}, "log.entries[0].request"),
        ({"log": {"entries": [{"request": {"method": "GET"}}]}}, "log.entries[0].request.url"),
        (
            {
                "log": {
                    "entries": [{"request": {"method": "GET", "url": "http:///x", "headers": []}}]
                }
            },
            "no host",
        ),
        (
            {
                "log": {
                    "entries": [{"request": {"method": "GET", "url": "http://h/", "headers": [1]}}]
                }
            },
            "headers[0] is not an object",
        ),
        (
            {
                "log": {
                    "entries": [
                        {
                            "request": {
                                "method": "POST",
                                "url": "http://h/",
                                "headers": [],
                                "postData": {"text": "@@", "encoding": "base64"},
                            }
                        }
                    ]
                }
            },
            "not valid base64",
        ),
    ],
)
def test_malformed_har_is_one_line_input_error(doc: Any, message: str) -> None:
    """Every malformed document gives an InputError of one line naming the field."""
    with pytest.raises(InputError) as info:
        har_to_specs(doc)
    text = str(info.value)
    assert message in text and "\n" not in text


def test_request_is_what_was_sent_not_the_spec() -> None:
    """For a library engine the HAR request lists the fields the library added (from the
    transcript), and bytes left after the response are reported."""
    spec = RequestSpec(url="http://h.test/x", headers=((b"Host", b"h.test"),))
    sent = b"GET /x HTTP/1.1\r\nHost: h.test\r\nAccept-Encoding: identity\r\n\r\n"
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"
    parser = ResponseParser(b"GET")
    parser.feed(reply)
    exchange = Exchange(
        "http.client", spec, Transcript.from_bytes(reply, sent=sent), parser.result()
    )
    entry = entry_of(exchange, clock_offset=0.0)
    assert [h["name"] for h in entry["request"]["headers"]] == ["Host", "Accept-Encoding"]
    assert entry["request"]["url"] == "http://h.test/x"
    assert entry["response"]["content"]["text"] == "ok"
    assert "5 bytes after the response not representable" in har_losses(exchange)
    assert entry["startedDateTime"].startswith("19")  # clock_offset 0: monotonic as epoch
