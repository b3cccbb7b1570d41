"""The serializer, its default-header helper and the raw Content-Length update."""

from __future__ import annotations

import re
from typing import Any

import h11
import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspector.model.request import RequestSpec
from inspector.wire.serialize import (
    HeadEnd,
    default_headers_added,
    find_head_end,
    request_target,
    serialize,
    update_content_length,
    with_default_headers,
)

URL = "http://example.com/"

# --- serialize ---------------------------------------------------------------------------


def test_serialize_writes_request_line_headers_and_body_exactly() -> None:
    """A typical spec becomes exactly the request line, the headers, CRLF and the body."""
    spec = RequestSpec(
        method=b"POST",
        url="http://example.com/submit?a=1",
        headers=((b"Host", b"example.com"), (b"Content-Length", b"5")),
        body=b"hello",
    )
    assert serialize(spec) == (
        b"POST /submit?a=1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello"
    )


def test_serialize_without_headers_or_body() -> None:
    """With no headers the head is just the request line and the empty line."""
    assert serialize(RequestSpec(url=URL)) == b"GET / HTTP/1.1\r\n\r\n"


def test_serialize_keeps_header_case_order_and_duplicates() -> None:
    """Header names keep their case, order and duplicates; nothing is merged or sorted."""
    spec = RequestSpec(
        url=URL,
        headers=(
            (b"x-LOWER-upper", b"1"),
            (b"Accept", b"text/html"),
            (b"X-Dup", b"a"),
            (b"x-dup", b"b"),
            (b"X-Dup", b"a"),
        ),
    )
    assert serialize(spec) == (
        b"GET / HTTP/1.1\r\n"
        b"x-LOWER-upper: 1\r\nAccept: text/html\r\nX-Dup: a\r\nx-dup: b\r\nX-Dup: a\r\n\r\n"
    )


def test_serialize_passes_malformed_bytes_through() -> None:
    """Malformed method, version, names and values (CTLs, whitespace) are written untouched."""
    spec = RequestSpec(
        method=b"G E\tT",
        url=URL,
        http_version=b"HTTP/9",
        headers=(
            (b"Bad Name", b"  padded  "),
            (b"X-Inject", b"a\r\nEvil: 1"),
            (b"", b"\x00\x7f\xff"),
        ),
        body=b"\r\n\x00",
    )
    assert serialize(spec) == (
        b"G E\tT / HTTP/9\r\n"
        b"Bad Name:   padded  \r\nX-Inject: a\r\nEvil: 1\r\n: \x00\x7f\xff\r\n\r\n\r\n\x00"
    )


def test_serialize_returns_raw_bytes_untouched() -> None:
    """A raw spec is sent byte for byte, whatever the other fields say."""
    raw = b"GET /x HTTP/1.1\nHost: a\n\nno length \x00"
    spec = RequestSpec(method=b"POST", url=URL, headers=((b"A", b"b"),), body=b"zz", raw=raw)
    assert serialize(spec) is raw


def test_serialize_empty_raw_is_still_raw() -> None:
    """An empty ``raw`` is a raw request of zero bytes, not a missing one."""
    assert serialize(RequestSpec(url=URL, raw=b"")) == b""


def test_serialize_uses_request_target_override() -> None:
    """An explicit request_target replaces the one derived from the URL."""
    spec = RequestSpec(method=b"OPTIONS", url="http://example.com/ignored", request_target=b"*")
    assert serialize(spec) == b"OPTIONS * HTTP/1.1\r\n\r\n"


def test_serialize_derives_target_from_url() -> None:
    """Without an override the target comes from the URL: encoded path, query, no fragment."""
    spec = RequestSpec(url="http://example.com/caf\u00e9 menu?q=a b#top")
    assert serialize(spec) == b"GET /caf%C3%A9%20menu?q=a%20b HTTP/1.1\r\n\r\n"


