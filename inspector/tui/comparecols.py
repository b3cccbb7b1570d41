"""The compare view's columns as styled text: one engine per column, ours first.

Each column: what the engine did (parsed, raised, hung until the timeout...), the
request bytes it wrote with the lines that differ from the other columns highlighted,
the response as it read it (status, headers, body size), the differences the diff
found, and its timings.

Two ways to tell lines apart. **Byte diff**: lines are matched exactly (line endings,
header case and order count). **Structural diff**: the request line and the body are
compared as they are, header fields as a multiset of (name in lower case, value), so
order, name case and whitespace around values do not count.

Every byte an engine wrote or read goes through ``escape_bytes``/``data_lines``; the
diff's own texts are escaped ASCII already. Nothing here is read as markup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import NamedTuple

from rich.style import Style
from rich.text import Text

from inspector.compare.diff import Comparison, Difference
from inspector.compare.diff_response import Reading, library_reading, parser_reading
from inspector.compare.request_head import parse_request_head
from inspector.model import Exchange
from inspector.render.escape import escape_bytes, safe_text
from inspector.render.timeline import format_seconds
from inspector.render.trace import data_lines

SHOWN_BYTES = 8192
"""Request bytes shown per column."""
MAX_FIELDS = 200
"""Response header fields listed per column."""
OURS_DIFF = Style(bgcolor="#5f0000")
THEIRS_DIFF = Style(bgcolor="#005f00")
OUTCOME_STYLE = {"parsed": "bold green", "hung": "bold red", "raised": "bold yellow"}


class Line(NamedTuple):
    """One line of a column and what it is compared by."""

    text: str
    """Escaped text."""
    key: bytes
    """What decides whether two engines' lines are the same."""


def _request_lines(data: bytes, structural: bool) -> list[Line]:
    """The request as lines; in structural mode header lines are keyed by (name, value)."""
    shown = data[:SHOWN_BYTES]
    if not structural:
        out: list[Line] = []
        pos = 0
        while pos < len(shown):
            nl = shown.find(b"\n", pos)
            stop = len(shown) if nl < 0 else nl + 1
            out.append(Line(escape_bytes(shown[pos:stop]), shown[pos:stop]))
            pos = stop
        return out
    head = parse_request_head(data)
    out = [Line(escape_bytes(head.line), b"line:" + head.line)]
    for f in head.fields:
        key = b"field:" + f.key + b":" + f.value
        out.append(Line(escape_bytes(f.raw + f.ending), key))
    body_key = b"body:" + head.body
    for text in data_lines(head.body[:SHOWN_BYTES]):
        out.append(Line(text, body_key))
    return out


def _response_lines(reading: Reading | None, structural: bool) -> list[Line]:
    if reading is None:
        return [Line("(no response read)", b"none")]
    status = f"{escape_bytes(reading.http_version)} {reading.status} {escape_bytes(reading.reason)}"
    key = b"%s %d %s" % (reading.http_version, reading.status or 0, reading.reason)
    out = [Line(status.rstrip(), b"status:" + key)]
    for name, value in reading.headers[:MAX_FIELDS]:
        if structural:
            k = b"field:" + name.strip(b" \t").lower() + b":" + value.strip(b" \t")
        else:
            k = b"field:" + name + b":" + value
        out.append(Line(f"{escape_bytes(name)}: {escape_bytes(value)}", k))
    if len(reading.headers) > MAX_FIELDS:
        more = len(reading.headers) - MAX_FIELDS
        out.append(Line(f"... {more} more fields", b"more"))
    body = reading.body
    size = "not read" if body is None else f"{len(body)} bytes"
    out.append(Line(f"body: {size}", b"body:" + (body if body is not None else b"\x00none")))
    if reading.keep_alive is not None:
        keep = "yes" if reading.keep_alive else "no"
        out.append(Line(f"keep-alive: {keep}", b"keep:" + keep.encode()))
    return out


def _matched(a: Sequence[Line], b: Sequence[Line], structural: bool) -> tuple[set[int], set[int]]:
    """Which lines of ``a`` and of ``b`` have a counterpart in the other."""
    if structural:
        left = Counter(line.key for line in a)
        right = Counter(line.key for line in b)
        ma, mb = set(), set()
        seen_a: Counter[bytes] = Counter()
        seen_b: Counter[bytes] = Counter()
        for i, line in enumerate(a):
            seen_a[line.key] += 1
            if seen_a[line.key] <= right[line.key]:
                ma.add(i)
        for j, line in enumerate(b):
            seen_b[line.key] += 1
            if seen_b[line.key] <= left[line.key]:
                mb.add(j)
        return ma, mb
    sm = SequenceMatcher(None, [x.key for x in a], [x.key for x in b], autojunk=False)
    ma, mb = set(), set()
    for block in sm.get_matching_blocks():
        ma.update(range(block.a, block.a + block.size))
        mb.update(range(block.b, block.b + block.size))
    return ma, mb


