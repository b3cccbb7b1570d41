"""A body as lazy display rows: an offset index built in one pass, each row rendered on access.

``body_lines`` builds a ``list[str]`` of every row. That is fine for small bodies, but
pretty-printing a 10 MiB JSON body through ``json.loads``/``json.dumps`` peaks near 28
times its size, and a 100 MiB text body becomes hundreds of MiB of ``str``. The rows
here keep a reference to the body plus compact ``array`` indexes of byte offsets; a row
is sliced from the body and escaped only when it is read (a Line API view reads only the
rows it draws). Every row goes through ``escape_bytes``: no body byte reaches a terminal.
"""

from __future__ import annotations

import codecs
import operator
import re
from array import array
from bisect import bisect_left
from collections.abc import Sequence
from itertools import chain, compress, count, islice
from typing import overload

from inspector.render.body import WRAP
from inspector.render.escape import escape_bytes

MAX_DEPTH = 1000
"""``JsonRows`` refuses rows indented deeper than this (``json.loads`` fails near it)."""

_UNSAFE = re.compile(rb"[^\x20-\x7e]")  # any byte that escaping may not keep as it is
_CHUNK = 1 << 16  # bytes escaped or decoded at a time when only a length or a check is needed

# JSON grammar pieces (RFC 8259), with the three words json.loads also accepts.
_WS = rb"[ \t\n\r]*+"
_STR = rb'"[^"\\\x00-\x1f]*+(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*+)*+"'
_SCALAR = rb"-?(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?(?:[eE][-+]?[0-9]++)?|true|false|null|NaN|-?Infinity"
_EMPTY = rb"\{" + _WS + rb"\}|\[" + _WS + rb"\]"
_TAIL = _WS + rb"(?:,()|())"  # a comma, or none: two marker groups
_VALUE = rb"(?:" + _STR + rb"|" + _SCALAR + rb"|" + _EMPTY + rb")"

# One match is one display line: an optional key, then a value, an opening or a closing
# bracket, then an optional comma. Only empty marker groups: ``lastindex`` names the shape.
_SCAN = re.compile(
    _WS
    + rb"(?:"
    + (_STR + _WS + rb"(?::" + _WS + rb"(?:" + _VALUE + _TAIL + rb"|\{()|\[())|(?:,()|()))")
    + (rb"|(?:" + _SCALAR + rb"|" + _EMPTY + rb")" + _TAIL)
    + (rb"|\{()|\[()|\}" + _TAIL + rb"|\]" + _TAIL)
    + rb"|()\Z|())"
)
# The same line, with the spans a renderer needs: key, scalar, empty, open, close, comma.
_PARTS = re.compile(
    _WS
    + (rb"(?:(" + _STR + rb")" + _WS + rb":" + _WS + rb")?")
    + (rb"(?:(" + _STR + rb"|" + _SCALAR + rb")|(" + _EMPTY + rb")|([{\[])|([}\]]))")
    + _WS
    + rb"(,)?"
)

# Parser states: a container context and what may come next, as an offset into _TABLE.
_TOP, _OBJ, _ARR = range(3)
_OPENED, _NEED, _DONE = range(3)  # just opened / a member must follow / a close must follow
_NGROUPS = _SCAN.groups + 1
_FAIL, _PUSH, _POP, _END = -1, 1000, 2000, 3000


def _state(ctx: int, after: int) -> int:
    return (ctx * 3 + after) * _NGROUPS


def _build_table() -> tuple[int, ...]:
    """The action for each (state, shape of line): a next state, a push, a pop, or a failure."""
    # lastindex -> kind: v value, { [ open, } ] close, $ end, ! junk; 1-4 have a key.
    kinds, comma_groups = "vv{[vvvv{[}}]]$!", (1, 5, 7, 11, 13)
    assert len(kinds) == _SCAN.groups
    table = [_FAIL] * (_state(_ARR, _DONE) + _NGROUPS)
    for ctx in (_TOP, _OBJ, _ARR):
        for after in (_OPENED, _NEED, _DONE):
            for group, kind in enumerate(kinds, start=1):
                keyed, comma = group <= 4, group in comma_groups
                member = after != _DONE and keyed == (ctx == _OBJ)
                action = _FAIL
                if kind == "v" and member and not (comma and ctx == _TOP):
                    action = _state(ctx, _NEED if comma else _DONE)
                elif kind in "{[" and member:
                    action = _PUSH + _state(_OBJ if kind == "{" else _ARR, _OPENED)
                elif kind in "}]" and after == _DONE and ctx == (_OBJ if kind == "}" else _ARR):
                    action = _POP + comma
                elif kind == "$" and ctx == _TOP and after == _DONE:
                    action = _END
                table[_state(ctx, after) + group] = action
    return tuple(table)