# --- request_target ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://example.com", b"/"),
        ("http://example.com/", b"/"),
        ("http://example.com/a/b/../c//d", b"/a/b/../c//d"),
        ("http://example.com?x=1", b"/?x=1"),
        ("http://example.com/p?", b"/p?"),
        ("http://example.com/p? a\t", b"/p?%20a%09"),
        ("http://example.com/p?a=1&b=%2F&c=+&d=?&e", b"/p?a=1&b=%2F&c=+&d=?&e"),
        ("http://example.com/%7Euser/%zz", b"/%7Euser/%zz"),
        ("http://example.com/\u00fcber/\u65e5", b"/%C3%BCber/%E6%97%A5"),
        ("http://example.com/a b\tc\nd\x7f", b"/a%20b%09c%0Ad%7F"),
        ("http://example.com/p#frag?x", b"/p"),
        ("http://example.com/p?q#frag", b"/p?q"),
        ("http://user:pw@example.com:8080/p", b"/p"),
        ("HTTP://EXAMPLE.COM/Case/Kept", b"/Case/Kept"),
        ("", b"/"),
        ("/already/a/path", b"/already/a/path"),
    ],
)
def test_request_target_origin_form(url: str, expected: bytes) -> None:
    """The origin-form keeps path and query as typed, encoding only non-printable bytes."""
    assert request_target(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://example.com", b"http://example.com/"),
        ("http://example.com:8080/p?q=1#f", b"http://example.com:8080/p?q=1"),
        ("https://user:pw@Example.COM/a b", b"https://Example.COM/a%20b"),
        ("http://[::1]:81/x", b"http://[::1]:81/x"),
        ("http://b\u00fccher.de/", b"http://b%C3%BCcher.de/"),
        ("/only/path", b"/only/path"),
    ],
)
def test_request_target_absolute_form(url: str, expected: bytes) -> None:
    """The absolute-form (for proxies) adds scheme and authority, without userinfo."""
    assert request_target(url, absolute=True) == expected


def test_request_target_never_raises_on_lone_surrogate() -> None:
    """A lone surrogate (possible in pasted text) is encoded, not an exception."""
    assert request_target("http://h/\udcff") == b"/%ED%B3%BF"


@given(st.text())
def test_request_target_is_always_printable_ascii(url: str) -> None:
    """Whatever the URL, the target is non-empty printable ASCII with no space."""
    target = request_target(url)
    assert target
    assert re.fullmatch(rb"[\x21-\x7e]+", target)
    assert re.fullmatch(rb"[\x21-\x7e]+", request_target(url, absolute=True))


# --- with_default_headers ----------------------------------------------------------------


def test_default_headers_all_added_in_curl_order() -> None:
    """Host, User-Agent and Accept go first, the user's headers next, Content-Length last."""
    spec = RequestSpec(method=b"POST", url=URL, headers=((b"X-Mine", b"1"),), body=b"abc")
    result = with_default_headers(spec)
    assert result.headers == (
        (b"Host", b"example.com"),
        (b"User-Agent", b"inspector/0.1"),
        (b"Accept", b"*/*"),
        (b"X-Mine", b"1"),
        (b"Content-Length", b"3"),
    )
    assert default_headers_added(spec) == [
        (b"Host", b"example.com"),
        (b"User-Agent", b"inspector/0.1"),
        (b"Accept", b"*/*"),
        (b"Content-Length", b"3"),
    ]
    assert spec.headers == ((b"X-Mine", b"1"),)
    assert (result.method, result.url, result.body) == (spec.method, spec.url, spec.body)


@pytest.mark.parametrize(
    "name", [b"host", b"HOST", b"user-agent", b"ACCEPT", b"content-length", b"Content-length"]
)
def test_default_headers_never_override_user_headers(name: bytes) -> None:
    """A header the user set, in any case, is kept as is and not added a second time."""
    spec = RequestSpec(method=b"PUT", url=URL, headers=((name, b"mine"),), body=b"x")
    result = with_default_headers(spec)
    matching = [(n, v) for n, v in result.headers if n.lower() == name.lower()]
    assert matching == [(name, b"mine")]
    assert all(n.lower() != name.lower() for n, _ in default_headers_added(spec))
    assert len(result.headers) == 4


