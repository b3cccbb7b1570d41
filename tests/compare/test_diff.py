"""compare.diff, pure: text helpers, the request side, timings and the whole (no network)."""

from __future__ import annotations

import pytest

from inspector.compare.diff import (
    Comparison,
    Difference,
    EngineDiff,
    diff,
    first_difference,
    outcome,
    request_differences,
)
from inspector.compare.difference import show, show_body, show_text
from inspector.compare.request_head import framing, parse_request_head
from inspector.model import ErrorKind, ExchangeError, Timings
from tests.compare.handmade import GET, fields, lib_ok, make, one, report

# --------------------------------------------------------------- text helpers


def test_show_escapes_every_byte_outside_printable_ascii() -> None:
    """CR/LF/TAB/backslash are named, other bytes are \\xNN, and long values are cut."""
    assert show(b"a\r\n\t\\\x1b\xff") == "a\\r\\n\\t\\\\\\x1b\\xff"
    assert show(b"abcdef", limit=3) == "abc... (+3 bytes)"
    assert show_text("caf\u00e9") == "caf\\xe9"  # latin-1 text: its byte
    assert show_text("\u202e") == "\\xe2\\x80\\xae"  # not latin-1: its UTF-8 bytes, escaped


def test_show_body_names_size_and_start() -> None:
    """A body shows as (none), 0 bytes, or its size and first bytes."""
    assert show_body(None) == "(none)"
    assert show_body(b"") == "0 bytes"
    assert show_body(b"hi\n") == "3 bytes: hi\\n"


@pytest.mark.parametrize(
    ("library", "error", "expected"),
    [
        (report(expressed=False, not_expressed="raw"), None, "not expressible: raw"),
        (
            report(crashed=True, exception={"type": "E", "message": "m"}),
            ExchangeError(ErrorKind.PROTOCOL, "httpx failed: E: m"),
            "failed: httpx failed: E: m",
        ),
        (report(hung=True), ExchangeError(ErrorKind.READ_TIMEOUT, "t"), "hung until the timeout"),
        (None, ExchangeError(ErrorKind.TIMEOUT, "total"), "hung until the timeout"),
        (
            report(exception={"type": "RemoteProtocolError", "message": "bad\r\n"}),
            ExchangeError(ErrorKind.PROTOCOL, "x"),
            "raised RemoteProtocolError: bad\\r\\n",
        ),
        (None, ExchangeError(ErrorKind.REFUSED, "refused"), "failed: refused: refused"),
        (None, None, "parsed"),
    ],
)
def test_outcome_says_what_the_engine_did(
    library: dict[str, object] | None, error: ExchangeError | None, expected: str
) -> None:
    """Each kind of ending has its own words, escaped."""
    assert outcome(make(library=library, error=error)) == expected


def test_differs_ignores_timings() -> None:
    """EngineDiff/Comparison differ only on request or response differences."""
    timing = Difference("timing", "total", "x", "1 ms", "2 ms", "n")
    quiet = EngineDiff("x", "parsed", None, (), (), (timing,))
    loud = EngineDiff("y", "parsed", 0, (Difference("request", "body", "y", "", "", "n"),), (), ())
    assert not quiet.differs and loud.differs
    assert not Comparison("inspector", (quiet,)).differs
    assert Comparison("inspector", (quiet, loud)).differs


# ------------------------------------------------------------ request reading


def test_request_head_reads_lines_fields_and_body() -> None:
    """Request line, fields with raw line and ending, obs-fold, a colon-less line, the body."""
    head = parse_request_head(
        b"POST /x HTTP/1.1\r\nHost: a\nX-Fold: one\r\n two\r\nbroken\r\n\r\nbody"
    )
    assert head.line == b"POST /x HTTP/1.1" and head.complete and head.body == b"body"
    host, fold, broken = head.fields
    assert (host.name, host.value, host.ending) == (b"Host", b"a", b"\n")
    assert fold.value == b"one\r\n two" and fold.raw == b"X-Fold: one\r\n two"
    assert (broken.name, broken.value, broken.key) == (b"broken", b"", b"broken")


