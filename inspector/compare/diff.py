"""Pure diff of exchanges: what each engine sent and understood, next to ours.

No I/O, no sockets, no library imports: Exchanges in, a :class:`Comparison` out.

- Request side, from the bytes each engine wrote (read leniently): the request
  line, each header field added, removed, re-cased, given another value or other
  whitespace, the field order, the body framing, the body, and the offset of the
  first differing byte. ``structural=True`` compares the fields as a multiset
  (order, name case and whitespace around values ignored), so only added,
  removed and changed values show.
- Response side (:mod:`inspector.compare.diff_response`): our reading of our
  transcript against what each library reported, the library's normalisation of
  the bytes it received, what it did with a malformed response, and our
  parser's reading of its transcript where that differs from ours.
- Timing side: total and time to first byte of each engine, always listed and
  never counted as a difference (two runs never take the same time).
"""

from __future__ import annotations

from collections.abc import Sequence

from inspector.compare.diff_response import response_differences
from inspector.compare.difference import (
    Comparison,
    Difference,
    EngineDiff,
    first_difference,
    outcome,
    show,
    show_body,
)
from inspector.compare.request_head import RequestHead, framing, parse_request_head
from inspector.model import Exchange
from inspector.net import request_method
from inspector.wire.serialize import tunnel_head_end

__all__ = [
    "Comparison",
    "Difference",
    "EngineDiff",
    "diff",
    "first_difference",
    "outcome",
    "request_differences",
]


class _Out:
    def __init__(self, engine: str) -> None:
        self.engine = engine
        self.items: list[Difference] = []

    def add(self, field: str, ours: str, theirs: str, note: str) -> None:
        self.items.append(Difference("request", field, self.engine, ours, theirs, note))


def _positional(a: RequestHead, b: RequestHead, out: _Out) -> None:
    """Fields matched by name, the k-th of a name with the k-th: every change shows."""
    e = out.engine
    pending: dict[bytes, list[int]] = {}
    for j, f in enumerate(b.fields):
        pending.setdefault(f.key, []).append(j)
    pairs: list[tuple[int, int]] = []
    for i, f in enumerate(a.fields):
        js = pending.get(f.key)
        if js:
            pairs.append((i, js.pop(0)))
        else:
            out.add("header-removed", show(f.raw), "", f"{e} did not send {show(f.name)}.")
    matched = {j for _, j in pairs}
    for j, f in enumerate(b.fields):
        if j not in matched:
            note = f"{e} added {show(f.name)} as header field {j + 1}."
            out.add("header-added", "", show(f.raw), note)
    renamed: list[tuple[bytes, bytes]] = []
    for i, j in pairs:
        fa, fb = a.fields[i], b.fields[j]
        if fa.name != fb.name:
            renamed.append((fa.name, fb.name))
        if fa.value != fb.value:
            note = f"{e} sent another value for {show(fa.name)}."
            out.add("header-value", show(fa.raw), show(fb.raw), note)
        elif fa.layout != fb.layout:
            note = f"{e} wrote the {show(fa.name)} line with other whitespace or line ending."
            out.add("header-whitespace", show(fa.raw + fa.ending), show(fb.raw + fb.ending), note)
    if renamed:
        out.add(
            "header-case",
            ", ".join(show(n) for n, _ in renamed),
            ", ".join(show(n) for _, n in renamed),
            f"{e} changed the case of header names.",
        )
    theirs_order = sorted(pairs, key=lambda p: p[1])
    if theirs_order != pairs:
        out.add(
            "header-order",
            ", ".join(show(a.fields[i].name) for i, _ in pairs),
            ", ".join(show(b.fields[j].name) for _, j in theirs_order),
            f"{e} sent the fields we both sent in another order.",
        )


