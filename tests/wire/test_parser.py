"""The response parser: goldens under every split, limits, and properties checked by Hypothesis."""

from __future__ import annotations

import json
import random

import h11
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector.model import Framing, Severity
from inspector.wire.limits import Limits
from inspector.wire.parser import ResponseParser
from tests.wire.golden import DATA, describe, names, parse

GOLDEN = names()


def _load(name: str) -> tuple[bytes, dict[str, object]]:
    raw = (DATA / f"{name}.raw").read_bytes()
    expected = json.loads((DATA / f"{name}.json").read_text())
    return raw, expected


def test_golden_set_is_there() -> None:
    """The golden folder holds the malformed cases the suite relies on."""
    assert len(GOLDEN) >= 40
    assert {"bare-lf", "obs-fold", "cl-te-conflict", "chunked-bad-size", "truncated-body"} <= set(
        GOLDEN
    )


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_whole_bytewise_and_random_splits(name: str) -> None:
    """Each golden response parses to its expectation whether fed whole, by byte, or in pieces."""
    raw, expected = _load(name)
    method = str(expected["method"]).encode()
    assert describe(method, parse(method, [raw] if raw else [])) == expected
    assert describe(method, parse(method, [raw[i : i + 1] for i in range(len(raw))])) == expected
    rng = random.Random(name)
    for _ in range(5):
        cuts = sorted(rng.sample(range(1, len(raw)), min(4, max(0, len(raw) - 1))))
        pieces = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
        assert describe(method, parse(method, pieces)) == expected


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_trailing_bytes_are_left_unconsumed(name: str) -> None:
    """Bytes after a self-delimited message change nothing but the leftover."""
    raw, expected = _load(name)
    method = str(expected["method"]).encode()
    if not expected["complete"] or expected["framing"] == "close":
        pytest.skip("the message is not self-delimited")
    extra = b"HTTP/1.1 200 OK\r\n"
    got = describe(method, parse(method, [raw, extra]))
    assert got["leftover"] == str(expected["leftover"]) + extra.decode()
    for key in ("status", "headers", "body", "body_spans", "end", "framing", "complete"):
        assert got[key] == expected[key], key


def _feed_all(parser: ResponseParser, data: bytes, step: int = 0) -> None:
    if step:
        for i in range(0, len(data), step):
            parser.feed(data[i : i + step])
    else:
        parser.feed(data)


def test_done_without_eof_for_self_delimited_message() -> None:
    """The parser says the message is complete as soon as its framing says so: no EOF needed."""
    p = ResponseParser()
    p.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nab")
    assert p.needs_data and not p.done
    p.feed(b"c")
    assert p.done and not p.needs_data
    r = p.result()
    assert r.complete and r.body == b"abc" and r.keep_alive


def test_partial_result_is_available_mid_body() -> None:
    """result() during the body shows what arrived so far, marked incomplete."""
    p = ResponseParser()
    p.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345")
    r = p.result()
    assert r.status == 200 and r.body == b"12345" and not r.complete and not r.keep_alive


def test_close_delimited_body_ends_only_at_eof() -> None:
    """With no length, the body runs until the peer closes (RFC 9112 §6.3 rule 8)."""
    p = ResponseParser()
    p.feed(b"HTTP/1.1 200 OK\r\n\r\nsome")
    p.feed(b" more")
    assert not p.done
    p.feed_eof()
    r = p.result()
    assert p.done and r.complete and r.framing is Framing.CLOSE and r.body == b"some more"
    assert not r.keep_alive


def test_keep_body_false_keeps_spans_only() -> None:
    """Without keep_body the body is not held, but its spans locate it in the stream."""
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    p = ResponseParser(keep_body=False)
    p.feed(raw)
    r = p.result()
    assert r.body is None and r.body_size == 5
    assert b"".join(raw[s:e] for s, e in r.body_spans) == b"abcde"
    assert [(c.size, raw[c.data_start : c.data_end]) for c in r.chunks] == [
        (3, b"abc"),
        (2, b"de"),
        (0, b""),
    ]


def test_start_offset_shifts_every_span() -> None:
    """A parser started mid-stream (a reused connection) reports absolute offsets."""
    raw = b"HTTP/1.1 200 OK\r\nX-A: b\r\nContent-Length: 2\r\n\r\nok"
    a, b = ResponseParser(), ResponseParser(start_offset=1000)
    a.feed(raw)
    b.feed(raw)
    ra, rb = a.result(), b.result()
    assert [(h.start + 1000, h.end + 1000) for h in ra.headers] == [
        (h.start, h.end) for h in rb.headers
    ]
    assert rb.body_spans == ((1000 + ra.body_spans[0][0], 1000 + ra.body_spans[0][1]),)
    assert rb.end == ra.end + 1000 and rb.status_line_span == (1000, 1015)


