"""The comparison as terminal text: side by side when wide enough, else one column.

Every byte from the network or from an engine goes through ``escape_bytes`` /
``data_lines`` / ``safe_text`` before it is printed; colour (``Style``) only
wraps text that is already escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from inspector.cli.style import Style
from inspector.compare.diff import Comparison, Difference
from inspector.render.escape import safe_text
from inspector.render.trace import data_lines

SIDE_BY_SIDE_MIN = 150
"""Terminal columns from which engines are shown in columns."""
GUTTER = " | "

Line = tuple[str, tuple[str, ...]]
"""Escaped text and the styles to wrap it in."""


@dataclass(frozen=True, slots=True)
class Sent:
    """The bytes one engine wrote (or would write), for display."""

    engine: str
    data: bytes
    note: str = ""


def _wrap(text: str, width: int) -> list[str]:
    if len(text) <= width:
        return [text]
    return [text[i : i + width] for i in range(0, len(text), width)]


class View:
    """Renders sections for a fixed set of engines, in columns or one below the other."""

    def __init__(self, engines: Sequence[str], style: Style, width: int, limit: int | None):
        self.engines = list(engines)
        self.style = style
        self.limit = limit
        self.wide = width >= SIDE_BY_SIDE_MIN
        n = len(self.engines)
        self.width = width
        self.col = max(20, (width - len(GUTTER) * (n - 1)) // n) if self.wide else width

    def _s(self, line: Line) -> str:
        return self.style(line[0], *line[1])

    def rule(self, title: str) -> str:
        """A section title."""
        return self.style(f"-- {title} --", "bold")

    def row(self, cells: Sequence[Sequence[Line]]) -> list[str]:
        """Cells side by side, each wrapped to its column and padded."""
        wrapped: list[list[Line]] = []
        for cell in cells:
            lines: list[Line] = []
            for text, styles in cell:
                lines += [(part, styles) for part in _wrap(text, self.col)]
            wrapped.append(lines)
        height = max((len(c) for c in wrapped), default=0)
        out = []
        for y in range(height):
            parts = []
            for x, cell in enumerate(wrapped):
                text, styles = cell[y] if y < len(cell) else ("", ())
                pad = "" if x == len(wrapped) - 1 else " " * (self.col - len(text))
                parts.append(self.style(text, *styles) + pad)
            out.append(GUTTER.join(parts).rstrip())
        return out

    def _bytes_lines(self, data: bytes) -> list[Line]:
        shown = data if self.limit is None else data[: self.limit]
        lines: list[Line] = [(line, ("cyan",)) for line in data_lines(shown)]
        if len(shown) < len(data):
            lines.append((f"... {len(data) - len(shown)} more bytes", ("dim",)))
        return lines or [("(nothing)", ("dim",))]

    def sent(self, sent: Sequence[Sent]) -> list[str]:
        """Each engine's request bytes, escaped, line endings visible."""
        out = [self.rule("request bytes")]
        if self.wide:
            heads: list[list[Line]] = []
            for s in sent:
                head: list[Line] = [(f"{s.engine} ({len(s.data)} bytes)", ("bold",))]
                if s.note:
                    head.append((safe_text(s.note), ("dim",)))
                heads.append(head)
            out += self.row(heads)
            out += self.row([self._bytes_lines(s.data) for s in sent])
            return out
        for s in sent:
            note = f"; {safe_text(s.note)}" if s.note else ""
            out.append(self.style(f"{s.engine} ({len(s.data)} bytes{note}):", "bold"))
            out += ["  " + self._s(line) for line in self._bytes_lines(s.data)]
        return out

    def outcomes(self, comparison: Comparison) -> list[str]:
        """What each engine did, and where its bytes first differ from ours."""
        rows: list[tuple[str, str, str]] = [(self.engines[0], comparison.outcome, "")]
        for e in comparison.engines:
            where = ""
            if e.first_request_difference is not None:
                where = f"sent bytes differ from ours from byte {e.first_request_difference}"
            rows.append((e.engine, e.outcome, where))
        colour = {True: ("green",), False: ("yellow",)}
        if self.wide:
            return self.row(
                [
                    [(name, ("bold",)), (safe_text(what), colour[what == "parsed"])]
                    + ([(where, ("dim",))] if where else [])
                    for name, what, where in rows
                ]
            )
        pad = max(len(name) for name, _, _ in rows)
        return [
            f"  {self.style(name.ljust(pad), 'bold')}  "
            + self.style(safe_text(what), *colour[what == "parsed"])
            + (self.style(f" ({where})", "dim") if where else "")
            for name, what, where in rows
        ]

    def differences(self, side: str, diffs: Sequence[Difference]) -> list[str]:
        """One side's differences: grouped rows in columns, or a list per engine."""
        if not diffs:
            return [self.style(f"no {side} differences", "green")]
        return self._columns(diffs) if self.wide else self._unified(diffs)

    def _columns(self, diffs: Sequence[Difference]) -> list[str]:
        groups: dict[tuple[str, str, str, int], list[Difference]] = {}
        for i, d in enumerate(diffs):
            # The same change seen by several engines shares a row (ours is the same).
            key = (d.side, d.field, d.ours, 0 if d.ours else i)
            groups.setdefault(key, []).append(d)
        out = []
        for (_, field, ours, _), items in groups.items():
            out.append(self.style(field, "bold"))
            cells: list[list[Line]] = [[(safe_text(ours), ("red",))] if ours else []]
            for engine in self.engines[1:]:
                mine = [d for d in items if d.engine == engine]
                cells.append([(safe_text(d.theirs), ("green",)) for d in mine if d.theirs])
            out += self.row(cells)
            out += ["  " + self.style(safe_text(d.note), "dim") for d in items]
        return out

    def _unified(self, diffs: Sequence[Difference]) -> list[str]:
        out = []
        base = self.engines[0]
        for engine in self.engines[1:]:
            mine = [d for d in diffs if d.engine == engine]
            if not mine:
                continue
            out.append(self.style(f"{engine}:", "bold"))
            pad = max(len(base), len(engine)) + 1
            for d in mine:
                out.append(f"  {self.style(d.field, 'bold')}: {safe_text(d.note)}")
                if d.ours:
                    label = f"{base}:".ljust(pad)
                    out.append("    " + self.style(f"- {label} {safe_text(d.ours)}", "red"))
                if d.theirs:
                    label = f"{engine}:".ljust(pad)
                    out.append("    " + self.style(f"+ {label} {safe_text(d.theirs)}", "green"))
        return out

    def timings(self, comparison: Comparison) -> list[str]:
        """Time to first byte and total, per engine (always listed, never a difference)."""
        values: dict[str, dict[str, str]] = {}
        for e in comparison.engines:
            for d in e.timings:
                values.setdefault(self.engines[0], {})[d.field] = d.ours
                values.setdefault(e.engine, {})[d.field] = d.theirs
        fields = ("first-byte", "total")
        if self.wide:
            return self.row(
                [
                    [(f"{f}: {values.get(name, {}).get(f, '-')}", ()) for f in fields]
                    for name in self.engines
                ]
            )
        pad = max(len(name) for name in self.engines)
        out = ["  " + "engine".ljust(pad) + "  " + "first byte".ljust(12) + "total"]
        for name in self.engines:
            v = values.get(name, {})
            out.append(
                f"  {name.ljust(pad)}  {v.get('first-byte', '-').ljust(12)}{v.get('total', '-')}"
            )
        return out


