"""The field map: regions tiling the received bytes, framing marks, anomalies, reads."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.model import EventKind, Exchange, ParsedResponse, RequestSpec, Severity, Transcript
from inspector.render.fieldmap import FieldMap, MarkKind, Region, RegionKind, read_at
from inspector.render.timeline import ReadIndex
from inspector.wire.parser import ResponseParser
from tests.wire.golden import DATA, names

R = RegionKind


def parse(raw: bytes, *, eof: bool = True, method: bytes = b"GET", seed: int = 0) -> ParsedResponse:
    """Our parser's reading of ``raw``, fed in random pieces (the split never matters)."""
    p = ResponseParser(method)
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(raw)), min(3, len(raw) - 1))) if len(raw) > 1 else []
    for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True):
        p.feed(raw[a:b])
    if eof:
        p.feed_eof()
    return p.result()


def fmap(raw: bytes, **kwargs: object) -> FieldMap:
    eof = bool(kwargs.pop("eof", True))
    method = kwargs.pop("method", b"GET")
    assert isinstance(method, bytes)
    return FieldMap(parse(raw, eof=eof, method=method), len(raw), read=lambda s, e: raw[s:e])


def check_tiles(fm: FieldMap, size: int) -> list[Region]:
    """The regions are sorted, gapless, non-overlapping, cover [0, size), and at() agrees."""
    regions = list(fm)
    assert all(r.end > r.start for r in regions)
    assert [r.start for r in regions] == [0, *(r.end for r in regions[:-1])][: len(regions)]
    assert (regions[-1].end if regions else 0) == size
    owner = [i for i, r in enumerate(regions) for _ in range(r.start, r.end)]
    for offset in range(size):
        assert fm.at(offset) == regions[owner[offset]]
    assert fm.at(-1) is None and fm.at(size) is None
    return regions


def layout(fm: FieldMap, raw: bytes) -> list[tuple[RegionKind, bytes]]:
    return [(r.kind, raw[r.start : r.end]) for r in check_tiles(fm, len(raw))]


def test_content_length_with_leftover_bytes() -> None:
    """Each header line owns its CRLF, the body is its Content-Length, extra bytes are leftover."""
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhelloEXTRA"
    fm = fmap(raw, eof=False)
    assert layout(fm, raw) == [
        (R.STATUS_LINE, b"HTTP/1.1 200 OK\r\n"),
        (R.HEADER, b"Content-Length: 5\r\n"),
        (R.HEADER, b"X-A: 1\r\n"),
        (R.HEAD_END, b"\r\n"),
        (R.BODY, b"hello"),
        (R.LEFTOVER, b"EXTRA"),
    ]
    assert [r.label for r in fm if r.kind is R.HEADER] == ["Content-Length", "X-A"]
    assert [r.item for r in fm if r.kind is R.HEADER] == [0, 1]
    body, extra = raw.index(b"hello"), raw.index(b"EXTRA")
    marks = [(m.offset, m.kind) for m in fm.marks()]
    assert marks == [
        (body, MarkKind.HEAD_END),
        (extra, MarkKind.BODY_END),
        (extra, MarkKind.LEFTOVER),
    ]
    leftover = [(m.start, m.end, m.code) for m in fm.anomaly_marks()]
    assert leftover == [(extra, len(raw), "leftover-bytes")]


