"""Diff of two exchanges: two replays of one request, or any two from history.

Pure: two Exchanges in, an :class:`ExchangeDiff` out; only model and stdlib are used.

What makes two exchanges different: the status line (version, code, reason), the header
and trailer fields compared as a multiset of (name in lower case, value) so order and
name case do not count, the body bytes as transferred (transfer coding removed,
content coding kept) and the kind of error. Timings are always listed and never make
exchanges different: two runs never take the same time.

Header fields that change on every response (:data:`VOLATILE_HEADERS`) are ignored by
default: their changes are listed apart in ``ignored``, never counted. ETag and
Set-Cookie are *not* in the default list: a new ETag means a new representation, and a
new cookie is state the server handed out, both worth a look.

All text made here is printable ASCII or escaped text: never a raw control byte.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from inspector.compare.difference import NAMED, first_difference, show
from inspector.model import Exchange, HeaderField

VOLATILE_HEADERS: frozenset[str] = frozenset(
    {
        # Clocks: the time the response was made, or a freshness time derived from it.
        "date",
        "expires",
        "age",
        "last-modified",
        # Per-request identifiers set by servers, proxies and CDNs.
        "x-request-id",
        "x-correlation-id",
        "x-trace-id",
        "traceparent",
        "tracestate",
        "x-amzn-trace-id",
        "x-amzn-requestid",
        "x-amz-request-id",
        "x-amz-id-2",
        "x-amz-cf-id",
        "cf-ray",
        # Server-side timings and reporting endpoints that embed them.
        "server-timing",
        "x-runtime",
        "x-response-time",
        "report-to",
        "nel",
    }
)
"""Lower-case names of header fields ignored by default (see the module docstring)."""

TEXT_DIFF_LIMIT = 256 * 1024
"""Bodies larger than this get no line diff (difflib is slow on big inputs)."""
DIFF_LINES = 40
"""Most lines of unified diff kept."""
DIFF_LINE_WIDTH = 200
"""Characters of one diff line kept."""

TIMING_PHASES = ("dns", "connect", "tls", "send", "ttfb", "receive", "total")
_UNSAFE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class ChangeKind(StrEnum):
    """What differs."""

    STATUS = "status"
    HEADER_ADDED = "header-added"
    HEADER_REMOVED = "header-removed"
    HEADER_CHANGED = "header-changed"
    BODY = "body"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Change:
    """One way exchange B differs from exchange A."""

    kind: ChangeKind
    name: str
    """The field name (escaped; trailer fields say so), or empty for other kinds."""
    a: str
    """A's value as short escaped text (empty when A has none)."""
    b: str
    """B's value as short escaped text (empty when B has none)."""
    text: str
    """One plain sentence saying what differs."""


@dataclass(frozen=True, slots=True)
class BodyDiff:
    """The two bodies side by side."""

    size_a: int
    size_b: int
    first_difference: int | None
    """Offset of the first differing byte (the shorter size when one is a prefix of the
    other); None when the bodies are equal."""
    text: bool
    """Whether both bodies were read as UTF-8 text for the line diff."""
    unified: tuple[str, ...]
    """A short unified diff (escaped lines, at most :data:`DIFF_LINES`) of text bodies."""


@dataclass(frozen=True, slots=True)
class TimingDelta:
    """One phase's duration in both exchanges (seconds; None when not measured)."""

    phase: str
    """``dns``, ``connect``, ``tls``, ``send``, ``ttfb``, ``receive`` or ``total``."""
    a: float | None
    b: float | None

    @property
    def delta(self) -> float | None:
        """B minus A, when both were measured."""
        return None if self.a is None or self.b is None else self.b - self.a


@dataclass(frozen=True, slots=True)
class ExchangeDiff:
    """Everything that differs between two exchanges."""

    same: bool
    """Whether status line, fields (ignoring the volatile ones), body and error kind agree."""
    changes: tuple[Change, ...]
    ignored: tuple[Change, ...]
    """Changes of ignored header fields: listed, never counted."""
    body: BodyDiff
    timings: tuple[TimingDelta, ...]
    """Every phase, always listed, never counted."""

    def lines(self) -> list[str]:
        """The diff as plain text lines for a terminal or a log."""
        n = len(self.changes)
        out = ["same" if self.same else f"different: {n} change{'' if n == 1 else 's'}"]
        out += [f"  {c.kind.value}: {c.text}" for c in self.changes]
        out += [f"  ignored {c.kind.value}: {c.text}" for c in self.ignored]
        out += [f"    {line}" for line in self.body.unified]
        for t in self.timings:
            if t.delta is not None:
                out.append(
                    f"  timing {t.phase}: {_ms(t.a)} -> {_ms(t.b)} ({t.delta * 1000:+.2f} ms)"
                )
        return out


def _show_line(line: str) -> str:
    """A decoded text line with characters that could act on a terminal escaped."""
    out = []
    for ch in line[:DIFF_LINE_WIDTH]:
        code = ord(ch)
        if code < 0x80:
            out.append(ch if 0x20 <= code < 0x7F else NAMED.get(code, f"\\x{code:02x}"))
        elif unicodedata.category(ch) in _UNSAFE:
            out.append(f"\\u{{{code:04x}}}")
        else:
            out.append(ch)
    if len(line) > DIFF_LINE_WIDTH:
        out.append(f"... (+{len(line) - DIFF_LINE_WIDTH} characters)")
    return "".join(out)