def test_body_limit_stops_an_endless_body() -> None:
    """A body past max_body ends the parse with an error, without waiting for EOF."""
    p = ResponseParser(limits=Limits(max_body=1000))
    p.feed(b"HTTP/1.1 200 OK\r\n\r\n")
    for _ in range(100):
        if p.done:
            break
        p.feed(b"x" * 64)
    r = p.result()
    assert p.done and r.body_size == 1000 and not r.complete
    assert r.error is not None and r.error.code == "body-too-large"
    assert p.leftover == b""  # bytes past the limit are dropped body, not leftover


def test_head_size_limit() -> None:
    """A head larger than max_head_size fails at the same byte however it arrives."""
    raw = b"HTTP/1.1 200 OK\r\n" + b"X-Big: " + b"a" * 500 + b"\r\n\r\n"
    limits = Limits(max_head_size=100)
    whole = ResponseParser(limits=limits)
    whole.feed(raw)
    bytewise = ResponseParser(limits=limits)
    _feed_all(bytewise, raw, step=1)
    for p in (whole, bytewise):
        err = p.result().error
        assert p.done and err is not None and err.code == "header-too-long"
        assert (err.start, err.end) == (0, 101)


def test_field_count_limit() -> None:
    """More fields than max_fields is a fatal too-many-headers anomaly."""
    raw = b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(11)) + b"\r\n"
    p = ResponseParser(limits=Limits(max_fields=10))
    p.feed(raw)
    err = p.result().error
    assert err is not None and err.code == "too-many-headers"
    ok = ResponseParser(limits=Limits(max_fields=11))
    ok.feed(raw)
    assert ok.result().error is None


def test_too_many_interim_responses() -> None:
    """An endless stream of 1xx responses is cut off by max_interim."""
    p = ResponseParser(limits=Limits(max_interim=3))
    p.feed(b"HTTP/1.1 100 Continue\r\n\r\n" * 5)
    err = p.result().error
    assert p.done and err is not None and err.code == "too-many-interim"


def test_feed_accepts_memoryview_and_bytearray() -> None:
    """The client feeds memoryviews of a reused buffer; results match plain bytes."""
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
    buf = bytearray(raw)
    p = ResponseParser()
    p.feed(memoryview(buf)[:20])
    p.feed(bytearray(buf[20:]))
    buf[:] = b"\0" * len(buf)  # the caller reuses its buffer: nothing may alias it
    assert p.result().body == b"hello" and p.result().headers[0].name == b"Content-Length"


def test_eof_twice_and_empty_feed_are_harmless() -> None:
    """feed(b'') does nothing; a second feed_eof changes nothing."""
    p = ResponseParser()
    p.feed(b"")
    p.feed(b"HTTP/1.1 200 OK\r\n\r\nx")
    p.feed_eof()
    first = p.result()
    p.feed_eof()
    p.feed(b"")
    assert p.result() == first


def test_unfolded_value_replaces_each_fold_with_one_space() -> None:
    """obs-fold keeps its bytes in value; unfolded_value gives the RFC 9112 §5.2 reading."""
    p = ResponseParser()
    p.feed(b"HTTP/1.1 200 OK\r\nX: a \r\n  b\r\n\tc\r\nContent-Length: 0\r\n\r\n")
    h = p.result().headers[0]
    assert h.value == b"a \r\n  b\r\n\tc"
    assert h.unfolded_value == b"a b c"
    assert h.raw == b"X: a \r\n  b\r\n\tc"


def test_anomalies_carry_rfc_sections() -> None:
    """Every violation names the RFC section it breaks."""
    p = ResponseParser()
    p.feed(b"HTTP/1.1 200 OK\nX: a\x01\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx")
    anomalies = p.result().anomalies
    assert {a.code for a in anomalies} == {"bare-lf", "ctl-in-value", "duplicate-content-length"}
    assert all(a.rfc.startswith("RFC 91") for a in anomalies)
    assert all(a.severity is Severity.WARNING for a in anomalies)


# --------------------------------------------------------------------- Hypothesis


def _check_invariants(data: bytes, pieces: list[bytes], method: bytes) -> None:
    whole = parse(method, [data])
    split = parse(method, pieces)
    assert describe(method, split) == describe(method, whole)
    r = whole.result()
    total = len(data)
    for a in r.anomalies:
        assert 0 <= a.start <= a.end <= total, a
    for h in (*r.headers, *r.trailers):
        assert 0 <= h.start <= h.end <= total
        assert data[h.start : h.end] == h.raw
    for s, e in r.body_spans:
        assert 0 <= s <= e <= total
    assert sum(e - s for s, e in r.body_spans) == r.body_size == len(r.body or b"")
    assert b"".join(data[s:e] for s, e in r.body_spans) == r.body
    assert r.end + len(whole.leftover) <= total
    assert whole.done
    assert len([a for a in r.anomalies if a.severity is Severity.ERROR]) <= 1