def test_chunked_with_extensions_and_trailers() -> None:
    """Size lines (extensions included), data, CRLFs, the last chunk and trailers each tile."""
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;name=value\r\nhello\r\n3\r\nabc\r\n0;end\r\nX-Sum: 42\r\nX-B: 2\r\n\r\n"
    )
    fm = fmap(raw)
    assert layout(fm, raw)[3:] == [
        (R.CHUNK_SIZE, b"5;name=value\r\n"),
        (R.CHUNK_DATA, b"hello"),
        (R.CHUNK_CRLF, b"\r\n"),
        (R.CHUNK_SIZE, b"3\r\n"),
        (R.CHUNK_DATA, b"abc"),
        (R.CHUNK_CRLF, b"\r\n"),
        (R.LAST_CHUNK, b"0;end\r\n"),
        (R.TRAILER, b"X-Sum: 42\r\n"),
        (R.TRAILER, b"X-B: 2\r\n"),
        (R.BODY_END, b"\r\n"),
    ]
    first = fm.at(raw.index(b"5;"))
    assert first is not None and first.label == "chunk 1 size line: 5 bytes [5;name=value]"
    last = fm.at(raw.index(b"0;end"))
    assert last is not None and "[0;end]" in last.label
    chunk_marks = [(m.offset, m.kind) for m in fm.marks() if m.kind.value.endswith("chunk")]
    assert chunk_marks == [
        (raw.index(b"5;"), MarkKind.CHUNK),
        (raw.index(b"3\r\nabc"), MarkKind.CHUNK),
        (raw.index(b"0;end"), MarkKind.LAST_CHUNK),
    ]
    assert fm.marks()[-1] == (
        len(raw),
        MarkKind.BODY_END,
        "end of chunked body: 8 bytes in 2 chunks",
    )
    assert fm.span_of(R.TRAILER) == (raw.index(b"X-Sum"), len(raw) - 2)


def test_labels_without_a_reader_and_escaped_names() -> None:
    """Without bytes at hand chunk labels give the size; names with control bytes are escaped."""
    head = b"HTTP/1.1 200 OK\r\nX-\x1b[31m: v\r\nTransfer-Encoding: chunked\r\n\r\n"
    raw = head + b"2\r\nhi\r\n0\r\n\r\n"
    fm = FieldMap(parse(raw), len(raw))
    labels = [r.label for r in check_tiles(fm, len(raw))]
    assert "chunk 1 size line: 2 bytes" in labels and "last chunk (size 0)" in labels
    assert not any(ch == "\x1b" for label in labels for ch in label)


def test_close_delimited_body_ends_at_close() -> None:
    """A body without framing runs to the end of the stream and its end is marked there."""
    raw = b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nall of this is body"
    fm = fmap(raw)
    assert layout(fm, raw)[-1] == (R.BODY, b"all of this is body")
    assert fm.marks()[-1].offset == len(raw) and fm.marks()[-1].kind is MarkKind.BODY_END


def test_truncated_content_length_marks_what_is_missing() -> None:
    """A short body is marked where the bytes stopped: how many were promised and arrived."""
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
    raw = head + b"x" * 60
    fm = fmap(raw)
    assert layout(fm, raw)[-1] == (R.BODY, b"x" * 60)
    missing = [m for m in fm.marks() if m.kind is MarkKind.MISSING]
    assert missing == [
        (len(raw), MarkKind.MISSING, "Content-Length says 100 bytes; 60 arrived (40 missing)")
    ]
    assert [m.code for m in fm.anomalies_at(len(raw))] == ["incomplete-body"]


