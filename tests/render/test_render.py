"""Pure presentation: escaping, the editable byte form, the raw row index, body lines."""

from __future__ import annotations

import json
from array import array

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspector.model import EventKind, Transcript
from inspector.render.body import body_lines, is_binary
from inspector.render.editable import bytes_to_editable, editable_to_bytes
from inspector.render.escape import escape_bytes
from inspector.render.rawlayout import HEX_WIDTH, TEXT_WIDTH, Mode, RawLayout, scan_rows


@given(st.binary(max_size=400))
def test_escaped_text_never_holds_control_characters(data: bytes) -> None:
    """No byte sequence can put a control character (ESC, BEL, CR...) into the rendering."""
    text = escape_bytes(data, newlines=True)
    assert all(ch == "\n" or (ord(ch) >= 0x20 and ord(ch) != 0x7F) for ch in text)
    assert not any(0x80 <= ord(ch) <= 0x9F or 0x202A <= ord(ch) <= 0x202E for ch in text)


def test_escape_keeps_readable_text() -> None:
    """Printable ASCII and valid UTF-8 letters stay readable; the rest is escaped."""
    assert escape_bytes(b"caf\xc3\xa9 \x1b[31m\r\n\xff") == "café \\x1b[31m\\r\\n\\xff"


@given(st.binary(max_size=300))
def test_editable_form_round_trips_any_bytes(data: bytes) -> None:
    """The Raw tab's text stands for exactly the bytes it was made from."""
    assert editable_to_bytes(bytes_to_editable(data)) == data


def test_typed_lines_become_crlf() -> None:
    """A request typed line by line (no escapes) is sent with CRLF line endings."""
    assert editable_to_bytes("GET / HTTP/1.1\nHost: x\n\n") == b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    assert editable_to_bytes("GET / HTTP/1.1\\n\nHost: x") == b"GET / HTTP/1.1\nHost: x"
    assert editable_to_bytes("a\\\\n\nb") == b"a\\n\r\nb"  # an escaped backslash, then n


def _transcript() -> Transcript:
    tr = Transcript()
    tr.record_event(EventKind.CONNECT, "a -> b")
    tr.record_send(b"GET / HTTP/1.1\r\n\r\n")
    tr.record_recv(b"HTTP/1.1 200 OK\r\n\r\n" + b"x" * 500)
    tr.record_recv(b"\n".join([b"line"] * 10))
    tr.record_event(EventKind.EOF)
    return tr


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("budget", [1, 100, 10**9])
def test_rows_tile_every_call_exactly(mode: Mode, budget: int) -> None:
    """Data rows of each call are contiguous and cover its bytes, whatever the scan budget."""
    tr = _transcript()
    layout = RawLayout(tr, mode)
    while not layout.extend(budget):
        pass
    rows = [layout.row(y) for y in range(layout.rows)]
    assert all(r is not None for r in rows) and layout.row(layout.rows) is None
    headers = [r for r in rows if r is not None and r.header]
    assert [h.event.kind for h in headers] == [e.kind for e in tr.events]
    for ev in tr.events:
        spans = [(r.start, r.end) for r in rows if r and not r.header and r.event == ev]
        if ev.size:
            assert spans[0][0] == ev.offset and spans[-1][1] == ev.offset + ev.size
            assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))
            width = HEX_WIDTH if mode is Mode.HEX else TEXT_WIDTH
            assert all(0 < e - s <= width for s, e in spans)


def _rows_one_at_a_time(data: bytes, base: int, more: bool) -> tuple[list[int], int]:
    """The row scan as it was: one ``find`` per row (the oracle for ``scan_rows``)."""
    breaks, i = [], 0
    while i < len(data):
        nl = data.find(b"\n", i, i + TEXT_WIDTH)
        nxt = nl + 1 if nl >= 0 else min(len(data), i + TEXT_WIDTH)
        if nl < 0 and nxt == len(data) and more:
            break
        breaks.append(base + i)
        i = nxt
    return breaks, i


@given(
    st.lists(
        st.one_of(st.integers(0, 3 * TEXT_WIDTH + 2), st.just(TEXT_WIDTH), st.just(TEXT_WIDTH - 1)),
        max_size=8,
    ),
    st.booleans(),
    st.booleans(),
)
def test_scan_rows_equals_the_row_at_a_time_scan(
    lengths: list[int], more: bool, trailing_lf: bool
) -> None:
    """Rows break after each LF and every TEXT_WIDTH bytes, and a row that may go on
    into the next piece is held back, exactly as the one-row-at-a-time scan did."""
    data = b"\n".join(b"x" * n for n in lengths) + (b"\n" if trailing_lf else b"")
    breaks: array[int] = array("q")
    covered = scan_rows(data, 1000, more, breaks)
    assert (list(breaks), covered) == _rows_one_at_a_time(data, 1000, more)


def test_row_of_finds_the_row_holding_a_byte() -> None:
    """Search results map back to the row that shows them."""
    tr = _transcript()
    layout = RawLayout(tr, Mode.HEX)
    layout.extend()
    y = layout.row_of(EventKind.RECV, 100)
    row = layout.row(y) if y is not None else None
    assert row is not None and row.start <= 100 < row.end and row.direction == "recv"


def test_body_lines_pretty_json_and_escapes() -> None:
    """JSON is pretty-printed; control characters inside strings stay escaped."""
    body = json.dumps({"a": [1, 2], "evil": "\x1b[2J\u202e"}).encode()
    kind, rows = body_lines(body, b"application/json")
    lines = list(rows)
    assert kind == "json" and lines[0] == "{" and '  "a": [' in lines
    assert all("\x1b" not in line and "\u202e" not in line for line in lines)


def test_body_lines_binary_gets_a_hex_summary() -> None:
    """Binary bodies show as a hex dump, capped."""
    body = bytes(range(256)) * 1000
    assert is_binary(body)
    kind, lines = body_lines(body)
    assert kind == "binary" and lines[0].startswith("00000000  00 01 02")
    assert lines[-1].startswith("...")


def test_extend_never_waits_for_another_extender() -> None:
    """While one thread extends a layout, a call from another returns False at once (the
    UI thread never blocks behind the indexing worker); afterwards it goes on normally."""
    tr = Transcript()
    tr.record_recv(b"line\n" * 1000, t=1.0)
    layout = RawLayout(tr, Mode.TEXT)
    layout._extending.acquire()  # another thread is in the middle of extend()
    try:
        assert layout.extend(budget=1 << 20) is False
        assert layout.rows == 0
    finally:
        layout._extending.release()
    assert layout.extend(budget=1 << 20) is True
    assert layout.rows == 1 + 1000