_TABLE = _build_table()


def _offsets(size: int) -> array[int]:
    """An empty offset array with the smallest item that holds offsets up to ``size``."""
    small = array("I")
    return small if size < 1 << (8 * small.itemsize) else array("Q")


def _cut_back(data: bytes, cut: int) -> int:
    """Move a cut onto the lead byte of a UTF-8 sequence when one is at most 3 bytes back.

    With no lead byte that close, the byte at ``cut`` belongs to no valid sequence, and
    cutting there changes nothing in the escaping.
    """
    for back in range(4):
        if data[cut - back] & 0xC0 != 0x80:
            return cut - back
    return cut


def _escaped_len(data: bytes, start: int, end: int) -> int:
    """``len(escape_bytes(data[start:end]))``, without copying more than a chunk at a time."""
    if _UNSAFE.search(data, start, end) is None:
        return end - start
    total = 0
    while end - start > _CHUNK:
        cut = _cut_back(data, start + _CHUNK)
        total += len(escape_bytes(data[start:cut]))
        start = cut
    return total + len(escape_bytes(data[start:end]))


class _LazyRows(Sequence[str]):
    """Indexing, slicing and iteration over rows that subclasses render one at a time."""

    _starts: array[int]  # one source offset per row

    def _row(self, index: int) -> str:
        raise NotImplementedError

    def __len__(self) -> int:
        """The number of rows."""
        return len(self._starts)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        """A row (negative indexes count from the end), or a list of rows for a slice."""
        size = len(self)
        if isinstance(index, slice):
            return [self._row(i) for i in range(*index.indices(size))]
        i = operator.index(index)
        if i < 0:
            i += size
        if not 0 <= i < size:
            raise IndexError("row index out of range")
        return self._row(i)


class TextRows(_LazyRows):
    """A body as escaped text rows, like the text path of ``body_lines``, rendered on access.

    The body is split at ``\\n``, one ``\\r`` before it is dropped, and a line of at most
    ``wrap`` bytes is one row: ``escape_bytes(line)``. A longer line is cut into pieces of
    at most ``wrap`` source bytes, each escaped on its own. For a printable ASCII line
    that is exactly the old chop into ``wrap`` characters. A line holding other bytes
    (control bytes, invalid UTF-8, non-ASCII) is cut by its bytes instead, never inside a
    UTF-8 sequence (the cut moves back, at most 3 bytes, onto a lead byte); such a row can
    be shorter or longer than ``wrap`` characters, and the rows of a line still join to
    ``escape_bytes(line)``.

    The index is one ``array`` offset per row (4 bytes for bodies under 4 GiB), built in
    one pass. The body is referenced, never copied.
    """

    def __init__(self, body: bytes, wrap: int = WRAP) -> None:
        """Index the rows of ``body``.

        Args:
            body: The body; kept by reference.
            wrap: The most bytes in a row; at least 4 (a whole UTF-8 sequence).

        Raises:
            ValueError: ``wrap`` is below 4.
        """
        if wrap < 4:
            raise ValueError("wrap must be at least 4")
        self._body, self._wrap = body, wrap
        self._starts = self._index()

    def _index(self) -> array[int]:
        body, wrap = self._body, self._wrap
        starts = _offsets(len(body))
        add, find, size, pos = starts.append, body.find, len(body), 0
        while pos <= size:
            nl = find(b"\n", pos)
            if nl < 0:
                nl = size
            if nl - pos <= wrap:  # the common case: a short line is one row
                add(pos)
            else:
                self._index_long(starts, pos, nl)
            pos = nl + 1
        return starts

    def _index_long(self, starts: array[int], pos: int, end: int) -> None:
        """Add the rows of the line ``body[pos:end]`` (its ``\\r`` included), which may wrap."""
        body, wrap = self._body, self._wrap
        if body[end - 1] == 0x0D:
            end -= 1
        if end - pos <= wrap:
            starts.append(pos)
        elif _UNSAFE.search(body, pos, end) is None:
            starts.extend(range(pos, end, wrap))
        else:
            while end - pos > wrap:
                starts.append(pos)
                pos = _cut_back(body, pos + wrap)
            starts.append(pos)

    def _row(self, index: int) -> str:
        body, starts = self._body, self._starts
        start = starts[index]
        if index + 1 < len(starts):
            after = starts[index + 1]
            end = body.find(b"\n", start, after)
            if end < 0:  # the next row continues this line
                return escape_bytes(body[start:after])
        else:
            end = len(body)
        if end > start and body[end - 1] == 0x0D:
            end -= 1
        return escape_bytes(body[start:end])