def test_interim_responses_come_first() -> None:
    """Each 1xx response is one region, and its end is marked."""
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
    raw = interim + b"HTTP/1.1 204 No Content\r\n\r\n"
    fm = fmap(raw)
    got = layout(fm, raw)
    assert got[:2] == [
        (R.INTERIM, b"HTTP/1.1 100 Continue\r\n\r\n"),
        (R.INTERIM, b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"),
    ]
    assert got[2:] == [(R.STATUS_LINE, b"HTTP/1.1 204 No Content\r\n"), (R.HEAD_END, b"\r\n")]
    ends = [m.offset for m in fm.marks() if m.kind is MarkKind.INTERIM_END]
    assert ends == [25, len(interim)]


def test_obs_fold_bare_lf_and_a_skipped_line() -> None:
    """A folded field owns its continuation; a bare LF ending is one byte; bad lines: unparsed."""
    raw = b"HTTP/1.1 200 OK\nX-Fold: a\n  b\r\nNo colon here\r\nY: 1\r\n\nbody"
    fm = fmap(raw)
    assert layout(fm, raw) == [
        (R.STATUS_LINE, b"HTTP/1.1 200 OK\n"),
        (R.HEADER, b"X-Fold: a\n  b\r\n"),
        (R.UNPARSED, b"No colon here\r\n"),
        (R.HEADER, b"Y: 1\r\n"),
        (R.HEAD_END, b"\n"),
        (R.BODY, b"body"),
    ]
    no_anomalies = FieldMap(parse(raw), len(raw), anomalies=())  # line endings still known
    assert list(no_anomalies)[:2] == list(fm)[:2] and no_anomalies.anomaly_marks() == []
    skipped = fm.at(raw.index(b"No colon"))
    assert skipped is not None and "no colon" in skipped.label
    fold = [m for m in fm.anomaly_marks() if m.code == "obs-fold"]
    assert [raw[m.start : m.end] for m in fold] == [b"  b"]
    assert all(m.severity is Severity.WARNING for m in fold)


def test_incomplete_chunk_at_eof() -> None:
    """A chunk cut by EOF: its CRLF before, its size line and the data that came are regions."""
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n10\r\nabc"
    fm = fmap(raw)
    assert layout(fm, raw)[-4:] == [
        (R.CHUNK_DATA, b"hello"),
        (R.CHUNK_CRLF, b"\r\n"),
        (R.CHUNK_SIZE, b"10\r\n"),
        (R.CHUNK_DATA, b"abc"),
    ]
    assert fm.marks()[-1].kind is MarkKind.MISSING and fm.marks()[-1].offset == len(raw)


def test_chunked_body_still_arriving() -> None:
    """Mid-download (no EOF yet) the bytes not consumed by the parser are unparsed."""
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1"
    fm = fmap(raw, eof=False)
    assert layout(fm, raw)[-2:] == [(R.CHUNK_CRLF, b"\r\n"), (R.UNPARSED, b"1")]
    assert fm.at(len(raw) - 1) == Region(len(raw) - 1, len(raw), R.UNPARSED, "not parsed (yet)")


def test_wrong_chunk_size_stops_the_parse() -> None:
    """After a fatal error the rest is unparsed, and a mark says where the parse stopped."""
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX3\r\nabc\r\n0\r\n\r\n"
    fm = fmap(raw)
    stop = raw.index(b"XX")
    assert layout(fm, raw)[-1] == (R.UNPARSED, raw[stop:])
    kinds = {m.kind: m.offset for m in fm.marks()}
    assert kinds[MarkKind.STOPPED] == stop


def test_no_response_and_a_stale_length() -> None:
    """No parse: one unparsed region. A length shorter than the parse: regions are clipped."""
    assert check_tiles(FieldMap(None, 7), 7) == [Region(0, 7, R.UNPARSED, "not parsed (yet)")]
    assert list(FieldMap(None, 0)) == [] and FieldMap(None, 0).at(0) is None
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    r = parse(raw)
    for size in range(len(raw) + 1):
        check_tiles(FieldMap(r, size), size)


def test_many_chunks_and_marks_in_a_window() -> None:
    """Thousands of chunks: three regions each, at() exact, marks() for a window only."""
    chunks = 5000
    body = b"".join(b"%x\r\n%s\r\n" % (i % 7 + 1, b"d" * (i % 7 + 1)) for i in range(chunks))
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body + b"0\r\n\r\n"
    r = parse(raw)
    fm = FieldMap(r, len(raw))
    assert len(fm) == 3 + 3 * chunks + 2  # head: 3; the last chunk and the blank line: 2
    for n in (0, 1, 2500, chunks - 1):
        c = r.chunks[n]
        assert fm.at(c.line_start) == Region(
            c.line_start, c.data_start, R.CHUNK_SIZE, f"chunk {n + 1} size line: {c.size} bytes", n
        )
        data = fm.at(c.data_end - 1)
        assert data is not None and (data.kind, data.item, data.end) == (
            R.CHUNK_DATA,
            n,
            c.data_end,
        )
        crlf = fm.at(c.data_end)
        assert crlf is not None and (crlf.kind, crlf.end - crlf.start) == (R.CHUNK_CRLF, 2)
    lo, hi = r.chunks[100].line_start, r.chunks[109].line_start
    window = fm.marks(lo, hi)
    assert [m.offset for m in window] == [c.line_start for c in r.chunks[100:110]]
    assert fm.span_of(R.CHUNK_DATA) == (r.chunks[0].data_start, r.chunks[-2].data_end)
    assert fm.span_of(R.INTERIM) is None


@pytest.mark.parametrize("name", names())
def test_every_golden_response_tiles(name: str) -> None:
    """Every golden (malformed ones included) gives regions that tile it, with at() exact."""
    raw = (DATA / f"{name}.raw").read_bytes()
    method = b"HEAD" if name.startswith("head-") else b"CONNECT" if "connect" in name else b"GET"
    fm = FieldMap(parse(raw, method=method), len(raw), read=lambda s, e: raw[s:e])
    check_tiles(fm, len(raw))
    assert all(0 <= m.start <= m.end <= len(raw) for m in fm.anomaly_marks())
    assert all(0 <= m.offset <= len(raw) for m in fm.marks())


_PIECES = [
    b"HTTP/1.1 200 OK\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\n",
    b"HTTP/1.0 404 \n",
    b"Content-Length: 3\r\n",
    b"Content-Length: x\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"X: y\n",
    b" folded\r\n",
    b"bad line\r\n",
    b"\r\n",
    b"\n",
    b"3;e=1\r\nabc\r\n",
    b"zz\r\n",
    b"0\r\n",
    b"T: 1\r\n",
    b"abc",
    b"\x00\xff",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12), st.integers(0, 99), st.booleans())