@pytest.mark.parametrize(
    ("data", "line", "n_fields", "complete"),
    [
        (b"", b"", 0, False),
        (b"GET / HTTP/1.1\r\nHost: a", b"GET / HTTP/1.1", 1, False),
        (b"GET / HTTP/1.1\r\nHost: a\r\n", b"GET / HTTP/1.1", 1, False),
        (b"\r\nGET / HTTP/1.1\r\n\r\n", b"", 1, True),
    ],
)
def test_request_head_never_raises(data: bytes, line: bytes, n_fields: int, complete: bool) -> None:
    """Empty bytes, no blank line, bytes ending mid-line, a leading blank line: all read."""
    head = parse_request_head(data)
    assert (head.line, len(head.fields), head.complete) == (line, n_fields, complete)


def test_framing_names_the_length_fields() -> None:
    """Framing is the Transfer-Encoding and Content-Length lines, or none."""
    assert framing(parse_request_head(GET)) == b"none"
    chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
    assert framing(parse_request_head(chunked)) == b"Transfer-Encoding: chunked, Content-Length: 3"


# --------------------------------------------------------------- request side


def test_first_difference_finds_the_first_byte() -> None:
    """Equal bytes: None; otherwise the first differing offset, also past one block."""
    assert first_difference(b"abc", b"abc") is None
    assert first_difference(b"abc", b"abd") == 2
    assert first_difference(b"ab", b"abc") == 2
    long = b"x" * 10_000
    assert first_difference(long + b"a", long + b"b") == 10_000


def test_no_request_differences_when_equal_or_one_sent_nothing() -> None:
    """Equal bytes, or an engine that sent nothing (its outcome says why): nothing listed."""
    assert request_differences("e", GET, GET) == ((), None)
    assert request_differences("e", GET, b"") == ((), None)
    assert request_differences("e", b"", GET) == ((), None)


def test_each_header_change_is_its_own_difference() -> None:
    """Added, removed, re-cased, other value, other whitespace, and reordering all show."""
    ours = (
        b"GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: u\r\nAccept: */*\r\n"
        b"X-Gone: 1\r\nX-Space: v\r\n\r\n"
    )
    theirs = (
        b"GET / HTTP/1.1\r\nAccept-Encoding: identity\r\nuser-agent: u\r\nHost: a\r\n"
        b"Accept: text/html\r\nX-Space:v \r\n\r\n"
    )
    diffs, first = request_differences("http.client", ours, theirs)
    assert first == 16
    assert fields(diffs) == [
        "header-removed",
        "header-added",
        "header-value",
        "header-whitespace",
        "header-case",
        "header-order",
    ]
    assert one(diffs, "header-removed").ours == "X-Gone: 1"
    added = one(diffs, "header-added")
    assert (added.ours, added.theirs) == ("", "Accept-Encoding: identity")
    assert added.note == "http.client added Accept-Encoding as header field 1."
    assert one(diffs, "header-value").theirs == "Accept: text/html"
    ws = one(diffs, "header-whitespace")
    assert (ws.ours, ws.theirs) == ("X-Space: v\\r\\n", "X-Space:v \\r\\n")
    assert (one(diffs, "header-case").ours, one(diffs, "header-case").theirs) == (
        "User-Agent",
        "user-agent",
    )
    order = one(diffs, "header-order")
    assert order.ours == "Host, User-Agent, Accept, X-Space"
    assert order.theirs == "user-agent, Host, Accept, X-Space"
    assert all(d.side == "request" and d.engine == "http.client" for d in diffs)