def render_comparison(
    sent: Sequence[Sent],
    comparison: Comparison,
    style: Style,
    width: int,
    limit: int | None,
) -> list[str]:
    """The whole ``--compare`` section: outcomes, request bytes, differences, timings.

    Args:
        sent: Each engine's sent bytes, ours first.
        comparison: ``compare.diff.diff`` of our exchange with the others.
        style: Colour or not.
        width: Terminal columns; from ``SIDE_BY_SIDE_MIN`` on, engines go in columns.
        limit: Request bytes shown per engine (None: all).
    """
    view = View([s.engine for s in sent], style, width, limit)
    layout = "side by side" if view.wide else "unified"
    out = [style(f"comparison ({layout}): " + ", ".join(view.engines), "bold", "magenta")]
    out += view.outcomes(comparison)
    out += view.sent(sent)
    request = [d for e in comparison.engines for d in e.request]
    response = [d for e in comparison.engines for d in e.response]
    out.append(view.rule("request differences"))
    out += view.differences("request", request)
    out.append(view.rule("response differences"))
    out += view.differences("response", response)
    out.append(view.rule("timings"))
    out += view.timings(comparison)
    return out


def render_dry_run(
    sent: Sequence[Sent],
    comparison: Comparison | None,
    style: Style,
    width: int,
    limit: int | None,
) -> list[str]:
    """``--dry-run``: the bytes each engine would write, and how they differ from ours.

    Args:
        sent: Each engine's bytes, ours first.
        comparison: The request-side diff of the others against ours (with
            ``--compare``), or None.
        style: Colour or not.
        width: Terminal columns.
        limit: Bytes shown per engine (None: all).
    """
    view = View([s.engine for s in sent], style, width, limit)
    out = [
        style("dry run: nothing was sent to the server;", "bold", "magenta")
        + " these are the exact bytes each engine would write"
    ]
    out += view.sent(sent)
    if comparison is not None:
        out.append(view.rule("request differences"))
        out += view.differences("request", [d for e in comparison.engines for d in e.request])
    return out