def _splits(draw: st.DrawFn, data: bytes) -> list[bytes]:
    cuts = sorted(set(draw(st.lists(st.integers(0, len(data)), max_size=6))))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


@st.composite
def _bytes_and_splits(draw: st.DrawFn, prefix: bytes = b"") -> tuple[bytes, list[bytes]]:
    data = prefix + draw(st.binary(max_size=300))
    return data, _splits(draw, data)


_ALPHABET = st.sampled_from(
    [b"\r\n", b"\n", b"\r", b":", b" ", b"\t", b"0", b"5", b"a", b"X", b";", b"\x00", b"\xff",
     b"Content-Length: ", b"Transfer-Encoding: chunked", b"HTTP/1.1 ", b"200 OK", b"100 C"]
)  # fmt: skip


@st.composite
def _http_ish(draw: st.DrawFn) -> tuple[bytes, list[bytes]]:
    data = b"HTTP/1.1 200 OK\r\n" + b"".join(draw(st.lists(_ALPHABET, max_size=40)))
    return data, _splits(draw, data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_bytes_and_splits(), method=st.sampled_from([b"GET", b"HEAD", b"CONNECT"]))
def test_never_raises_on_arbitrary_bytes(case: tuple[bytes, list[bytes]], method: bytes) -> None:
    """Arbitrary bytes never raise; spans stay in bounds; splits do not change the result."""
    _check_invariants(*case, method)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_http_ish(), method=st.sampled_from([b"GET", b"HEAD"]))
def test_never_raises_on_http_like_bytes(case: tuple[bytes, list[bytes]], method: bytes) -> None:
    """Bytes built from HTTP pieces reach deep states; the same invariants hold."""
    _check_invariants(*case, method)


_TOKEN = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-!#$%&'*+.^_`|~",
                 min_size=1, max_size=20)  # fmt: skip
_VALUE = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=0, max_size=30
).map(lambda s: s.strip())
_RESERVED = {"content-length", "transfer-encoding", "connection", "trailer"}


@st.composite
def _well_formed(draw: st.DrawFn) -> bytes:
    """A response written by h11's server side: well-formed by construction."""
    server = h11.Connection(h11.SERVER)
    server.receive_data(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    server.next_event()
    headers = [
        (n, v)
        for n, v in draw(st.lists(st.tuples(_TOKEN, _VALUE), max_size=25))
        if n.lower() not in _RESERVED
    ]
    body = draw(st.binary(max_size=200))
    chunked = draw(st.booleans())
    if chunked:
        headers.append(("Transfer-Encoding", "chunked"))
    else:
        headers.append(("Content-Length", str(len(body))))
    status = draw(st.sampled_from([200, 201, 202, 400, 404, 500, 503]))
    reason = draw(st.sampled_from([b"", b"OK", b"Not Found", b"Some Reason Phrase"]))
    out = server.send(h11.Response(status_code=status, headers=headers, reason=reason)) or b""
    # Chunked bodies go out in several pieces, so several chunks; others in one write.
    cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=3))) if chunked else []
    for start, stop in zip([0, *cuts], [*cuts, len(body)], strict=True):
        if stop > start:
            out += server.send(h11.Data(data=body[start:stop])) or b""
    out += server.send(h11.EndOfMessage()) or b""
    return out


def _h11_read(raw: bytes) -> tuple[int, bytes, list[tuple[bytes, bytes]], bytes]:
    client = h11.Connection(h11.CLIENT)
    client.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
    client.receive_data(raw)
    status, reason, headers, body = 0, b"", [], b""
    while True:
        ev = client.next_event()
        if isinstance(ev, h11.Response):
            status, reason = ev.status_code, ev.reason
            headers = list(ev.headers.raw_items())
        elif isinstance(ev, h11.Data):
            body += ev.data
        elif isinstance(ev, h11.EndOfMessage) or ev is h11.NEED_DATA:
            return status, reason, headers, body


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=_well_formed())
def test_agrees_with_h11_on_well_formed_responses(raw: bytes) -> None:
    """On well-formed responses our reading equals h11's, with no anomalies at all."""
    status, reason, headers, body = _h11_read(raw)
    p = ResponseParser()
    p.feed(raw)
    r = p.result()
    assert p.done and r.complete and r.keep_alive
    assert r.anomalies == ()
    assert (r.status, r.reason, r.body) == (status, reason, body)
    assert [(h.name, h.value) for h in r.headers] == headers