def test_request_line_framing_and_body() -> None:
    """Another request line, another framing and another body are each reported."""
    ours = b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
    theirs = b"POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    diffs, first = request_differences("httpx", ours, theirs)
    assert first == 6
    assert fields(diffs)[0] == "request-line"
    assert one(diffs, "request-line").theirs == "POST /b HTTP/1.1"
    assert one(diffs, "framing").ours == "Content-Length: 5"
    assert one(diffs, "framing").theirs == "Transfer-Encoding: chunked"
    assert one(diffs, "body").ours == "5 bytes: hello"


def test_bytes_that_differ_outside_fields_are_still_shown() -> None:
    """A bare LF ending the request line changes no field: the bytes there are shown."""
    diffs, first = request_differences("e", GET, GET.replace(b"HTTP/1.1\r\n", b"HTTP/1.1\n", 1))
    assert first == 14
    assert fields(diffs) == ["bytes"]
    assert diffs[0].ours.startswith("\\r\\nHost") and diffs[0].theirs.startswith("\\nHost")


def test_structural_compares_fields_as_a_multiset() -> None:
    """Order, name case and whitespace are ignored; added, removed and other values show."""
    ours = b"GET / HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nX-Gone: 1\r\nX-Dup: 1\r\nX-Dup: 2\r\n\r\n"
    theirs = b"GET / HTTP/1.1\r\naccept:   */*\r\nhost: a\r\nX-New: 1\r\nX-Dup: 2\r\n\r\n"
    diffs, _ = request_differences("e", ours, theirs, structural=True)
    assert fields(diffs) == ["header-removed", "header-value", "header-added"]
    assert one(diffs, "header-value").ours == "X-Dup: 1 | X-Dup: 2"
    assert one(diffs, "header-value").theirs == "X-Dup: 2"
    reordered = b"GET / HTTP/1.1\r\nAccept: */*\r\nHOST:example.test\r\n\r\n"
    assert request_differences("e", GET, reordered, structural=True) == ((), 16)


# ----------------------------------------------------------------- timing, diff


def test_timings_are_always_listed() -> None:
    """first-byte and total, with who took longer; unmeasured phases are said so."""
    ours = make(timings=Timings(ttfb=0.001, total=0.002))
    theirs = make("lib", library=lib_ok("lib"), timings=Timings(ttfb=0.0005, total=None))
    comparison = diff(ours, [theirs])
    first, total = comparison.engines[0].timings
    assert (first.field, first.ours, first.theirs) == ("first-byte", "1.00 ms", "0.50 ms")
    assert first.note == "lib took 0.50 ms less than ours for the first response byte."
    assert (total.field, total.theirs) == ("total", "-")
    assert total.note == "Not measured for both engines (the whole exchange)."
    slow = diff(ours, [make("lib", library=lib_ok("lib"), timings=Timings(ttfb=0.003))])
    assert "longer" in slow.engines[0].timings[0].note
    assert not comparison.differs


def test_diff_puts_it_together() -> None:
    """One EngineDiff per other exchange: outcome, first differing byte, both sides."""
    added = GET.replace(b"Accept: */*\r\n", b"Accept: */*\r\nAccept-Encoding: identity\r\n")
    theirs = make("http.client", sent=added, library=lib_ok("http.client"))
    raw = make(
        "httpx",
        sent=b"",
        received=b"",
        library=report(expressed=False, not_expressed="a raw request cannot be expressed"),
        error=ExchangeError(ErrorKind.INVALID_REQUEST, "httpx: raw"),
    )
    comparison = diff(make(), [theirs, raw])
    assert comparison.base == "inspector" and comparison.outcome == "parsed"
    hc, hx = comparison.engines
    assert (hc.engine, hc.outcome, hc.first_request_difference) == ("http.client", "parsed", 49)
    assert fields(hc.request) == ["header-added"] and hc.response == ()
    assert hx.outcome == "not expressible: a raw request cannot be expressed"
    assert hx.request == () and hx.first_request_difference is None
    assert fields(hx.response) == ["outcome"]
    assert comparison.differs
