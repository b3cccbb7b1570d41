"""Lazy body rows: the same rows as the list-building paths, from a compact offset index."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.render.body import WRAP
from inspector.render.escape import escape_bytes, safe_text
from inspector.render.lazylines import MAX_DEPTH, JsonRows, TextRows


def _chop(text: str, wrap: int) -> list[str]:
    return [text] if len(text) <= wrap else [text[i : i + wrap] for i in range(0, len(text), wrap)]


def _old_text_rows(body: bytes, wrap: int = WRAP) -> list[str]:
    """The text path of ``body_lines``, at any wrap: the oracle for printable lines."""
    out: list[str] = []
    for raw_line in body.split(b"\n"):
        out.extend(_chop(escape_bytes(raw_line.removesuffix(b"\r")), wrap))
    return out


def _byte_pieces(line: bytes, wrap: int) -> list[bytes]:
    """The documented cut for other lines: at most ``wrap`` bytes, moved back onto a lead byte."""
    pieces, pos = [], 0
    while len(line) - pos > wrap:
        cut = pos + wrap
        for back in range(4):
            if line[cut - back] & 0xC0 != 0x80:
                cut -= back
                break
        pieces.append(line[pos:cut])
        pos = cut
    pieces.append(line[pos:])
    return pieces


def _old_json_rows(body: bytes, wrap: int = WRAP) -> list[str]:
    """the old ``json.dumps(indent=2)`` path at any wrap: json.dumps(indent=2), escaped, chopped."""
    pretty = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    out: list[str] = []
    for line in pretty.split("\n"):
        out.extend(_chop(line if line.isascii() else safe_text(line), wrap))
    return out


def _json_rows(body: bytes, wrap: int = WRAP) -> list[str]:
    rows = JsonRows.build(body, wrap)
    assert rows is not None, body
    return list(rows)


def _is_safe(row: str) -> bool:
    return all(ord(ch) >= 0x20 and not 0x7F <= ord(ch) <= 0x9F for ch in row)


# --- TextRows -----------------------------------------------------------------------------

TEXT_CASES = [
    b"",
    b"\n",
    b"\n\n\n",
    b"one\r\ntwo\r\n",
    b"no newline at the end",
    b"trailing\n",
    b"a\r",
    b"cr \r inside\r\r\n",
    b"bell \x07 nul \x00 del \x7f",
    b"bad utf-8 \xff\xfe \xc3 end",
    b"caf\xc3\xa9 \xe2\x80\xae bidi",
    b"red \x1b[31m alert",
    b"x" * WRAP,
    b"x" * (WRAP + 1),
    b"y" * (WRAP * 3) + b"\r\n" + b"z" * (WRAP * 2 - 1) + b"\n",
]


@pytest.mark.parametrize("body", TEXT_CASES)
def test_text_rows_equal_the_old_text_path(body: bytes) -> None:
    """Short lines with any bytes, and long printable lines, give exactly the old rows."""
    assert list(TextRows(body)) == _old_text_rows(body)


def test_terminal_escape_sequences_come_out_escaped() -> None:
    """An ESC from the body is shown as ``\\x1b``, never sent raw."""
    rows = TextRows(b"\x1b[31mred\x1b[0m\r\n\x9b2J")
    assert list(rows) == ["\\x1b[31mred\\x1b[0m", "\\x9b2J"]


def test_long_non_ascii_lines_are_cut_by_bytes_between_characters() -> None:
    """A long UTF-8 line is cut into pieces of at most ``wrap`` bytes, never inside a character."""
    assert list(TextRows("é".encode() * 30, wrap=7)) == ["ééé"] * 10
    assert list(TextRows(b"\x01" * 10, wrap=4)) == ["\\x01" * 4, "\\x01" * 4, "\\x01" * 2]


_PRINTABLE_LINES = st.lists(
    st.tuples(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E)), st.booleans()),
    max_size=12,
)


@given(_PRINTABLE_LINES, st.booleans(), st.sampled_from([4, 7, 16]))
def test_printable_text_rows_equal_the_old_path(
    lines: list[tuple[str, bool]], trailing: bool, wrap: int
) -> None:
    """Any printable ASCII text with LF or CRLF line ends: exactly the old rows, at any wrap."""
    body = "".join(text + ("\r\n" if crlf else "\n") for text, crlf in lines).encode()
    if not trailing:
        body = body[:-1]
    assert list(TextRows(body, wrap)) == _old_text_rows(body, wrap)


@given(st.binary(max_size=300), st.sampled_from([4, 7, 400]))
def test_any_bytes_become_the_escape_of_each_line_in_safe_rows(body: bytes, wrap: int) -> None:
    """Rows are the documented byte pieces; they join to the escaped line and hold no controls."""
    rows = list(TextRows(body, wrap))
    expected: list[str] = []
    for raw_line in body.split(b"\n"):
        line = raw_line.removesuffix(b"\r")
        pieces = [escape_bytes(piece) for piece in _byte_pieces(line, wrap)]
        assert "".join(pieces) == escape_bytes(line)  # no cut splits a UTF-8 character
        expected.extend(pieces)
    assert rows == expected
    assert all(_is_safe(row) for row in rows)


# --- JsonRows -----------------------------------------------------------------------------

# DEL is left out: the old path keeps it raw on an otherwise ASCII line (see below).
_TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x7f"), max_size=12)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=25,
)
ENCODINGS: list[Callable[[Any], str]] = [
    lambda v: json.dumps(v, ensure_ascii=False),
    lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":")),
    lambda v: json.dumps(v, ensure_ascii=False, indent=4),
    lambda v: json.dumps(v),  # \\uXXXX escapes for non-ASCII, kept as written
]


@given(JSON_VALUES, st.sampled_from(ENCODINGS[:3]))
def test_json_rows_equal_the_old_pretty_rows(value: Any, encode: Callable[[Any], str]) -> None:
    """Whatever whitespace the source has, the rows are the old json.dumps(indent=2) rows."""
    body = encode(value).encode()
    assert _json_rows(body) == _old_json_rows(body)


@given(JSON_VALUES, st.sampled_from(ENCODINGS), st.sampled_from([1, 3, 7]))
def test_json_rows_equal_the_old_rows_at_small_wraps(
    value: Any, encode: Callable[[Any], str], wrap: int
) -> None:
    """With a small wrap, long lines are chopped exactly like the old rows."""
    body = encode(value).encode()
    expected = _old_json_rows(json.dumps(value, ensure_ascii=False).encode(), wrap)
    if encode is ENCODINGS[3]:  # \\uXXXX in the source stay as written: compare shapes only
        assert len(_json_rows(body, 10**9)) == len(_old_json_rows(body, 10**9))
        return
    assert _json_rows(body, wrap) == expected


@settings(max_examples=30)
@given(st.lists(st.text(min_size=300, max_size=1500), min_size=1, max_size=3))
def test_long_string_lines_wrap_like_the_old_rows(texts: list[str]) -> None:
    """Lines longer than WRAP, non-ASCII and escapes included, split at the same places."""
    body = json.dumps({"k": texts, "t": texts[0]}, ensure_ascii=False).encode()
    assert _json_rows(body) == _old_json_rows(body)


def test_json_tokens_are_shown_as_the_source_wrote_them() -> None:
    """Numbers and string escapes are not re-formatted, and duplicate keys are all kept."""
    assert _json_rows(b'{"a":1.0E5,"a":"\\u00e9"}') == [
        "{",
        '  "a": 1.0E5,',
        '  "a": "\\u00e9"',
        "}",
    ]
    assert _json_rows(b"[-0, 1E+2]") == ["[", "  -0,", "  1E+2", "]"]


def test_json_rows_cover_the_edges_json_loads_accepts() -> None:
    """Top-level scalars, empty containers, a UTF-8 BOM, NaN and Infinity, as json.loads."""
    for body in [b' "abc" ', b"1", b"null", b"{}", b"[ ]", b'{"a": {}, "b": []}', b"[NaN]"]:
        assert _json_rows(body) == _old_json_rows(body)
    assert _json_rows(b'\xef\xbb\xbf{"a":-Infinity}') == ["{", '  "a": -Infinity', "}"]


def test_json_rows_escape_what_the_old_path_left_raw() -> None:
    """DEL on an otherwise ASCII line stayed raw in the old json.dumps path; here it is escaped."""
    assert _old_json_rows(b'["\x7f"]') == ["[", '  "\x7f"', "]"]
    assert _json_rows(b'["\x7f", "\xc2\x9b"]') == ["[", '  "\\x7f",', '  "\\u{009b}"', "]"]


INVALID_JSON = [
    b"",
    b" \r\n\t",
    b"{",
    b"[1,]",
    b'{"a" 1}',
    b'{"a":1,}',
    b"[1 2]",
    b"1 2",
    b"nul",
    b"tru",
    b'"abc',
    b'{"a":1}x',
    b"01",
    b"1.",
    b".5",
    b"+1",
    b"-",
    b"1e",
    b'"\x01"',
    b'"\\q"',
    b'"\\u12"',
    b"{1:2}",
    b'{"a":}',
    b"{,}",
    b"[,1]",
    b"[1]]",
    b"[[1]",
    b"{]",
    b"[}",
    b'{"a":1 "b":2}',
    b'["a":1]',
    b"[1],[2]",
    b"1,",
    b"'a'",
    b"[-NaN]",
    b"\x0c1",
    b'"\xff"',
    b"\xef\xbb\xbf",
    b"\xef\xbb\xbf\xef\xbb\xbf1",
]


@pytest.mark.parametrize("body", INVALID_JSON)
def test_invalid_json_gives_none_as_json_loads_refuses_it(body: bytes) -> None:
    """Each body is refused by json.loads (the oracle agrees) and by JsonRows."""
    with pytest.raises(ValueError):
        json.loads(body)
    assert JsonRows.build(body) is None


def test_nesting_is_indented_up_to_max_depth() -> None:
    """Deep nesting indents like json.dumps; past MAX_DEPTH levels the body is refused."""
    for levels in (50, 250):  # 250 levels of indentation are longer than WRAP
        deep = b"[" * levels + b'{"k": "v"}' + b"]" * levels
        assert _json_rows(deep) == _old_json_rows(deep)
    deepest = b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)
    rows = JsonRows.build(deepest, wrap=10**6)
    assert rows is not None and rows[MAX_DEPTH] == "  " * MAX_DEPTH + "[]"
    assert JsonRows.build(b"[" + deepest + b"]") is None


# --- The Sequence API and memory -------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: TextRows(b"a\nbb\nccc\ndddd\n", wrap=4),
        lambda: JsonRows.build(b'[1,"bb",["ccc"],"dddd"]', wrap=8),
    ],
)
def test_rows_index_like_a_list(make: Callable[[], TextRows | JsonRows | None]) -> None:
    """len, negative indexes, IndexError and slices behave as on the eager list."""
    rows = make()
    assert rows is not None
    eager = list(rows)
    assert len(rows) == len(eager) >= 5
    assert rows[-1] == eager[-1] and rows[-len(eager)] == eager[0]
    for bad in (len(eager), -len(eager) - 1):
        with pytest.raises(IndexError):
            rows[bad]
    for part in (slice(None, 2000), slice(1, -1), slice(None, None, -2), slice(3, 1)):
        assert rows[part] == eager[part]


def test_json_rows_of_a_wrapped_line_read_in_any_order() -> None:
    """Chunks of a wrapped line are found from any row, read forwards or backwards."""
    body = json.dumps(["x" * 50, "é" * 30, 1], ensure_ascii=False).encode()
    rows = JsonRows.build(body, wrap=7)
    assert rows is not None
    expected = _old_json_rows(body, 7)
    assert [rows[i] for i in reversed(range(len(rows)))] == expected[::-1]


def test_small_wraps_are_refused() -> None:
    """TextRows needs room for a whole UTF-8 character in a row; JsonRows for one character."""
    with pytest.raises(ValueError):
        TextRows(b"x", wrap=3)
    with pytest.raises(ValueError):
        JsonRows.build(b"1", wrap=0)


def _peak(build: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = build()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result is not None
    return peak


def test_building_the_index_needs_less_than_one_and_a_half_bodies() -> None:
    """Building rows for ~2 MiB of JSON (or of short text lines) never holds 1.5x the body."""
    items = [{"id": i, "name": f"item {i}", "tags": ["a", "b"]} for i in range(36_000)]
    body = json.dumps(items).encode()
    assert len(body) > 2 * 10**6
    assert _peak(lambda: JsonRows.build(body)) < 1.5 * len(body)
    assert _peak(lambda: TextRows(body)) < 1.5 * len(body)
    text = b"a short line of text\r\n" * 100_000
    assert _peak(lambda: TextRows(text)) < 1.5 * len(text)