def _outcome_style(what: str) -> str:
    if what == "parsed":
        return OUTCOME_STYLE["parsed"]
    if what.startswith("hung"):
        return OUTCOME_STYLE["hung"]
    if what.startswith("raised"):
        return OUTCOME_STYLE["raised"]
    return "red" if what.startswith("failed") else "dim"


def _reading(exchange: Exchange) -> Reading | None:
    lib = exchange.library
    if lib:
        found = library_reading(lib)
        if found is not None:
            return found
    return parser_reading(exchange)


def _timings(exchange: Exchange) -> str:
    t = exchange.timings
    parts = []
    for name, value in (("send", t.send), ("wait", t.ttfb), ("receive", t.receive)):
        parts.append(f"{name} {'-' if value is None else format_seconds(value)}")
    total = "-" if t.total is None else format_seconds(t.total)
    return ", ".join(parts) + f"; total {total}"


def _section(text: Text, title: str) -> None:
    text.append(f"\n── {title} ──\n", style="bold")


def _lines(text: Text, lines: Sequence[Line], matched: set[int], diff: Style) -> int:
    n = 0
    for i, line in enumerate(lines):
        if i in matched:
            text.append(line.text + "\n")
        else:
            text.append(line.text + "\n", style=diff)
            n += 1
    return n


def columns(
    exchanges: Sequence[Exchange], comparison: Comparison, structural: bool
) -> tuple[list[Text], list[int]]:
    """One text per engine (ours first) and how many lines of each are highlighted.

    Args:
        exchanges: Ours, then the other engines', in the comparison's order.
        comparison: ``compare.diff`` of ours against the others, in the same mode.
        structural: Match lines structurally (see the module docstring).
    """
    sent = [
        _request_lines(ex.transcript.sent.read(0, SHOWN_BYTES * 2), structural) for ex in exchanges
    ]
    read = [_response_lines(_reading(ex), structural) for ex in exchanges]
    matched_sent: list[set[int]] = [set(range(len(sent[0])))] + [set() for _ in exchanges[1:]]
    matched_read: list[set[int]] = [set(range(len(read[0])))] + [set() for _ in exchanges[1:]]
    for k in range(1, len(exchanges)):
        ours_s, matched_sent[k] = _matched(sent[0], sent[k], structural)
        ours_r, matched_read[k] = _matched(read[0], read[k], structural)
        matched_sent[0] &= ours_s
        matched_read[0] &= ours_r
    outcomes = [comparison.outcome] + [e.outcome for e in comparison.engines]
    texts: list[Text] = []
    counts: list[int] = []
    for k, ex in enumerate(exchanges):
        diff = OURS_DIFF if k == 0 else THEIRS_DIFF
        text = Text(overflow="fold")
        text.append(f"{ex.engine}\n", style="bold underline")
        what = outcomes[k] if k < len(outcomes) else "?"
        text.append(safe_text(what) + "\n", style=_outcome_style(what))
        size = len(ex.transcript.sent)
        _section(text, f"request bytes ({size})")
        count = _lines(text, sent[k], matched_sent[k], diff)
        if size > SHOWN_BYTES:
            text.append(f"... {size - SHOWN_BYTES} more bytes\n", style="dim")
        _section(text, "response as read")
        count += _lines(text, read[k], matched_read[k], diff)
        _section(text, "differences" if k else "reference")
        if k == 0:
            text.append("the other columns are compared with this one\n", style="dim")
        else:
            engine = comparison.engines[k - 1] if k - 1 < len(comparison.engines) else None
            notes: list[Difference] = (
                [*engine.request, *engine.response] if engine is not None else []
            )
            if not notes:
                text.append("none\n", style="green")
            for d in notes:
                text.append(f"{d.side} {d.field}: ", style="bold")
                text.append(safe_text(d.note) + "\n")
        _section(text, "timings")
        text.append(_timings(ex) + "\n")
        texts.append(text)
        counts.append(count)
    return texts, counts