@pytest.mark.parametrize(
    ("toggle", "missing"),
    [
        ("host", b"Host"),
        ("user_agent", b"User-Agent"),
        ("accept", b"Accept"),
        ("content_length", b"Content-Length"),
    ],
)
def test_each_default_header_can_be_turned_off(toggle: str, missing: bytes) -> None:
    """Turning one helper off leaves out exactly that header."""
    spec = RequestSpec(method=b"POST", url=URL, body=b"x")
    options: dict[str, Any] = {toggle: False}
    names = [n for n, _ in with_default_headers(spec, **options).headers]
    assert missing not in names
    assert len(names) == 3


def test_all_helpers_off_returns_the_same_spec() -> None:
    """With every helper off nothing changes."""
    spec = RequestSpec(method=b"POST", url=URL, body=b"x")
    off: dict[str, Any] = {
        "host": False,
        "user_agent": False,
        "accept": False,
        "content_length": False,
    }
    assert with_default_headers(spec, **off) is spec
    assert default_headers_added(spec, **off) == []


def test_custom_user_agent_value() -> None:
    """The User-Agent value can be chosen."""
    result = with_default_headers(RequestSpec(url=URL), user_agent_value=b"curl/8.0")
    assert (b"User-Agent", b"curl/8.0") in result.headers


@pytest.mark.parametrize(
    ("method", "body", "headers", "expected"),
    [
        (b"GET", b"", (), None),
        (b"DELETE", b"", (), None),
        (b"GET", b"q", (), b"1"),
        (b"POST", b"", (), b"0"),
        (b"PUT", b"", (), b"0"),
        (b"PATCH", b"", (), b"0"),
        (b"post", b"", (), None),
        (b"POST", b"12345", (), b"5"),
        (b"POST", b"3\r\nabc\r\n0\r\n\r\n", ((b"Transfer-Encoding", b"chunked"),), None),
        (b"POST", b"abc", ((b"transfer-encoding", b"gzip"),), None),
    ],
)
def test_content_length_helper_rules(
    method: bytes, body: bytes, headers: tuple[tuple[bytes, bytes], ...], expected: bytes | None
) -> None:
    """Content-Length is added for a body or POST/PUT/PATCH, never with Transfer-Encoding."""
    spec = RequestSpec(method=method, url=URL, headers=headers, body=body)
    values = with_default_headers(spec).header_values(b"Content-Length")
    assert values == ([] if expected is None else [expected])


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://example.com:80/", b"example.com"),
        ("https://example.com:443/", b"example.com"),
        ("http://example.com:8080/", b"example.com:8080"),
        ("https://example.com:80/", b"example.com:80"),
        ("http://[::1]:9000/", b"[::1]:9000"),
        ("http://user:pw@Example.COM/", b"example.com"),
        ("http://b\u00fccher.de/", b"xn--bcher-kva.de"),
    ],
)
def test_host_header_comes_from_the_target_authority(url: str, host: bytes) -> None:
    """Host is the target authority: default port left out, IPv6 bracketed, IDN as ASCII."""
    added = default_headers_added(RequestSpec(url=url), user_agent=False, accept=False)
    assert added == [(b"Host", host)]


def test_host_falls_back_to_utf8_when_idna_refuses() -> None:
    """A host IDNA cannot encode (a label over 63 characters) is sent as UTF-8, not raised."""
    label = "\u00fc" * 64
    added = default_headers_added(RequestSpec(url=f"http://{label}.de/"), user_agent=False)
    assert added == [(b"Host", label.encode() + b".de"), (b"Accept", b"*/*")]


def test_host_left_out_when_the_url_gives_no_target() -> None:
    """Without a usable URL no Host is invented; the other helpers still apply."""
    added = default_headers_added(RequestSpec(url="ftp://example.com/"))
    assert [n for n, _ in added] == [b"User-Agent", b"Accept"]