def _is_utf8(body: bytes) -> bool:
    """Whether ``body`` decodes as ``json.loads`` decodes bytes (UTF-8, surrogates passed)."""
    decoder = codecs.getincrementaldecoder("utf-8")("surrogatepass")
    try:
        for i in range(0, len(body), _CHUNK):
            decoder.decode(body[i : i + _CHUNK])
        decoder.decode(b"", True)
    except UnicodeDecodeError:
        return False
    return True


def _scan(body: bytes, pos: int) -> tuple[array[int], array[int], int] | None:
    """Validate the JSON in ``body[pos:]`` and index its display lines.

    Returns:
        The source offset and the depth of each line, and where the last line ends; or
        None when the body is not one JSON value.
    """
    starts, depths = _offsets(len(body)), array("H")
    add_start, add_depth = starts.append, depths.append
    stack: list[int] = []
    push, pop = stack.append, stack.pop
    table, state, depth = _TABLE, _state(_TOP, _NEED), 0
    for m in _SCAN.finditer(body, pos):
        action = table[state + (m.lastindex or 0)]
        if action < 0:
            return None
        if action >= _END:
            return starts, depths, m.start()
        if action >= _POP:  # a closing bracket sits at its parent's depth
            depth -= 1
        add_start(m.start())
        add_depth(depth)
        if action < _PUSH:
            state = action
        elif action < _POP:
            if depth == MAX_DEPTH:
                return None
            push(state)
            depth += 1
            state = action - _PUSH
        else:
            ctx = pop() // (3 * _NGROUPS)
            if action == _POP:
                state = _state(ctx, _DONE)
            elif ctx == _TOP:  # a comma after the top-level value
                return None
            else:
                state = _state(ctx, _NEED)
    return None  # not reached: _SCAN always matches, at worst as junk


