"""InspectorApp: composition and routing. Widgets post messages; only the app sends."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static, TabbedContent, TabPane

from inspector.formats.curl import parse_curl
from inspector.model import Exchange, InputError, RequestSpec, Transcript
from inspector.net import CancelToken, Client, SendOptions
from inspector.store.history import History
from inspector.tui.builder import RequestBuilder, UrlInput
from inspector.tui.collection_actions import CollectionActions
from inspector.tui.export_actions import ExportActions
from inspector.tui.form import Form, form_from_spec
from inspector.tui.history_actions import HistoryActions
from inspector.tui.inspect_actions import INSPECTION_TABS, InspectActions
from inspector.tui.messages import ExchangeFinished
from inspector.tui.rawview import RawView
from inspector.tui.response import ResponsePanel
from inspector.tui.sidebar import Sidebar
from inspector.tui.transcripts import release


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


FULL_GC_PAUSED = 1 << 30
"""The full collection's threshold while a response arrives: in effect, never."""


class InspectorApp(InspectActions, CollectionActions, HistoryActions, ExportActions):
    """Compose a request, send it through our recording client, inspect every byte.

    Saved requests, history, replay and exports (issue 8) live in the bases after
    ``InspectActions``; ``history``, ``collection`` (a folder of ``.http`` files) and
    ``export_dir`` are injected, None turning each feature off.
    """

    TITLE = "inspector"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("ctrl+j", "send", "Send", priority=True),
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+t", "toggle_hex", "Text/hex", show=False),
        Binding("ctrl+f", "search", "Search"),
        Binding("f3", "find_next", "Next", show=False),
        Binding("shift+f3", "find_previous", "Previous", show=False),
        Binding("ctrl+e", "toggle_encoded", "Encoded body", show=False),
        Binding("f2", "toggle_builder", "Editor", show=False),
    ]

    def __init__(
        self,
        *,
        client: Client | None = None,
        url: str = "",
        form: Form | None = None,
        autostart: bool = False,
        history: History | None = None,
        collection: Path | None = None,
        export_dir: Path | None = None,
        notices: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.setup_saved(collection)
        self.setup_history(history, notices)
        self.setup_exports(export_dir or (collection / "exports" if collection else None))
        self.client = client or Client()
        self._form = form or Form(url=url)
        self._autostart = autostart
        self.exchange: Exchange | None = None
        self._cancel: CancelToken | None = None
        self._live: Transcript | None = None
        self._live_started = 0.0
        self._gc_thresholds: tuple[int, int, int] | None = None

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every action in the command palette too (ctrl+p), next to Textual's own."""
        yield from super().get_system_commands(screen)
        yield SystemCommand("Send", "Send the request (ctrl+j)", self.action_send)
        yield SystemCommand("Cancel", "Stop the running exchange (esc)", self.action_cancel)
        yield SystemCommand(
            "Raw: text / hex", "Switch the raw panel's rows (ctrl+t)", self.action_toggle_hex
        )
        yield SystemCommand(
            "Search raw bytes", "Find text or hex bytes (ctrl+f)", self.action_search
        )
        yield SystemCommand(
            "Body: decoded / as received",
            "Toggle content-coding (ctrl+e)",
            self.action_toggle_encoded,
        )
        yield SystemCommand(
            "Show / hide the request editor",
            "More room for the response (f2)",
            self.action_toggle_builder,
        )

    def compose(self) -> ComposeResult:
        yield Header()
        yield Sidebar(id="sidebar")
        yield RequestBuilder(self._form, id="builder")
        with TabbedContent(id="response-tabs"):
            with TabPane("Response", id="tab-response"):
                yield ResponsePanel(id="response")
            with TabPane("Raw", id="tab-raw-bytes"):
                yield Input(
                    placeholder="search: text, or hex bytes as 0x0d0a / 0d 0a (F3 next)",
                    id="raw-search",
                )
                yield RawView(id="rawview")
                yield Static("", id="raw-cursor", markup=False)
            # Their views are mounted just after the first frame (mount_inspection_views).
            for title, pane_id in INSPECTION_TABS:
                yield TabPane(title, id=pane_id)
        yield Static("ready: ctrl+j sends", id="statusline", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        # The widget tree lives as long as the app: keep it out of full garbage
        # collections, which otherwise stall keys for ~100 ms during big downloads.
        gc.freeze()
        self.call_after_refresh(self.mount_inspection_views)
        self.set_interval(0.1, self._tick)
        self.query_one("#url", UrlInput).focus()
        if self._autostart:
            self.action_send()

    def on_unmount(self) -> None:
        self._resume_full_gc()
        if self._cancel is not None:
            self._cancel.cancel()
        self.client.close()

    # ------------------------------------------------------------- sending
    def action_send(self) -> None:
        """Send the request in the builder; a running one is cancelled first."""
        builder = self.query_one(RequestBuilder)
        try:
            spec, options = builder.request()
        except InputError as exc:
            self._status(f"cannot send: {exc}", "red")
            return
        self.send_spec(spec, options)

    def send_spec(self, spec: RequestSpec, options: SendOptions) -> Transcript:
        """Send a spec (a running exchange is cancelled first); returns its live transcript."""
        if self._cancel is not None:
            self._cancel.cancel()
        self._cancel = CancelToken()
        self._live = Transcript(options.spill_threshold)
        self._live_started = time.monotonic()
        self._pause_full_gc()
        self.query_one(RawView).show(self._live)
        self._send(spec, options, self._cancel, self._live)
        return self._live

    @work(thread=True, exclusive=True, group="send")
    def _send(
        self, spec: RequestSpec, options: SendOptions, cancel: CancelToken, transcript: Transcript
    ) -> None:
        exchange = self.client.send(spec, options, cancel=cancel, transcript=transcript)
        self.post_message(ExchangeFinished(exchange))

    def action_cancel(self) -> None:
        """Stop the running exchange; what arrived is kept."""
        if self._cancel is not None and self._live is not None:
            self._cancel.cancel()

    def _pause_full_gc(self) -> None:
        """No full garbage collection while a response arrives.

        A full collection walks every object the app made since start-up (strips,
        styles, cached rows): 20-40 ms on the UI thread, which a key waits for.
        Young generations are still collected; bytes, the bulk of a download, are
        not tracked by the collector at all. Textual pauses it while scrolling too.
        """
        if self._gc_thresholds is None:
            self._gc_thresholds = gc.get_threshold()
            young, middle, _ = self._gc_thresholds
            gc.set_threshold(young, middle, FULL_GC_PAUSED)

    def _resume_full_gc(self) -> None:
        if self._gc_thresholds is not None:
            gc.set_threshold(*self._gc_thresholds)
            self._gc_thresholds = None

    def _tick(self) -> None:
        live = self._live
        if live is None:
            return
        elapsed = time.monotonic() - self._live_started
        got = len(live.received)
        rate = got / elapsed if elapsed > 0 else 0.0
        self._status(f"sending... {_size(got)} received, {_size(rate)}/s, {elapsed:.1f} s", "")
        self.query_one(RawView).refresh_live()

    @on(ExchangeFinished)
    def _finished(self, message: ExchangeFinished) -> None:
        exchange = message.exchange
        if exchange.transcript is not self._live:
            release(exchange.transcript)  # a cancelled, superseded exchange
            return
        self._live = None
        self._cancel = None
        self._resume_full_gc()
        self.show_exchange(exchange)
        self.remember(exchange)
        self.replay_finished(exchange)

    def show_exchange(self, exchange: Exchange) -> None:
        """Show an exchange in every panel (the one shown before it is kept for the diff)."""
        self.keep_previous(exchange)  # the one before the previous is freed
        self.exchange = exchange
        self.query_one(ResponsePanel).show(exchange)
        self.query_one(RawView).show(exchange.transcript)
        self.show_inspection(exchange)
        total = exchange.timings.total or 0.0
        size = _size(len(exchange.transcript.received))
        if exchange.error is not None:
            self._status(
                f"{exchange.error.kind.value}: {exchange.error.message} "
                f"({size} received, {total * 1000:.1f} ms)",
                "red",
            )
        else:
            resp = exchange.response
            status = f"{resp.status} " if resp is not None else ""
            self._status(
                f"{status}done: {size} received in {total * 1000:.1f} ms, "
                f"{len(exchange.anomalies)} anomalies",
                "green",
            )

    def _status(self, text: str, style: str) -> None:
        # One row whatever the text: no layout of the screen needed (it would lay
        # out every widget, ten times a second while a response arrives).
        self.query_one("#statusline", Static).update(Text(text, style=style), layout=False)

    # ------------------------------------------------------------ the rest
    @on(UrlInput.CurlPasted)
    def _curl(self, message: UrlInput.CurlPasted) -> None:
        try:
            imported = parse_curl(message.command)
        except InputError as exc:
            self._status(f"cannot import the curl command: {exc}", "red")
            return
        self.query_one(RequestBuilder).load(
            form_from_spec(imported.spec), verify=not imported.insecure
        )
        ignored = f" (ignored: {', '.join(imported.ignored)})" if imported.ignored else ""
        self._status(f"imported the curl command{ignored}", "green")

    def action_toggle_hex(self) -> None:
        """Raw panel: text rows <-> hex rows."""
        view = self.query_one(RawView)
        view.toggle_mode()
        self._status(f"raw view: {view.mode.value}", "")

    def action_search(self) -> None:
        """Focus the raw-bytes search field."""
        self.query_one("#response-tabs", TabbedContent).active = "tab-raw-bytes"
        self.query_one("#raw-search", Input).focus()

    @on(Input.Submitted, "#raw-search")
    def _search_submitted(self) -> None:
        self.action_find_next()

    def _needle(self) -> bytes:
        text = self.query_one("#raw-search", Input).value
        compact = text.replace(" ", "")
        if compact.startswith("0x"):
            try:
                return bytes.fromhex(compact[2:])
            except ValueError:
                pass
        return text.encode("utf-8")

    def _find(self, forward: bool) -> None:
        needle = self._needle()
        if not needle:
            return
        found = self.query_one(RawView).find(needle, forward)
        self._status("found" if found else f"not found: {needle!r}", "" if found else "yellow")

    def action_find_next(self) -> None:
        """Next search hit in the raw panel."""
        self._find(True)

    def action_find_previous(self) -> None:
        """Previous search hit in the raw panel."""
        self._find(False)

    def action_toggle_encoded(self) -> None:
        """Body: decoded <-> as received (content-coding kept)."""
        self.query_one(ResponsePanel).toggle_encoded()

    def action_toggle_builder(self) -> None:
        """Hide or show the request editor tabs (more room for the response)."""
        self.screen.toggle_class("-no-builder")