def test_default_headers_leave_raw_specs_alone() -> None:
    """A raw spec is returned unchanged and nothing is reported as added."""
    spec = RequestSpec(method=b"POST", url=URL, body=b"x", raw=b"GET / HTTP/1.0\r\n\r\n")
    assert with_default_headers(spec) is spec
    assert default_headers_added(spec) == []


def test_default_headers_keep_meta() -> None:
    """Labels in ``meta`` survive the helper."""
    spec = RequestSpec(url=URL, meta={"name": "saved"})
    assert with_default_headers(spec).meta == {"name": "saved"}


# --- h11 as an oracle --------------------------------------------------------------------


def _h11_read(data: bytes) -> tuple[h11.Request, bytes]:
    conn = h11.Connection(h11.SERVER)
    conn.receive_data(data)
    request = conn.next_event()
    assert isinstance(request, h11.Request)
    body = b""
    while True:
        event = conn.next_event()
        if isinstance(event, h11.EndOfMessage):
            return request, body
        assert isinstance(event, h11.Data), event
        body += bytes(event.data)


@pytest.mark.parametrize(
    "spec",
    [
        with_default_headers(RequestSpec(url="http://example.com/")),
        with_default_headers(
            RequestSpec(
                method=b"POST",
                url="http://example.com:8080/api/items?x=1&y=two",
                headers=((b"Content-Type", b"application/json"), (b"X-Trace", b"a")),
                body=b'{"name": "caf\xc3\xa9"}',
            )
        ),
        RequestSpec(
            method=b"PUT",
            url="http://example.com/\u00fcber files",
            headers=(
                (b"HOST", b"example.com"),
                (b"x-Dup", b"1"),
                (b"X-DUP", b"2"),
                (b"Content-Length", b"4"),
            ),
            body=b"\x00\r\n\xff",
        ),
        RequestSpec(method=b"DELETE", url="http://h/x", http_version=b"HTTP/1.0"),
    ],
    ids=["get", "post-json", "put-binary", "http10"],
)
def test_h11_reads_back_what_we_serialized(spec: RequestSpec) -> None:
    """h11, as a server, reads the same method, target, headers and body we meant."""
    request, body = _h11_read(serialize(spec))
    assert request.method == spec.method
    expected_target = spec.request_target or request_target(spec.url)
    assert request.target == expected_target
    assert request.http_version == spec.http_version.removeprefix(b"HTTP/")
    assert list(request.headers) == [(n.lower(), v) for n, v in spec.headers]
    assert body == spec.body


# --- find_head_end -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"GET / HTTP/1.1\r\n\r\nbody", HeadEnd(16, 18)),
        (b"GET / HTTP/1.1\n\nbody", HeadEnd(15, 16)),
        (b"GET / HTTP/1.1\nA: b\r\n\nbody", HeadEnd(21, 22)),
        (b"GET / HTTP/1.1\r\nA: b\n\r\nbody", HeadEnd(21, 23)),
        (b"\r\n\nGET / HTTP/1.1\r\n\r\n", HeadEnd(19, 21)),
        (b"GET / HTTP/1.1\r\nA: b\r\n", None),
        (b"GET / HTTP/1.1\r\n\r", None),
        (b"\r\n\r\n", None),
        (b"", None),
    ],
)
def test_find_head_end(raw: bytes, expected: HeadEnd | None) -> None:
    """The head ends at the first empty line after the start line, CRLF or bare LF."""
    assert find_head_end(raw) == expected