class JsonRows(_LazyRows):
    """A JSON body as indented display rows, laid out like ``json.dumps(indent=2)``.

    The layout is ``json.dumps(value, indent=2)``'s: one scalar, opening or closing per
    line, two spaces per depth, ``"key": value``, a ``,`` after each member but the last,
    ``{}``/``[]`` for empty containers. The tokens are shown as the source wrote them
    (``1.0E5`` stays ``1.0E5``, ``"\\u00e9"`` stays escaped, duplicate keys are all kept),
    made safe with ``escape_bytes``. Lines longer than ``wrap`` characters are chopped
    into rows of ``wrap`` characters.

    Use ``build``. The index holds, per row, the source offset of its line (4 bytes) and
    its depth (2 bytes); a wrapped line repeats them, one row per chunk.
    """

    def __init__(self, body: bytes, starts: array[int], depths: array[int], wrap: int) -> None:
        """Rows over an index made by ``build``; call ``build`` instead."""
        self._body, self._starts, self._depths, self._wrap = body, starts, depths, wrap
        self._cached: tuple[int, str] = (-1, "")  # the last long line rendered

    @classmethod
    def build(cls, body: bytes, wrap: int = WRAP) -> JsonRows | None:
        """Validate a JSON body and index its display rows, in one pass over the bytes.

        Args:
            body: The body; kept by reference. A UTF-8 byte order mark is skipped, as
                ``json.loads`` does on bytes.
            wrap: The most characters in a row (at least 1).

        Returns:
            The rows, or None when the body is not one JSON value with optional
            whitespace around it, as ``json.loads`` would refuse it: bad structure,
            bad tokens, raw control characters or bad escapes in strings, invalid
            UTF-8, trailing data. Also None for UTF-16/32 bodies (which ``json.loads``
            would decode) and past ``MAX_DEPTH`` levels of nesting.

        Raises:
            ValueError: ``wrap`` is below 1.
        """
        if wrap < 1:
            raise ValueError("wrap must be at least 1")
        if not body.isascii() and not _is_utf8(body):
            return None
        found = _scan(body, 3 if body.startswith(codecs.BOM_UTF8) else 0)
        if found is None:
            return None
        starts, depths, end = found
        rows = cls(body, starts, depths, wrap)
        rows._wrap_long_lines(end)
        return rows

    def _wrap_long_lines(self, end: int) -> None:
        """Repeat the index entries of lines longer than ``wrap``: one entry per row."""
        starts, depths, wrap = self._starts, self._depths, self._wrap
        # A line renders to at most 2*depth + 4*(its source bytes) + 1 characters, so a
        # cheap pass over the spans finds the few lines worth measuring exactly.
        spans = map(operator.sub, chain(islice(starts, 1, None), (end,)), starts)
        limit = (wrap - 1 - 2 * max(depths)) // 4
        candidates = compress(count(), map(limit.__lt__, spans))
        extra: list[tuple[int, int]] = []  # (line, rows after its first)
        for line in candidates:
            offset, depth = starts[line], depths[line]
            span = (starts[line + 1] if line + 1 < len(starts) else end) - offset
            if 4 * span + 2 * depth >= wrap and (size := self._line_len(offset, depth)) > wrap:
                extra.append((line, (size - 1) // wrap))
        if not extra:
            return
        self._starts, self._depths = _offsets(len(self._body)), array("H")
        done = 0
        for line, more in [*extra, (len(starts) - 1, 0)]:
            self._starts += starts[done : line + 1] + array(starts.typecode, [starts[line]]) * more
            self._depths += depths[done : line + 1] + array("H", [depths[line]]) * more
            done = line + 1

    def _pieces(self, offset: int, depth: int) -> list[str | tuple[int, int]]:
        """The line at ``offset``: literal text, and spans of source tokens still to escape."""
        m = _PARTS.match(self._body, offset)
        if m is None:  # not reached for an indexed offset
            raise ValueError(f"no JSON line at offset {offset}")
        out: list[str | tuple[int, int]] = ["  " * depth]
        if m.start(1) >= 0:
            out += [m.span(1), ": "]
        if m.start(2) >= 0:
            out.append(m.span(2))
        elif m.start(3) >= 0:
            out.append("{}" if self._body[m.start(3)] == 0x7B else "[]")
        else:
            out.append((m[4] or m[5] or b"").decode("ascii"))
        if m.start(6) >= 0:
            out.append(",")
        return out

    def _line_len(self, offset: int, depth: int) -> int:
        """The length of the rendered line at ``offset``, without rendering it whole."""
        return sum(
            len(piece) if isinstance(piece, str) else _escaped_len(self._body, *piece)
            for piece in self._pieces(offset, depth)
        )

    def _line(self, offset: int, depth: int) -> str:
        """The rendered line at ``offset``: indentation, key, value or bracket, comma."""
        return "".join(
            piece if isinstance(piece, str) else escape_bytes(self._body[piece[0] : piece[1]])
            for piece in self._pieces(offset, depth)
        )

    def _row(self, index: int) -> str:
        offset, wrap = self._starts[index], self._wrap
        cached_offset, line = self._cached
        if cached_offset != offset:
            line = self._line(offset, self._depths[index])
            if len(line) <= wrap:
                return line
            self._cached = (offset, line)
        chunk = index - bisect_left(self._starts, offset)
        return line[chunk * wrap : (chunk + 1) * wrap]
