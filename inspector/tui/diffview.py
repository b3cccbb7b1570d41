"""The Diff tab: two exchanges (two replays, or any two from history) side by side.

The app computes :func:`~inspector.compare.exchange_diff.diff_exchanges` in a worker
(bodies may be large) and hands the result to :meth:`DiffView.show_diff`. The checkbox
"ignore volatile headers" posts :class:`DiffView.IgnoreChanged`; the app diffs again.
Every text in an :class:`ExchangeDiff` is escaped already; it still goes into ``Text``.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, Static

from inspector.compare.exchange_diff import VOLATILE_HEADERS, ChangeKind, ExchangeDiff
from inspector.model import Exchange
from inspector.render.escape import safe_text
from inspector.render.timeline import format_seconds

KIND_STYLE = {
    ChangeKind.STATUS: "bold yellow",
    ChangeKind.HEADER_ADDED: "green",
    ChangeKind.HEADER_REMOVED: "red",
    ChangeKind.HEADER_CHANGED: "yellow",
    ChangeKind.BODY: "magenta",
    ChangeKind.ERROR: "bold red",
}


def exchange_label(exchange: Exchange) -> str:
    """``GET http://... -> 200`` (escaped)."""
    spec = exchange.spec
    resp = exchange.response
    status = str(resp.status) if resp is not None and resp.status is not None else "no response"
    if exchange.error is not None:
        status += f" ({exchange.error.kind.value})"
    return safe_text(f"{spec.method.decode('latin-1')} {spec.url} -> {status}")


def _seconds(value: float | None) -> str:
    return "-" if value is None else format_seconds(value)


def diff_text(diff: ExchangeDiff, a: Exchange, b: Exchange, ignoring: bool) -> Text:
    """The whole diff: verdict, changes, body, timings and the ignored changes (dimmed)."""
    text = Text(overflow="fold")
    text.append("A ", style="bold")
    text.append(exchange_label(a) + "\n")
    text.append("B ", style="bold")
    text.append(exchange_label(b) + "\n\n")
    n = len(diff.changes)
    if diff.same:
        verdict, style = "same", "bold green"
        if ignoring and diff.ignored:
            verdict += f" (ignoring {len(diff.ignored)} volatile header changes)"
    else:
        verdict, style = f"different: {n} change{'' if n == 1 else 's'}", "bold red"
    text.append(verdict + "\n", style=style)
    for c in diff.changes:
        text.append(f"  {c.kind.value:<15}", style=KIND_STYLE.get(c.kind, ""))
        text.append(safe_text(c.text) + "\n")
    body = diff.body
    text.append("\nbody  ", style="bold")
    if body.first_difference is None:
        text.append(f"same ({body.size_a} bytes)\n", style="green")
    else:
        text.append(
            f"{body.size_a} bytes in A, {body.size_b} in B; "
            f"they differ from byte {body.first_difference}\n"
        )
        if not body.text and body.first_difference is not None:
            text.append("  (not both UTF-8 text of at most 256 KiB: no line diff)\n", style="dim")
    for line in body.unified:
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
        text.append("  " + safe_text(line) + "\n", style=style)
    text.append("\ntimings (never counted as a difference)\n", style="bold")
    for t in diff.timings:
        delta = "" if t.delta is None else f"  ({t.delta * 1000:+.2f} ms)"
        label = "wait" if t.phase == "ttfb" else t.phase
        text.append(f"  {label:<8} {_seconds(t.a):>10} -> {_seconds(t.b):>10}{delta}\n")
    if diff.ignored:
        text.append("\nignored (volatile headers)\n", style="bold dim")
        for c in diff.ignored:
            text.append(f"  {c.kind.value:<15}{safe_text(c.text)}\n", style="dim")
    return text


class DiffView(Vertical):
    """The diff of two exchanges, volatile headers ignored unless unchecked."""

    DEFAULT_CSS = """
    DiffView #diff-bar { height: auto; }
    DiffView #diff-info { width: 1fr; padding: 0 1; }
    DiffView #diff-ignore { width: auto; }
    DiffView #diff-scroll { height: 1fr; }
    DiffView #diff-text { width: 1fr; height: auto; padding: 0 1; }
    """

    class IgnoreChanged(Message):
        """The user switched ignoring volatile headers on or off."""

        def __init__(self, ignore_volatile: bool) -> None:
            super().__init__()
            self.ignore_volatile = ignore_volatile

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.pair: tuple[Exchange, Exchange] | None = None
        self.diff: ExchangeDiff | None = None
        self.text = Text("ctrl+g compares the shown exchange with the previous one", style="dim")

    def compose(self) -> ComposeResult:
        names = ", ".join(sorted(VOLATILE_HEADERS)[:4])
        with Horizontal(id="diff-bar"):
            yield Static("", id="diff-info", markup=False)
            yield Checkbox(f"ignore volatile headers ({names}...)", True, id="diff-ignore")
        with VerticalScroll(id="diff-scroll"):
            yield Static(self.text, id="diff-text", markup=False)

    @property
    def ignore_volatile(self) -> bool:
        """Whether volatile header changes are left out of the verdict."""
        return self.query_one("#diff-ignore", Checkbox).value

    def running(self, a: Exchange, b: Exchange) -> None:
        """A diff of these two is being computed."""
        self.pair = (a, b)
        self.diff = None
        self.query_one("#diff-info", Static).update(Text("comparing...", style="yellow"))

    def show_diff(self, diff: ExchangeDiff) -> None:
        """Show a finished diff of the pair given to :meth:`running`."""
        if self.pair is None:
            return
        self.diff = diff
        self.text = diff_text(diff, *self.pair, self.ignore_volatile)
        self.query_one("#diff-info", Static).update("")
        self.query_one("#diff-text", Static).update(self.text)

    @on(Checkbox.Changed, "#diff-ignore")
    def _ignore_changed(self, event: Checkbox.Changed) -> None:
        if self.pair is not None:
            self.post_message(self.IgnoreChanged(event.value))