# --- update_content_length ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            b"POST / HTTP/1.1\r\nHost: a\r\ncontent-LENGTH: 99\r\nX: y\r\n\r\nhello",
            b"POST / HTTP/1.1\r\nHost: a\r\ncontent-LENGTH: 5\r\nX: y\r\n\r\nhello",
        ),
        (
            b"POST / HTTP/1.1\r\nContent-Length:\t 1 \t\r\n\r\nhello",
            b"POST / HTTP/1.1\r\nContent-Length:\t 5 \t\r\n\r\nhello",
        ),
        (
            b"POST / HTTP/1.1\r\nContent-Length: abc\r\nContent-Length: 7\r\n\r\nxy",
            b"POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 7\r\n\r\nxy",
        ),
        (
            b"POST / HTTP/1.1\r\nHost: a\r\n\r\nhello",
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
        ),
        (
            b"POST / HTTP/1.1\nHost: a\n\nhello\n\n",
            b"POST / HTTP/1.1\nHost: a\nContent-Length: 7\n\nhello\n\n",
        ),
        (
            b"POST / HTTP/1.1\nContent-Length: 0\n\nab",
            b"POST / HTTP/1.1\nContent-Length: 2\n\nab",
        ),
        (b"GET / HTTP/1.1\r\n\r\n", b"GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
        (
            b"GET / HTTP/1.1\r\nContent-Length: 12\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
        ),
        (
            b"\r\nContent-Length: 1\r\nX: y\r\n\r\nabc",
            b"\r\nContent-Length: 1\r\nX: y\r\nContent-Length: 3\r\n\r\nabc",
        ),
        (
            b"POST / HTTP/1.1\r\n Content-Length: 1\r\nX-Content-Length: 1\r\n\r\nab",
            b"POST / HTTP/1.1\r\n Content-Length: 1\r\nX-Content-Length: 1\r\n"
            b"Content-Length: 2\r\n\r\nab",
        ),
        (
            b"POST / HTTP/1.1\r\nContent-Length : 9\r\n\r\nab",
            b"POST / HTTP/1.1\r\nContent-Length : 2\r\n\r\nab",
        ),
        (
            b"POST / HTTP/1.1\r\nX: y\r\n\r\nContent-Length: 1\r\n",
            b"POST / HTTP/1.1\r\nX: y\r\nContent-Length: 19\r\n\r\nContent-Length: 1\r\n",
        ),
        (
            b"POST / HTTP/1.1\r\nContent-Length: 4\r\nHost: a",
            b"POST / HTTP/1.1\r\nContent-Length: 0\r\nHost: a",
        ),
        (b"POST / HTTP/1.1\r\nContent-Length: 4\r", b"POST / HTTP/1.1\r\nContent-Length: 0\r"),
        (b"POST / HTTP/1.1\r\nHost: a\r\n", b"POST / HTTP/1.1\r\nHost: a\r\n"),
        (b"", b""),
    ],
    ids=[
        "replace-keeps-name-case",
        "replace-keeps-whitespace",
        "replace-first-only",
        "insert-crlf",
        "insert-lf-only",
        "replace-lf-only",
        "insert-no-body",
        "replace-no-body",
        "request-line-is-not-a-header",
        "folded-and-prefixed-names-are-not-content-length",
        "space-before-colon-still-matched",
        "body-is-not-searched",
        "no-head-end-sets-zero",
        "no-head-end-keeps-trailing-cr",
        "no-head-end-nothing-inserted",
        "empty",
    ],
)
def test_update_content_length(raw: bytes, expected: bytes) -> None:
    """Only the Content-Length value changes (or one line is inserted before the blank line)."""
    assert update_content_length(raw) == expected


_NO_EOL = st.binary(min_size=1, max_size=20).filter(lambda b: b"\n" not in b and b"\r" not in b)
_TOKEN = st.text("!#$%&'*+-.^_`|~0123456789abcdefXYZ", min_size=1, max_size=12).map(str.encode)
_VALUE = st.binary(max_size=20).filter(lambda b: b"\n" not in b and b"\r" not in b)
_CL_VALUE = st.binary(min_size=1, max_size=10).filter(lambda b: not set(b) & set(b" \t\r\n"))
_EOL = st.sampled_from([b"\r\n", b"\n"])
_OWS = st.sampled_from([b"", b" ", b"\t", b"  \t"])