def _text(body: bytes) -> str | None:
    if len(body) > TEXT_DIFF_LIMIT or b"\x00" in body:
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def body_diff(a: bytes, b: bytes) -> BodyDiff:
    """Sizes, the first differing offset and, for two text bodies, a short unified diff."""
    first = first_difference(a, b)
    ta, tb = _text(a), _text(b)
    text = ta is not None and tb is not None
    unified: list[str] = []
    if first is not None and ta is not None and tb is not None:
        diff = difflib.unified_diff(ta.splitlines(), tb.splitlines(), "A", "B", n=2, lineterm="")
        for i, line in enumerate(diff):
            if i == DIFF_LINES:
                unified.append(f"... (more lines; the bodies differ from byte {first})")
                break
            unified.append(_show_line(line))
    return BodyDiff(len(a), len(b), first, text, tuple(unified))


def _status(ex: Exchange) -> str:
    r = ex.response
    if r is None or r.status is None:
        return "(no response)"
    return show(b"%s %d %s" % (r.http_version, r.status, r.reason)).rstrip()


def _field_changes(
    fa: Sequence[HeaderField], fb: Sequence[HeaderField], ignore: frozenset[str], what: str
) -> tuple[list[Change], list[Change]]:
    """Changes of fields compared as a multiset of (lower-case name, value)."""
    groups: dict[bytes, tuple[list[HeaderField], list[HeaderField]]] = {}
    for side, fields in enumerate((fa, fb)):
        for f in fields:
            groups.setdefault(f.name.lower(), ([], []))[side].append(f)
    changes: list[Change] = []
    ignored: list[Change] = []
    for key, (xs, ys) in groups.items():
        if Counter(f.value for f in xs) == Counter(f.value for f in ys):
            continue
        name = show((xs or ys)[0].name)
        label = f"{what} {name}" if what != "header" else name
        va = " | ".join(show(f.value) for f in xs)
        vb = " | ".join(show(f.value) for f in ys)
        if not xs:
            change = Change(ChangeKind.HEADER_ADDED, label, "", vb, f"B has {what} {name}: {vb}")
        elif not ys:
            change = Change(
                ChangeKind.HEADER_REMOVED, label, va, "", f"B lacks {what} {name}: {va}"
            )
        else:
            note = f'{what} {name}: "{va}" in A, "{vb}" in B'
            change = Change(ChangeKind.HEADER_CHANGED, label, va, vb, note)
        (ignored if key.decode("latin-1") in ignore else changes).append(change)
    return changes, ignored


def _error(ex: Exchange) -> str:
    err = ex.error
    return (
        "" if err is None else f"{err.kind.value}: {show(err.message.encode('utf-8', 'replace'))}"
    )


def diff_exchanges(
    a: Exchange, b: Exchange, *, ignore: Iterable[str] = VOLATILE_HEADERS
) -> ExchangeDiff:
    """Compare exchange B with exchange A.

    Args:
        a: The first exchange (the earlier replay, say).
        b: The second exchange.
        ignore: Header field names (any case) whose changes are listed apart and never
            make the exchanges different; pass ``()`` to compare every field.

    Returns:
        The diff; ``same`` is what ``inspector replay --diff`` turns into its exit status.
    """
    skip = frozenset(n.lower() for n in ignore)
    changes: list[Change] = []
    sa, sb = _status(a), _status(b)
    if sa != sb:
        changes.append(
            Change(ChangeKind.STATUS, "", sa, sb, f"the status line is {sa} in A, {sb} in B")
        )
    ra, rb = a.response, b.response
    ignored: list[Change] = []
    for what, fa, fb in (
        ("header", ra.headers if ra else (), rb.headers if rb else ()),
        ("trailer", ra.trailers if ra else (), rb.trailers if rb else ()),
    ):
        found, skipped = _field_changes(fa, fb, skip, what)
        changes += found
        ignored += skipped
    body = body_diff(a.response_body(), b.response_body())
    if body.first_difference is not None:
        note = (
            f"the bodies differ from byte {body.first_difference}"
            f" ({body.size_a} bytes in A, {body.size_b} in B)"
        )
        changes.append(
            Change(ChangeKind.BODY, "", f"{body.size_a} bytes", f"{body.size_b} bytes", note)
        )
    ea, eb = a.error, b.error
    if (ea.kind if ea else None) != (eb.kind if eb else None):
        xa, xb = _error(a) or "no error", _error(b) or "no error"
        changes.append(
            Change(ChangeKind.ERROR, "", _error(a), _error(b), f"A ended with {xa}, B with {xb}")
        )
    timings = tuple(
        TimingDelta(p, getattr(a.timings, p), getattr(b.timings, p)) for p in TIMING_PHASES
    )
    return ExchangeDiff(not changes, tuple(changes), tuple(ignored), body, timings)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.2f} ms"
