"""Diff of two exchanges: real replays against the built-in server, and hand-made transcripts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from inspector.compare.exchange_diff import (
    DIFF_LINES,
    VOLATILE_HEADERS,
    ChangeKind,
    ExchangeDiff,
    diff_exchanges,
    first_difference,
)
from inspector.model import (
    ErrorKind,
    Exchange,
    ExchangeError,
    RequestSpec,
    Target,
    Timings,
    Transcript,
)
from inspector.net import Client, SendOptions
from inspector.server import ServerHandle, start_server
from inspector.wire.parser import ResponseParser

SPEC = RequestSpec(url="http://example.test/")


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    """The built-in server on loopback."""
    handle = start_server("127.0.0.1")
    yield handle
    handle.stop()


@pytest.fixture
def client() -> Iterator[Client]:
    """Our client with short timeouts."""
    with Client(SendOptions(connect_timeout=2.0, read_timeout=2.0)) as c:
        yield c


def fetch(client: Client, server: ServerHandle, path: str) -> Exchange:
    url = server.url + path
    host = Target.from_url(url).authority.encode()
    ex = client.send(RequestSpec(method=b"GET", url=url, headers=((b"Host", host),)))
    assert ex.error is None and ex.response is not None
    return ex


def made(
    received: bytes, *, timings: Timings | None = None, error: ErrorKind | None = None
) -> Exchange:
    """An Exchange from received bytes, parsed by our parser."""
    parser = ResponseParser(b"GET")
    parser.feed(received)
    parser.feed_eof()
    return Exchange(
        engine="inspector",
        spec=SPEC,
        transcript=Transcript.from_bytes(received),
        response=parser.result() if received else None,
        timings=timings or Timings(),
        error=ExchangeError(error, "it failed\x1b[2J") if error else None,
    )


def ok(*fields: bytes, body: bytes = b"hello", status: bytes = b"200 OK") -> bytes:
    head = b"HTTP/1.1 " + status + b"\r\n" + b"".join(f + b"\r\n" for f in fields)
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


def kinds(d: ExchangeDiff) -> list[str]:
    return [c.kind.value for c in d.changes]


def test_two_fetches_of_the_same_document_are_the_same(
    client: Client, server: ServerHandle
) -> None:
    """Two real GETs of /json: same status, fields (Date ignored), body; timings listed only."""
    a, b = fetch(client, server, "/json"), fetch(client, server, "/json")
    d = diff_exchanges(a, b)
    assert d.same and d.changes == () and d.body.first_difference is None
    assert [t.phase for t in d.timings] == [
        "dns",
        "connect",
        "tls",
        "send",
        "ttfb",
        "receive",
        "total",
    ]
    total = d.timings[-1]
    assert a.timings.total is not None and b.timings.total is not None
    assert (total.a, total.b) == (a.timings.total, b.timings.total)
    assert total.delta == pytest.approx(b.timings.total - a.timings.total)
    assert d.lines()[0] == "same"


def test_status_200_against_404(client: Client, server: ServerHandle) -> None:
    """/status/200 against /status/404: a status change, and the exchanges differ."""
    d = diff_exchanges(fetch(client, server, "/status/200"), fetch(client, server, "/status/404"))
    assert not d.same and kinds(d) == ["status", "header-changed"]
    change = d.changes[0]
    assert (change.a, change.b) == ("HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found")
    reason = d.changes[1]
    assert reason.name == "X-Status-Reason" and (reason.a, reason.b) == ("OK", "Not Found")
    assert reason.text == 'header X-Status-Reason: "OK" in A, "Not Found" in B'
    assert d.lines()[0] == "different: 2 changes"


def test_echo_bodies_differ_by_request_number(client: Client, server: ServerHandle) -> None:
    """Two /get echoes on one connection differ in their body; the unified diff shows where."""
    a, b = fetch(client, server, "/get"), fetch(client, server, "/get")
    d = diff_exchanges(a, b)
    assert not d.same and kinds(d) == ["body"]
    assert d.body.text and d.body.size_a == d.body.size_b
    assert d.body.first_difference == first_difference(a.response_body(), b.response_body())
    assert '-    "request_number": 1,' in d.body.unified
    assert '+    "request_number": 2,' in d.body.unified
    assert d.body.unified[:2] == ("--- A", "+++ B")


def test_volatile_request_ids_are_ignored_but_listed(client: Client, server: ServerHandle) -> None:
    """X-Request-Id differs (and so does the echoed body); the field change is only listed."""
    a = fetch(client, server, "/response-headers?X-Request-Id=abc")
    b = fetch(client, server, "/response-headers?X-Request-Id=xyz")
    d = diff_exchanges(a, b)
    assert kinds(d) == ["body"]
    assert [(c.kind, c.name, c.a, c.b) for c in d.ignored] == [
        (ChangeKind.HEADER_CHANGED, "X-Request-Id", "abc", "xyz")
    ]
    strict = diff_exchanges(a, b, ignore=())
    assert kinds(strict) == ["header-changed", "body"] and strict.ignored == ()


def test_added_and_removed_fields_from_the_server(client: Client, server: ServerHandle) -> None:
    """A field only B has is added, one only A has is removed."""
    a = fetch(client, server, "/response-headers?X-Only-A=1")
    b = fetch(client, server, "/response-headers?X-Only-B=1")
    d = diff_exchanges(a, b)
    assert [(c.kind.value, c.name) for c in d.changes if c.kind is not ChangeKind.BODY] == [
        ("header-removed", "X-Only-A"),
        ("header-added", "X-Only-B"),
    ]


def test_date_is_ignored_by_default_and_not_when_asked() -> None:
    """Only Date differs: same by default; with nothing ignored, a header change."""
    a = made(ok(b"Date: Mon, 01 Jan 2024 00:00:00 GMT"))
    b = made(ok(b"Date: Mon, 01 Jan 2024 00:00:07 GMT"))
    assert diff_exchanges(a, b).same
    assert [c.name for c in diff_exchanges(a, b).ignored] == ["Date"]
    strict = diff_exchanges(a, b, ignore=[])
    assert not strict.same and kinds(strict) == ["header-changed"]
    assert "date" in VOLATILE_HEADERS and "etag" not in VOLATILE_HEADERS


def test_fields_are_a_multiset_of_lower_name_and_value() -> None:
    """Name case and order do not count; a missing duplicate does."""
    a = made(ok(b"content-type: text/plain", b"Set-Cookie: a=1", b"Set-Cookie: b=2"))
    b = made(ok(b"Set-Cookie: b=2", b"Content-Type: text/plain", b"Set-Cookie: a=1"))
    assert diff_exchanges(a, b).same
    c = made(ok(b"Content-Type: text/plain", b"Set-Cookie: a=1"))
    d = diff_exchanges(a, c)
    assert kinds(d) == ["header-changed"]
    assert (d.changes[0].a, d.changes[0].b) == ("a=1 | b=2", "a=1")
    assert diff_exchanges(a, c, ignore=["SET-COOKIE"]).same


def test_control_bytes_are_escaped_everywhere() -> None:
    """Field values and body lines with escape sequences come out escaped, never raw."""
    a = made(ok(b"X-Evil: \x1b]0;pwned\x07", body=b"line one\n\x1b[31mred\xe2\x80\xae\n"))
    b = made(ok(b"X-Evil: plain", body=b"line one\nplain\n"))
    d = diff_exchanges(a, b)
    assert kinds(d) == ["header-changed", "header-changed", "body"]  # X-Evil, Content-Length
    text = "\n".join(d.lines())
    assert "\\x1b]0;pwned\\x07" in text and "\\x1b[31mred\\u{202e}" in text
    assert not any(ord(ch) < 0x20 and ch != "\n" for ch in text)
    assert "\u202e" not in text


def test_binary_bodies_give_an_offset_and_no_line_diff() -> None:
    """Binary bodies: sizes and the first differing byte, no unified diff."""
    d = diff_exchanges(made(ok(body=b"\x00\x01\x02\x03")), made(ok(body=b"\x00\x01\xff")))
    assert (d.body.size_a, d.body.size_b, d.body.first_difference) == (4, 3, 2)
    assert not d.body.text and d.body.unified == ()
    assert first_difference(b"abc", b"abcd") == 3 and first_difference(b"x", b"x") is None
    big = bytes(200_000)
    assert first_difference(big, big[:150_000] + b"\x01" + big[150_001:]) == 150_000


def test_long_text_diffs_are_capped() -> None:
    """A text diff keeps at most DIFF_LINES lines, then says that more differ."""
    a = made(ok(body=b"".join(b"a%d\n" % i for i in range(200))))
    b = made(ok(body=b"".join(b"b%d\n" % i for i in range(200))))
    d = diff_exchanges(a, b)
    assert len(d.body.unified) == DIFF_LINES + 1
    assert d.body.unified[-1].startswith("... (more lines")


def test_error_kind_counts_but_timings_never_do() -> None:
    """A truncated body (incomplete) against a complete one differs; timings alone never do."""
    full = ok(body=b"x" * 10)
    fast, slow = Timings(ttfb=0.001, total=0.002), Timings(ttfb=2.0, total=5.0)
    same = diff_exchanges(made(full, timings=fast), made(full, timings=slow))
    assert same.same and same.timings[4].delta == pytest.approx(1.999)
    assert any("timing ttfb: 1.00 ms -> 2000.00 ms" in line for line in same.lines())
    cut = made(full[:-4], error=ErrorKind.INCOMPLETE)
    d = diff_exchanges(made(full), cut)
    assert kinds(d) == ["body", "error"]
    assert d.changes[1].b == "incomplete: it failed\\x1b[2J" and d.changes[1].a == ""
    both = diff_exchanges(made(b"", error=ErrorKind.REFUSED), made(b"", error=ErrorKind.REFUSED))
    assert both.same and both.body.size_a == 0
    assert kinds(diff_exchanges(made(b"", error=ErrorKind.REFUSED), made(full))) == [
        "status",
        "header-added",
        "body",
        "error",
    ]


def test_trailers_are_compared_too() -> None:
    """A chunked body's trailer fields are compared like header fields, and named as trailers."""
    base = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n"
    a, b = made(base + b"X-Sum: 1\r\n\r\n"), made(base + b"X-Sum: 2\r\n\r\n")
    d = diff_exchanges(a, b)
    assert [(c.kind.value, c.name) for c in d.changes] == [("header-changed", "trailer X-Sum")]