def test_regions_tile_any_response(pieces: list[bytes], seed: int, eof: bool) -> None:
    """Whatever the bytes and however they were split, the regions tile them and at() agrees."""
    raw = b"".join(pieces)
    fm = FieldMap(parse(raw, eof=eof, seed=seed), len(raw), read=lambda s, e: raw[s:e])
    check_tiles(fm, len(raw))
    for m in fm.marks():
        assert 0 <= m.offset <= len(raw)


def _transcript() -> Transcript:
    tr = Transcript()
    t0 = tr.started
    tr.record_event(EventKind.CONNECT, t=t0 + 0.001)
    tr.record_send(b"GET / HTTP/1.1\r\n\r\n", t=t0 + 0.002)
    tr.record_recv(b"HTTP/1.1 200 OK\r\n", t=t0 + 0.010)
    tr.record_recv(b"Content-Length: 4\r\n\r\n", t=t0 + 0.250)
    tr.record_recv(b"", t=t0 + 0.260)
    tr.record_recv(b"body", t=t0 + 0.500)
    return tr


def test_read_at_finds_the_recv_call_of_each_byte() -> None:
    """Every received offset maps to the recv() that delivered it; sends and empty reads do not."""
    tr = _transcript()
    events = tr.events
    sizes = [17, 21, 0, 4]
    expected = [i for i, n in enumerate(sizes) for _ in range(n)]
    for offset, read in enumerate(expected):
        found = read_at(events, offset)
        assert found is not None and found[0] == read and found[1].kind is EventKind.RECV
        assert found[1].offset <= offset < found[1].offset + found[1].size
    assert read_at(events, len(tr.received)) is None and read_at(events, -1) is None
    assert read_at([], 0) is None


def test_for_exchange_and_the_cursor_line() -> None:
    """The cursor line names the field, the offset, the read and its time from the start."""
    tr = _transcript()
    raw = tr.received.read()
    ex = Exchange("inspector", RequestSpec(url="http://x.test/"), tr, parse(raw))
    fm = FieldMap.for_exchange(ex)
    check_tiles(fm, len(raw))
    reads = ReadIndex(tr.events)
    line = fm.describe(raw.index(b"Content-Length"), reads, tr.started)
    assert line == "offset 17 (0x11) · header: Content-Length · read 2 of 4 at +0.250000 s"
    assert "read 4 of 4 at +0.500000 s" in fm.describe(len(raw) - 1, reads, tr.started)
    assert fm.describe(len(raw)) == f"offset {len(raw)}: past the received bytes"
