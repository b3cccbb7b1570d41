"""Lint: warnings about a request before it is sent, for field specs and raw bytes."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspector.model.anomaly import Severity
from inspector.model.request import Header, RequestSpec
from inspector.wire.lint import LintWarning, lint
from inspector.wire.serialize import serialize, with_default_headers

URL = "http://example.com/"
HOST: Header = (b"Host", b"example.com")

ALL_CODES = {
    "invalid-method",
    "bad-request-target",
    "bad-version",
    "missing-host",
    "duplicate-host",
    "invalid-header-name",
    "ctl-in-value",
    "value-whitespace",
    "invalid-content-length",
    "content-length-mismatch",
    "duplicate-content-length",
    "cl-and-te",
    "te-in-http10",
    "body-without-length",
    "bare-lf",
    "no-head-end",
    "leading-empty-line",
    "obs-fold",
    "no-colon",
    "empty-request",
}


def codes(spec: RequestSpec) -> list[tuple[str, int | None]]:
    return [(w.code, w.header_index) for w in lint(spec)]


def raw(data: bytes) -> RequestSpec:
    return RequestSpec(url=URL, raw=data)


# --- clean requests ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        RequestSpec(url=URL, headers=(HOST,)),
        RequestSpec(url="http://example.com/a?b=c", http_version=b"HTTP/1.0"),
        with_default_headers(RequestSpec(method=b"POST", url=URL, body=b"\x00\xff data")),
        RequestSpec(
            method=b"POST",
            url=URL,
            headers=(HOST, (b"Transfer-Encoding", b"chunked")),
            body=b"3\r\nabc\r\n0\r\n\r\n",
        ),
        RequestSpec(method=b"OPTIONS", url=URL, headers=(HOST,), request_target=b"*"),
        RequestSpec(url=URL, headers=(HOST, (b"X-Tab", b"a\tb"), (b"X-Obs", b"caf\xc3\xa9"))),
    ],
    ids=["get", "http10-no-host", "post-defaults", "chunked", "asterisk", "tab-and-obs-text"],
)
def test_clean_spec_gives_no_warnings(spec: RequestSpec) -> None:
    """Well-formed requests, fields or raw, give no warning at all."""
    assert lint(spec) == []
    assert lint(raw(serialize(spec))) == []


# --- field specs: each check -------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (RequestSpec(method=b"", url=URL, headers=(HOST,)), [("invalid-method", None)]),
        (RequestSpec(method=b"GE T", url=URL, headers=(HOST,)), [("invalid-method", None)]),
        (RequestSpec(method=b"G\xc3\x89T", url=URL, headers=(HOST,)), [("invalid-method", None)]),
        (
            RequestSpec(url=URL, headers=(HOST,), request_target=b"/a b"),
            [("bad-request-target", None)],
        ),
        (
            RequestSpec(url=URL, headers=(HOST,), request_target=b"/a\r\n"),
            [("bad-request-target", None)],
        ),
        (
            RequestSpec(url=URL, headers=(HOST,), request_target=b"/\xc3\xa9"),
            [("bad-request-target", None)],
        ),
        (RequestSpec(url=URL, headers=(HOST,), request_target=b""), [("bad-request-target", None)]),
        (RequestSpec(url=URL, http_version=b"HTTP/1"), [("bad-version", None)]),
        (RequestSpec(url=URL, http_version=b"http/1.0"), [("bad-version", None)]),
        (RequestSpec(url=URL, http_version=b"HTTP/1.1 "), [("bad-version", None)]),
        (RequestSpec(url=URL, http_version=b"HTTP/1.10"), [("bad-version", None)]),
        (RequestSpec(url=URL), [("missing-host", None)]),
        (RequestSpec(url=URL, headers=((b"X-Host", b"a"),)), [("missing-host", None)]),
        (
            RequestSpec(url=URL, headers=(HOST, (b"X", b"1"), (b"host", b"other"))),
            [("duplicate-host", 2)],
        ),
        (RequestSpec(url=URL, headers=(HOST, (b"", b"v"))), [("invalid-header-name", 1)]),
        (RequestSpec(url=URL, headers=(HOST, (b"X Y", b"v"))), [("invalid-header-name", 1)]),
        (RequestSpec(url=URL, headers=(HOST, (b"X:", b"v"))), [("invalid-header-name", 1)]),
        (RequestSpec(url=URL, headers=(HOST, (b"X\r\n", b"v"))), [("invalid-header-name", 1)]),
        (RequestSpec(url=URL, headers=(HOST, (b"X", b"a\r\nY: b"))), [("ctl-in-value", 1)]),
        (RequestSpec(url=URL, headers=(HOST, (b"X", b"a\nb"))), [("ctl-in-value", 1)]),
        (RequestSpec(url=URL, headers=(HOST, (b"X", b"a\x00"))), [("ctl-in-value", 1)]),
        (RequestSpec(url=URL, headers=(HOST, (b"X", b"\x1b[31m"))), [("ctl-in-value", 1)]),
        (RequestSpec(url=URL, headers=(HOST, (b"X", b"\x7f"))), [("ctl-in-value", 1)]),
        (RequestSpec(url=URL, headers=(HOST, (b"X", b" a"))), [("value-whitespace", 1)]),
        (RequestSpec(url=URL, headers=(HOST, (b"X", b"a\t"))), [("value-whitespace", 1)]),
        (
            RequestSpec(url=URL, headers=(HOST, (b"Content-Length", b"-1"))),
            [("invalid-content-length", 1)],
        ),
        (
            RequestSpec(url=URL, headers=(HOST, (b"Content-Length", b""))),
            [("invalid-content-length", 1)],
        ),
        (
            RequestSpec(url=URL, headers=(HOST, (b"content-length", b"1, 1")), body=b"x"),
            [("invalid-content-length", 1)],
        ),
        (
            RequestSpec(url=URL, headers=(HOST, (b"Content-Length", b"4")), body=b"abc"),
            [("content-length-mismatch", 1)],
        ),
        (
            RequestSpec(url=URL, headers=(HOST, (b"Content-Length", b"0")), body=b"abc"),
            [("content-length-mismatch", 1)],
        ),
        (
            RequestSpec(
                url=URL,
                headers=(HOST, (b"Content-Length", b"3"), (b"Content-Length", b"3")),
                body=b"abc",
            ),
            [("duplicate-content-length", 2)],
        ),
        (
            RequestSpec(
                method=b"POST",
                url=URL,
                headers=(HOST, (b"Transfer-Encoding", b"chunked"), (b"Content-Length", b"5")),
                body=b"0\r\n\r\n",
            ),
            [("cl-and-te", 2)],
        ),
        (
            RequestSpec(
                url=URL,
                http_version=b"HTTP/1.0",
                headers=((b"transfer-encoding", b"chunked"),),
                body=b"0\r\n\r\n",
            ),
            [("te-in-http10", 0)],
        ),
        (
            RequestSpec(method=b"POST", url=URL, headers=(HOST,), body=b"abc"),
            [("body-without-length", None)],
        ),
    ],
)
def test_each_field_check(spec: RequestSpec, expected: list[tuple[str, int | None]]) -> None:
    """Each problem gives exactly its own code, pointing at the header concerned."""
    assert codes(spec) == expected


def test_content_length_with_padding_is_read_like_a_server_would() -> None:
    """Whitespace around a Content-Length value is only a value-whitespace note."""
    spec = RequestSpec(url=URL, headers=(HOST, (b"Content-Length", b" 3 ")), body=b"abc")
    assert codes(spec) == [("value-whitespace", 1)]


def test_huge_content_length_does_not_raise() -> None:
    """A Content-Length longer than int() accepts is compared, not converted."""
    spec = RequestSpec(url=URL, headers=(HOST, (b"Content-Length", b"9" * 10_000)))
    assert codes(spec) == [("content-length-mismatch", 1)]
    padded = b"0" * 10_000 + b"3"
    spec = RequestSpec(url=URL, headers=(HOST, (b"Content-Length", padded)), body=b"abc")
    assert codes(spec) == []


def test_bad_url_target_is_checked_after_encoding() -> None:
    """A target derived from the URL is percent-encoded first, so spaces there are fine."""
    assert codes(RequestSpec(url="http://example.com/a b\x01", headers=(HOST,))) == []


def test_several_problems_are_all_reported_in_order() -> None:
    """Request line first, then headers in order, then framing."""
    spec = RequestSpec(
        method=b"G T",
        url=URL,
        http_version=b"HTTP/2",
        headers=((b"Bad Name", b"x"), (b"X", b"a\x00 "), (b"Content-Length", b"9")),
        body=b"abc",
    )
    assert codes(spec) == [
        ("invalid-method", None),
        ("bad-version", None),
        ("invalid-header-name", 0),
        ("ctl-in-value", 1),
        ("value-whitespace", 1),
        ("content-length-mismatch", 2),
    ]


def test_value_whitespace_is_only_info() -> None:
    """Whitespace around a value is legal, so it is info; real violations are warnings."""
    spec = RequestSpec(url=URL, headers=((b"X", b" a"),))
    by_code = {w.code: w.severity for w in lint(spec)}
    assert by_code == {"value-whitespace": Severity.INFO, "missing-host": Severity.WARNING}


# --- raw specs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"GET / HTTP/1.1\nHost: a\n\n", [("bare-lf", None)]),
        (b"GET / HTTP/1.1\r\nHost: a\n\r\n", [("bare-lf", None)]),
        (b"GET / HTTP/1.1\r\nHost: a\r\n\n", [("bare-lf", None)]),
        (b"GET / HTTP/1.1\r\nHost: a\r\n", [("no-head-end", None)]),
        (b"GET / HTTP/1.1\r\nHost: a", [("no-head-end", None)]),
        (b"GET / HTTP/1.1\r\nHost: a\r\n\r", [("no-head-end", None)]),
        (b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", [("leading-empty-line", None)]),
        (b"GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n  c\r\n\r\n", [("obs-fold", 2)]),
        (b"GET / HTTP/1.1\r\n X: b\r\nHost: a\r\n\r\n", [("obs-fold", 0)]),
        (b"GET / HTTP/1.1\r\nHost: a\r\n\tb\r\n\r\n", [("obs-fold", 1)]),
        (b"GET / HTTP/1.1\r\nHost: a\r\nnocolon\r\n\r\n", [("no-colon", 1)]),
        (b"", [("empty-request", None)]),
        (b"GET / HTTP/1.1\r\n\r\n", [("missing-host", None)]),
        (b"GET / HTTP/1.1\r\nHost: a\r\nhOST: b\r\n\r\n", [("duplicate-host", 1)]),
        (
            b"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
            [("invalid-header-name", 0), ("missing-host", None)],
        ),
        (b"GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n", [("invalid-header-name", 1)]),
        (b"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", [("ctl-in-value", 0)]),
        (b"GET / HTTP/1.1\r\nHost: a\x00\r\n\r\n", [("ctl-in-value", 0)]),
        (b"GE\x00T / HTTP/1.1\r\nHost: a\r\n\r\n", [("invalid-method", None)]),
        (b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", [("bad-request-target", None)]),
        (b"GET /\t HTTP/1.1\r\nHost: a\r\n\r\n", [("bad-request-target", None)]),
        (b"GET HTTP/1.1\r\nHost: a\r\n\r\n", [("bad-version", None)]),
        (
            b"GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
            [("bad-request-target", None), ("bad-version", None)],
        ),
        (b"GET / HTTP/1.1\r\nHost: a\r\n\r\nabc", [("body-without-length", None)]),
        (
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:  7 \r\n\r\nabc",
            [("content-length-mismatch", 1)],
        ),
        (
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc",
            [("invalid-content-length", 1)],
        ),
        (
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
            [("duplicate-content-length", 2)],
        ),
        (
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n"
            b"\r\n0\r\n\r\n",
            [("cl-and-te", 1)],
        ),
        (
            b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            [("te-in-http10", 0)],
        ),
        (
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nabc\r\n\r\n",
            [("content-length-mismatch", 1)],
        ),
    ],
)
def test_each_raw_check(data: bytes, expected: list[tuple[str, int | None]]) -> None:
    """Raw bytes are parsed leniently and each problem gives its own code."""
    assert codes(raw(data)) == expected


def test_raw_header_index_counts_lines_after_the_request_line() -> None:
    """For raw bytes the index points at the line, even past folded or broken lines."""
    data = b"GET / HTTP/1.1\r\nHost: a\r\nbroken\r\n fold\r\nX: \x01\r\n\r\n"
    assert codes(raw(data)) == [("no-colon", 1), ("obs-fold", 2), ("ctl-in-value", 3)]


def test_raw_whitespace_around_values_is_optional_whitespace() -> None:
    """In raw bytes, spaces around a value are OWS a server strips, so they are no issue."""
    assert lint(raw(b"GET / HTTP/1.1\r\nHost:   a  \t\r\n\r\n")) == []


def test_bare_lf_counts_every_line() -> None:
    """The bare-lf message says how many head lines, the empty one included, lack CR."""
    (warning,) = lint(raw(b"GET / HTTP/1.1\nHost: a\r\nX: y\n\n"))
    assert warning.code == "bare-lf"
    assert warning.message.startswith("3 lines ")


def test_leading_empty_lines_are_skipped_to_find_the_request_line() -> None:
    """After empty lines, the request line is still read (and checked) as one."""
    got = codes(raw(b"\n\r\nBAD METHOD / HTTP/1.1\r\nHost: a\r\n\r\n"))
    assert got == [
        ("leading-empty-line", None),
        ("bad-request-target", None),
        ("bare-lf", None),
    ]


@pytest.mark.parametrize(
    "spec",
    [
        RequestSpec(url=URL),
        RequestSpec(method=b"P\x01ST", url=URL, headers=(HOST,)),
        RequestSpec(url=URL, http_version=b"HTTP/1.0", headers=((b"Transfer-Encoding", b"x"),)),
        RequestSpec(url=URL, headers=(HOST, (b"Host", b"b"), (b"X\x7f", b"\x00\xff"))),
        RequestSpec(
            method=b"POST",
            url=URL,
            headers=(HOST, (b"Content-Length", b"x"), (b"Content-Length", b"1")),
            body=b"ab",
        ),
        RequestSpec(method=b"PUT", url=URL, body=b"abc"),
    ],
)
def test_raw_and_field_lint_agree(spec: RequestSpec) -> None:
    """A serialized spec, linted as raw bytes, gives the same warnings as its fields."""
    assert lint(raw(serialize(spec))) == lint(spec)


# --- messages and robustness -------------------------------------------------------------


def test_messages_are_plain_single_sentences_without_control_bytes() -> None:
    """Messages never carry the request's control bytes to the terminal."""
    data = (
        b"\x1b[2J GET\x00 /\x07 HTTP\x9b1\r\nHost: \x1b]0;x\x07\r\n\x1b[31m: v\r\n"
        b" fold\r\nContent-Length: \x1b\r\nTransfer-Encoding: chunked\r\n"
    )
    warnings = lint(raw(data))
    assert len(warnings) >= 6
    for warning in warnings:
        assert re.fullmatch(r"[A-Z0-9][^\x00-\x1f\x7f-\x9f]*\.", warning.message), warning
        assert warning.message.count(". ") == 0, warning


