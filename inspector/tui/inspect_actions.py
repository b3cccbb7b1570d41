"""Routing of the inspection views (issue 7), kept out of ``app.py``.

:class:`InspectActions` is a base of :class:`~inspector.tui.app.InspectorApp`: it holds
the keys, commands, message handlers and workers that link the views (fields <-> bytes,
the raw cursor line, timing, connection, compare, diff). Like the app, it does no
drawing of its own: it routes values to the widgets, and only it starts the compare and
diff workers (STYLE rule 10/11).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Checkbox, DataTable, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from inspector.compare import compare, diff
from inspector.compare.exchange_diff import VOLATILE_HEADERS, diff_exchanges
from inspector.model import EventKind, Exchange, InputError, RequestSpec, Transcript
from inspector.net import Client, SendOptions
from inspector.render.fieldmap import FieldMap
from inspector.render.timeline import ReadIndex
from inspector.tui.builder import RequestBuilder
from inspector.tui.compareview import CompareView
from inspector.tui.connview import ConnectionView
from inspector.tui.diffview import DiffView
from inspector.tui.messages import ComparisonFinished, DiffFinished
from inspector.tui.panels import anomaly_rows
from inspector.tui.rawview import RawView
from inspector.tui.response import ResponsePanel
from inspector.tui.timingview import TimingView
from inspector.tui.transcripts import release

INSPECTION_TABS = (
    ("Anomalies", "tab-anomalies"),
    ("Timing", "tab-timing"),
    ("Connection", "tab-connection"),
    ("Compare", "tab-compare"),
    ("Diff", "tab-diff"),
)
"""The response tabs after Response and Raw: their views mount after the first frame."""

CURSOR_HINT = "move the cursor (arrows, click) to see which field a byte belongs to"


def cursor_line(
    transcript: Transcript | None,
    field_map: FieldMap | None,
    reads: ReadIndex | None,
    direction: EventKind,
    offset: int,
) -> str:
    """The line under the raw view: the field of the byte, its offset, its read and time."""
    if transcript is None:
        return ""
    started = transcript.started
    if direction is EventKind.RECV:
        if field_map is not None:
            line = field_map.describe(offset, reads, started)
            marks = [m.text for m in field_map.marks(offset, offset)]
            return " · ".join([line, *marks])
        found = ReadIndex(transcript.events).at(offset)
        where = f"offset {offset} (0x{offset:x})"
        if found is None:
            return where
        n, ev = found
        return f"{where} · read {n + 1} at +{ev.t - started:.6f} s · not parsed yet"
    writes = [e for e in transcript.events if e.kind is EventKind.SEND]
    parts = [f"request byte {offset} (0x{offset:x})"]
    for n, ev in enumerate(writes):
        if ev.offset <= offset < ev.offset + ev.size:
            parts.append(f"write {n + 1} of {len(writes)} at +{ev.t - started:.6f} s")
            break
    return " · ".join(parts)


class InspectActions(App[None]):
    """Keys, commands, handlers and workers of the inspection views."""

    BINDINGS = [
        Binding("ctrl+o", "compare", "Compare"),
        Binding("ctrl+g", "diff_previous", "Diff prev", show=False),
    ]

    exchange: Exchange | None
    """The exchange shown (set by the app)."""
    previous_exchange: Exchange | None = None
    """The exchange shown before it: what ctrl+g compares with."""
    field_map: FieldMap | None = None
    """The field map of the shown exchange's received bytes."""
    _reads: ReadIndex | None = None
    _compared: tuple[Exchange, ...] = ()
    _views_ready = False
    _after_views: list[Callable[[], None]] | None = None

    # ------------------------------------------ the views of the hidden tabs
    async def mount_inspection_views(self) -> None:
        """Mount the views of the tabs hidden at start, just after the first frame.

        About a fifth of the app's widgets: composing and styling them before the
        first frame would delay it for tabs nobody sees yet. Work for them that
        comes earlier (an exchange from a fast local server) waits in
        :meth:`with_views`.
        """
        table: DataTable[Text] = DataTable(id="anomalies", zebra_stripes=True)
        table.add_columns("Severity", "Code", "Bytes", "Message", "RFC")
        views: dict[str, Widget] = {
            "tab-anomalies": table,
            "tab-timing": TimingView(id="timing"),
            "tab-connection": ConnectionView(id="connection"),
            "tab-compare": CompareView(id="compare"),
            "tab-diff": DiffView(id="diff"),
        }
        for pane_id, view in views.items():
            await self.query_one(f"#{pane_id}", TabPane).mount(view)
        self._views_ready = True
        pending, self._after_views = self._after_views or [], None
        for job in pending:
            job()

    def with_views(self, job: Callable[[], None]) -> None:
        """Run ``job`` (which uses a hidden tab's view) now, or once they are mounted."""
        if self._views_ready:
            job()
        else:
            self._after_views = [*(self._after_views or []), job]

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The inspection actions in the command palette."""
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Compare engines",
            "The request through inspector, http.client and httpx (ctrl+o)",
            self.action_compare,
        )
        yield SystemCommand(
            "Compare: byte / structural diff",
            "Headers as a multiset, order and case ignored, or every byte",
            self.action_compare_mode,
        )
        yield SystemCommand(
            "Diff with previous exchange",
            "Status, headers, body and timings of the last two exchanges (ctrl+g)",
            self.action_diff_previous,
        )
        yield SystemCommand(
            "Diff: ignore volatile headers on / off",
            "Date, Age, request ids...",
            self.action_diff_volatile,
        )

    def _note(self, text: str, style: str = "") -> None:
        self.query_one("#statusline", Static).update(Text(text, style=style))

    def _tab(self, tab: str) -> None:
        self.query_one("#response-tabs", TabbedContent).active = tab

    # --------------------------------------------------- the shown exchange
    def keep_previous(self, new: Exchange) -> None:
        """Before ``new`` is shown: the shown one becomes the previous; the one before is freed."""
        current = self.exchange
        if current is None or current is new:
            return
        old = self.previous_exchange
        pair = (self.query_one(DiffView).pair or ()) if self._views_ready else ()
        if old is not None and old is not new and old is not current:
            if not any(old is x for x in pair):
                release(old.transcript)
        self.previous_exchange = current

    def show_inspection(self, exchange: Exchange) -> None:
        """Fill the inspection views of an exchange (after the parsed and raw panels)."""
        fm = FieldMap.for_exchange(exchange)
        self.field_map = fm
        self._reads = ReadIndex(exchange.transcript.events)
        self.query_one(RawView).set_field_map(fm)
        self.query_one(ResponsePanel).show_framing(exchange, fm)
        self.with_views(lambda: self._show_in_hidden_tabs(exchange))
        self.query_one("#raw-cursor", Static).update(Text(CURSOR_HINT, style="dim"))

    def _show_in_hidden_tabs(self, exchange: Exchange) -> None:
        table = self.query_one("#anomalies", DataTable)
        table.clear()
        for row in anomaly_rows(exchange):
            table.add_row(*row)
        self.query_one(TimingView).show(exchange)
        self.query_one(ConnectionView).show(exchange)

    @on(RawView.CursorMoved)
    def _raw_cursor(self, message: RawView.CursorMoved) -> None:
        raw = self.query_one(RawView)
        fm = self.field_map if raw.field_map is self.field_map else None
        line = cursor_line(raw.transcript, fm, self._reads, message.direction, message.offset)
        self.query_one("#raw-cursor", Static).update(Text(line))

    @on(ResponsePanel.SpanSelected)
    def _span_selected(self, message: ResponsePanel.SpanSelected) -> None:
        raw = self.query_one(RawView)
        raw.highlight(message.start, message.end)
        where = (
            f"bytes {message.start}-{message.end}"
            if message.end > message.start
            else f"at byte {message.start}"
        )
        hint = "" if message.jump else " (enter shows them in the Raw tab)"
        self._note(f"{message.label}: {where}{hint}")
        if message.jump:
            self._tab("tab-raw-bytes")
            raw.focus()

    # ----------------------------------------------------------- compare
    def action_compare(self) -> None:
        """Send the builder's request through inspector, http.client and httpx."""
        try:
            spec, options = self.query_one(RequestBuilder).request()
        except InputError as exc:
            self._note(f"cannot compare: {exc}", "red")
            return
        timeouts = f"connect {options.connect_timeout:g} s, read {options.read_timeout:g} s"
        note = f"comparing: inspector, then http.client, then httpx (timeouts: {timeouts})..."
        self.with_views(lambda: self.query_one(CompareView).running(note))
        self._note(note)
        self._tab("tab-compare")
        self._compare(spec, options)

    @work(thread=True, exclusive=True, group="compare")
    def _compare(self, spec: RequestSpec, options: SendOptions) -> None:
        # A fresh client: every engine opens its own connection, so timings compare.
        with Client(options) as client:
            ours = client.send(spec)
        exchanges = (ours, *compare(spec, options))
        byte_diff = diff(ours, exchanges[1:])
        structural = diff(ours, exchanges[1:], structural=True)
        if get_current_worker().is_cancelled:  # superseded by a newer comparison
            for ex in exchanges:
                release(ex.transcript)
            return
        self.post_message(ComparisonFinished(exchanges, byte_diff, structural))

    @on(ComparisonFinished)
    def _compared_done(self, message: ComparisonFinished) -> None:
        for ex in self._compared:
            release(ex.transcript)
        self._compared = message.exchanges
        self.with_views(
            lambda: self.query_one(CompareView).show(
                message.exchanges, message.byte_diff, message.structural
            )
        )
        differs = "engines differ" if message.byte_diff.differs else "no differences"
        self._note(f"comparison done: {differs}", "green")

    def action_compare_mode(self) -> None:
        """Compare view: byte diff <-> structural diff."""
        self._tab("tab-compare")
        self.with_views(lambda: self.query_one(CompareView).action_toggle_mode())

    # -------------------------------------------------------------- diff
    def action_diff_previous(self) -> None:
        """Diff the shown exchange with the one shown before it."""
        if self.exchange is None or self.previous_exchange is None:
            self._note("nothing to compare yet: send at least twice", "yellow")
            return
        self.show_diff(self.previous_exchange, self.exchange)

    def show_diff(self, a: Exchange, b: Exchange) -> None:
        """Show the diff of exchange B against exchange A in the Diff tab (any two)."""
        self.with_views(lambda: self._start_diff(a, b))

    def _start_diff(self, a: Exchange, b: Exchange) -> None:
        view = self.query_one(DiffView)
        view.running(a, b)
        self._tab("tab-diff")
        self._diff(a, b, view.ignore_volatile)

    @work(thread=True, exclusive=True, group="diff")
    def _diff(self, a: Exchange, b: Exchange, ignore_volatile: bool) -> None:
        result = diff_exchanges(a, b, ignore=VOLATILE_HEADERS if ignore_volatile else ())
        if not get_current_worker().is_cancelled:
            self.post_message(DiffFinished(a, b, result))

    @on(DiffFinished)
    def _diff_done(self, message: DiffFinished) -> None:
        # A diff starts only once the views are mounted (show_diff): the view is there.
        view = self.query_one(DiffView)
        pair = view.pair
        if pair is None or pair[0] is not message.a or pair[1] is not message.b:
            return  # an older request
        view.show_diff(message.diff)
        n = len(message.diff.changes)
        verdict = "same" if message.diff.same else f"{n} change{'' if n == 1 else 's'}"
        self._note(f"diff: {verdict}", "green" if message.diff.same else "yellow")

    @on(DiffView.IgnoreChanged)
    def _diff_ignore(self, message: DiffView.IgnoreChanged) -> None:
        view = self.query_one(DiffView)
        if view.pair is not None:
            view.running(*view.pair)
            self._diff(*view.pair, message.ignore_volatile)

    def action_diff_volatile(self) -> None:
        """Diff view: ignore volatile headers on / off."""
        self._tab("tab-diff")
        self.with_views(self._toggle_volatile)

    def _toggle_volatile(self) -> None:
        box = self.query_one("#diff-ignore", Checkbox)
        box.value = not box.value