def _structural(a: RequestHead, b: RequestHead, out: _Out) -> None:
    """Fields as a multiset of (name in any case, value): only content changes show."""
    ga: dict[bytes, list[tuple[bytes, bytes]]] = {}
    gb: dict[bytes, list[tuple[bytes, bytes]]] = {}
    for group, head in ((ga, a), (gb, b)):
        for f in head.fields:
            group.setdefault(f.key, []).append((f.name.strip(b" \t"), f.value))
    for key in [*ga, *(k for k in gb if k not in ga)]:
        fa, fb = ga.get(key, []), gb.get(key, [])
        if sorted(v for _, v in fa) == sorted(v for _, v in fb):
            continue
        ours = " | ".join(show(n + b": " + v) for n, v in fa)
        theirs = " | ".join(show(n + b": " + v) for n, v in fb)
        name = show((fa or fb)[0][0])
        if not fb:
            out.add("header-removed", ours, theirs, f"{out.engine} did not send {name}.")
        elif not fa:
            out.add("header-added", ours, theirs, f"{out.engine} added {name}.")
        else:
            out.add("header-value", ours, theirs, f"{out.engine} sent other {name} values.")


def request_differences(
    engine: str, ours: bytes, theirs: bytes, *, structural: bool = False
) -> tuple[tuple[Difference, ...], int | None]:
    """The request-side differences between two engines' sent bytes.

    Args:
        engine: The other engine's name (for the notes).
        ours: Every byte our client wrote.
        theirs: Every byte the other engine wrote.
        structural: Compare header fields as a multiset (see the module docstring).

    Returns:
        The differences, and the offset of the first differing byte (None when
        the bytes are equal, or when either engine sent nothing: its outcome
        says why, and listing every field as missing would say nothing more).
    """
    if not ours or not theirs:
        return (), None
    first = first_difference(ours, theirs)
    if first is None:
        return (), None
    e = engine
    a, b = parse_request_head(ours), parse_request_head(theirs)
    out = _Out(engine)
    if a.line != b.line:
        out.add("request-line", show(a.line), show(b.line), f"{e} wrote another request line.")
    if structural:
        _structural(a, b, out)
    else:
        _positional(a, b, out)
    fa, fb = framing(a), framing(b)
    if fa != fb:
        out.add("framing", show(fa), show(fb), f"{e} frames the body differently.")
    if a.body != b.body:
        out.add("body", show_body(a.body), show_body(b.body), f"{e} sent another body.")
    if not out.items and not structural:
        # Line endings of the request line or the blank line, say: show the bytes there.
        out.add(
            "bytes",
            show(ours[first : first + 32]),
            show(theirs[first : first + 32]),
            f"{e}'s bytes differ from ours from offset {first}.",
        )
    return tuple(out.items), first


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.2f} ms"


def timing_differences(engine: str, base: Exchange, other: Exchange) -> tuple[Difference, ...]:
    """Time to first byte and total time of both engines, always listed."""
    out = []
    for field, what, ours, theirs in (
        ("first-byte", "the first response byte", base.timings.ttfb, other.timings.ttfb),
        ("total", "the whole exchange", base.timings.total, other.timings.total),
    ):
        if ours is None or theirs is None:
            note = f"Not measured for both engines ({what})."
        else:
            more = "longer" if theirs > ours else "less"
            note = f"{engine} took {abs(theirs - ours) * 1000:.2f} ms {more} than ours for {what}."
        out.append(Difference("timing", field, engine, _ms(ours), _ms(theirs), note))
    return tuple(out)


def diff(base: Exchange, others: Sequence[Exchange], *, structural: bool = False) -> Comparison:
    """Compare our exchange with each other engine's.

    Args:
        base: Our exchange (``inspector``).
        others: The other engines' exchanges (``compare.compare`` gives them).
        structural: Compare request header fields as a multiset (order, name
            case and whitespace around values ignored), and leave out a
            library's header-case and header-order normalisation.

    Returns:
        One :class:`EngineDiff` per other exchange, in order.
    """
    method = request_method(base.spec)

    def request_sent(exchange: Exchange) -> bytes:
        # Through a proxy to an https origin, the request goes after a CONNECT head
        # (ours and httpx record it; http.client writes it before recording starts).
        sent = exchange.transcript.sent.read()
        return sent[tunnel_head_end(sent, method) :]

    ours_sent = request_sent(base)
    engines = []
    for other in others:
        engine = other.engine
        request, first = request_differences(
            engine, ours_sent, request_sent(other), structural=structural
        )
        engines.append(
            EngineDiff(
                engine=engine,
                outcome=outcome(other),
                first_request_difference=first,
                request=request,
                response=response_differences(engine, base, other, structural=structural),
                timings=timing_differences(engine, base, other),
            )
        )
    return Comparison(base.engine, tuple(engines), outcome(base))