def test_long_names_are_shortened_in_messages() -> None:
    """A huge header name does not make a huge message."""
    spec = RequestSpec(url=URL, headers=(HOST, (b"x y" * 1000, b"v")))
    (warning,) = lint(spec)
    assert len(warning.message) < 120


_NEAR_HTTP = st.lists(
    st.sampled_from(
        [b"GET", b"POST", b" ", b"/", b"HTTP/1.1", b"HTTP/1.0", b"\r\n", b"\n", b"\r", b":"]
        + [b"Host", b"Content-Length", b"Transfer-Encoding", b"3", b"\t", b"\x00", b"\xff"]
    )
    | st.binary(max_size=5),
    max_size=40,
).map(b"".join)


@given(st.binary() | _NEAR_HTTP)
def test_lint_never_raises_on_any_raw_bytes(data: bytes) -> None:
    """Any bytes lint without an exception, with known codes and in-range header indexes."""
    warnings = lint(raw(data))
    line_count = data.count(b"\n") + 1
    for warning in warnings:
        assert isinstance(warning, LintWarning)
        assert warning.code in ALL_CODES
        assert warning.header_index is None or 0 <= warning.header_index < line_count
        assert warning.message.endswith(".")


_BYTES = st.binary(max_size=12)


@given(
    st.builds(
        RequestSpec,
        method=_BYTES,
        url=st.text(max_size=20),
        http_version=_BYTES,
        headers=st.lists(st.tuples(_BYTES, _BYTES), max_size=5).map(tuple),
        body=_BYTES,
        request_target=st.none() | _BYTES,
    )
)
def test_lint_never_raises_on_any_fields(spec: RequestSpec) -> None:
    """Any field values lint without an exception; indexes point into spec.headers."""
    for warning in lint(spec):
        assert warning.code in ALL_CODES
        assert warning.header_index is None or 0 <= warning.header_index < len(spec.headers)