@given(
    request_line=_NO_EOL,
    fields=st.lists(
        st.tuples(_TOKEN.filter(lambda n: n.lower() != b"content-length"), _VALUE, _EOL),
        max_size=5,
    ),
    cl=st.none()
    | st.tuples(
        st.sampled_from([b"Content-Length", b"content-length", b"CONTENT-length"]),
        _OWS,
        _CL_VALUE,
        _OWS,
        _EOL,
    ),
    cl_position=st.integers(min_value=0, max_value=5),
    eols=st.tuples(_EOL, _EOL),
    body=st.binary(max_size=50),
)
def test_update_content_length_changes_only_the_value(
    request_line: bytes,
    fields: list[tuple[bytes, bytes, bytes]],
    cl: tuple[bytes, bytes, bytes, bytes, bytes] | None,
    cl_position: int,
    eols: tuple[bytes, bytes],
    body: bytes,
) -> None:
    """For any head, every byte but the Content-Length value is kept (or one line is added)."""
    lines = [name + b": " + value + eol for name, value, eol in fields]
    before, after = lines[:cl_position], lines[cl_position:]
    start = request_line + eols[0] + b"".join(before)
    rest = b"".join(after) + eols[1] + body
    length = str(len(body)).encode()
    if cl is None:
        raw = start + rest
        expected = start + b"".join(after) + b"Content-Length: " + length + eols[1] * 2 + body
    else:
        name, ows1, value, ows2, eol = cl
        raw = start + name + b":" + ows1 + value + ows2 + eol + rest
        expected = start + name + b":" + ows1 + length + ows2 + eol + rest
    assert update_content_length(raw) == expected
    assert update_content_length(expected) == expected


_FRAGMENTS = st.sampled_from(
    [b"POST / HTTP/1.1", b"Content-Length:", b"content-length: 12 ", b"\r\n", b"\n", b"\r"]
    + [b" ", b"\t", b"x: y", b"5", b":"]
)
_MESSY_LINE = st.lists(_FRAGMENTS | st.binary(max_size=4), max_size=4).map(b"".join)
_CL_LINE = st.tuples(
    st.sampled_from([b"Content-Length", b"content-LENGTH", b" Content-Length", b"Content-Length "]),
    st.sampled_from([b":", b""]),
    _OWS,
    st.sampled_from([b"", b"0", b"12", b"x"]) | st.binary(max_size=4),
).map(b"".join)
_MESSY = st.tuples(
    st.lists(
        st.tuples(_MESSY_LINE | _CL_LINE, st.sampled_from([b"\r\n", b"\n", b"\r", b""])),
        max_size=8,
    ).map(lambda lines: b"".join(line + eol for line, eol in lines)),
    st.sampled_from([b"", b"\r\n", b"\n"]),
    st.binary(max_size=10),
).map(b"".join)


@given(st.binary() | _MESSY)
def test_update_content_length_on_arbitrary_bytes(raw: bytes) -> None:
    """On any bytes: no exception, the body is kept, and the only change is a value or one line."""
    out = update_content_length(raw)
    assert update_content_length(out) == out
    if out == raw:
        return
    head = find_head_end(raw)
    if head is None:
        body = b""
        added = b""
    else:
        body = raw[head.body :]
        added = b"Content-Length: " + str(len(body)).encode() + raw[head.blank : head.body]
        assert out.endswith(body)
    if head is not None and out == raw[: head.blank] + added + raw[head.blank :]:
        return  # a line was inserted just before the empty line
    # Otherwise only a Content-Length value, within one line, was replaced by the length.
    prefix = 0
    while prefix < min(len(raw), len(out)) and raw[prefix] == out[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(raw), len(out)) - prefix and raw[-1 - suffix] == out[-1 - suffix]:
        suffix += 1
    assert b"\n" not in raw[prefix : len(raw) - suffix]
    assert re.fullmatch(rb"[0-9]*", out[prefix : len(out) - suffix])
    line_start = out.rfind(b"\n", 0, prefix) + 1
    assert re.match(rb"(?i)content-length[ \t]*:[ \t]*[0-9]", out[line_start:])
