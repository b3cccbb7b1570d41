"""History and replay in the app (issue 8), kept out of ``app.py``.

:class:`HistoryActions` is a base of :class:`~inspector.tui.app.InspectorApp`.
Every finished exchange goes to the history in a worker (:meth:`remember`); the
history screen lists, searches, opens, deletes and diffs entries, its reads in
workers too. Replay sends the shown exchange again (as its spec, byte for byte,
or byte for byte with the original write boundaries and pauses) and then shows
the diff from the exchange it replayed in the Diff tab (volatile headers
ignored unless the Diff tab says otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from inspector.model import Exchange, InputError, RequestSpec, Transcript
from inspector.net import SendOptions
from inspector.store.history import History, HistoryError
from inspector.tui.builder import RequestBuilder
from inspector.tui.historyview import PAGE, HistoryScreen
from inspector.tui.messages import ComparisonFinished, HistoryListed, HistoryLoaded, HistoryStored
from inspector.tui.transcripts import pin, unpin

REPLAYS = {
    "spec": "replay",
    "bytes": "replay byte for byte",
    "timing": "replay byte for byte with the original timing",
}


class HistoryActions(App[None]):
    """Keys, commands, handlers and workers of the history and of replay.

    ``show_exchange``, ``show_diff`` and ``send_spec`` belong to the app; the
    stubs here only name them (the app's classes come first in its MRO).
    """

    BINDINGS = [
        Binding("f4", "history", "History"),
        Binding("f5", "replay", "Replay", show=False),
        Binding("f8", "replay_bytes", "Replay bytes", show=False),
        Binding("f9", "replay_timing", "Replay timing", show=False),
    ]

    exchange: Exchange | None
    history: History | None = None
    """Where exchanges are kept (None: not kept)."""
    notices: tuple[str, ...] = ()
    """Lines to show at start (a damaged history set aside, a settings problem)."""
    _replaying: tuple[Transcript, Exchange] | None = None

    def setup_history(self, history: History | None, notices: Sequence[str] = ()) -> None:
        """Keep exchanges in ``history``; show ``notices`` (and the history's own) at start."""
        self.history = history
        found = [history.notice] if history is not None and history.notice else []
        self.notices = (*notices, *found)

    def show_exchange(self, exchange: Exchange) -> None:  # pragma: no cover - the app's
        """Show an exchange in every panel."""
        raise NotImplementedError

    def show_diff(self, a: Exchange, b: Exchange) -> None:  # pragma: no cover - the app's
        """Show the diff of exchange B against exchange A."""
        raise NotImplementedError

    def send_spec(self, spec: RequestSpec, options: SendOptions) -> Transcript:  # pragma: no cover
        """Send a spec as the builder's request is sent; returns the live transcript."""
        raise NotImplementedError

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """History and replay in the command palette."""
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "History", "Browse, search, open and diff stored exchanges (f4)", self.action_history
        )
        yield SystemCommand(
            "Replay", "Send the shown exchange's request again (f5)", self.action_replay
        )
        yield SystemCommand(
            "Replay byte for byte", "Send exactly the bytes it sent (f8)", self.action_replay_bytes
        )
        yield SystemCommand(
            "Replay with original timing",
            "The same bytes, in the same writes and pauses (f9)",
            self.action_replay_timing,
        )

    def _say(self, text: str, style: str = "") -> None:
        self.query_one("#statusline", Static).update(Text(text, style=style))

    def on_mount(self) -> None:
        for line in self.notices:
            self.notify(line, title="inspector", severity="warning", timeout=20)
        if self.notices:
            self._say(self.notices[0], "yellow")

    # ------------------------------------------------------------ storing
    def remember(self, exchange: Exchange) -> None:
        """Add a finished exchange (and its comparisons) to the history, in a worker."""
        if self.history is not None:
            # Pinned before the worker starts: the app may release the exchange (show
            # another one) while its bytes are still being copied into the database.
            for ex in (exchange, *exchange.comparisons):
                pin(ex.transcript)
            self._store(self.history, exchange)

    @work(thread=True, group="history")
    def _store(self, history: History, exchange: Exchange) -> None:
        try:
            entry = history.add(exchange)
        except HistoryError as exc:
            self.post_message(HistoryStored(None, str(exc)))
            return
        finally:
            for ex in (exchange, *exchange.comparisons):
                unpin(ex.transcript)
        self.post_message(HistoryStored(entry))

    @on(ComparisonFinished)
    def _store_comparison(self, message: ComparisonFinished) -> None:
        """A comparison is kept too: our exchange, with the other engines as its comparisons."""
        ours, *others = message.exchanges
        self.remember(replace(ours, comparisons=tuple(others)))

    @on(HistoryStored)
    def _stored(self, message: HistoryStored) -> None:
        if message.error is not None:
            self._say(f"not kept in the history: {message.error}", "red")

    # ------------------------------------------------------------ the screen
    def action_history(self) -> None:
        """Open the history screen."""
        if self.history is None:
            self._say("no history in this session", "yellow")
        elif not isinstance(self.screen, HistoryScreen):
            self.push_screen(HistoryScreen())

    def _history_screen(self) -> HistoryScreen | None:
        return self.screen if isinstance(self.screen, HistoryScreen) else None

    @on(HistoryScreen.Wanted)
    def _wanted(self, message: HistoryScreen.Wanted) -> None:
        if self.history is not None:
            self._list(self.history, message.query, message.offset)

    @work(thread=True, exclusive=True, group="history-list")
    def _list(self, history: History, query: str, offset: int) -> None:
        try:
            entries = history.list(query, limit=PAGE, offset=offset)
            total = history.count(query)
        except HistoryError as exc:
            self.post_message(HistoryLoaded("list", [], str(exc)))
            return
        self.post_message(HistoryListed(query, offset, entries, total))

    @on(HistoryListed)
    def _listed(self, message: HistoryListed) -> None:
        screen = self._history_screen()
        if screen is not None:
            screen.show_entries(message.query, message.offset, message.entries, message.total)

    @on(HistoryScreen.Deleted)
    def _deleted(self, message: HistoryScreen.Deleted) -> None:
        screen = self._history_screen()
        try:
            if self.history is not None and self.history.delete(message.entry_id):
                if screen is not None:
                    screen.removed(message.entry_id)
        except HistoryError as exc:
            self.notify(str(exc), severity="error")

    @on(HistoryScreen.Opened)
    def _open_entry(self, message: HistoryScreen.Opened) -> None:
        if self.history is not None:
            self._load(self.history, "open", (message.entry_id,))

    @on(HistoryScreen.DiffWanted)
    def _diff_entries(self, message: HistoryScreen.DiffWanted) -> None:
        if self.history is not None:
            self._load(self.history, "diff", (message.a, message.b))

    @work(thread=True, exclusive=True, group="history-load")
    def _load(self, history: History, purpose: str, ids: tuple[int, ...]) -> None:
        try:
            exchanges = [history.load(i) for i in ids]
        except KeyError as exc:
            self.post_message(HistoryLoaded(purpose, [], f"no history entry {exc}"))
            return
        except HistoryError as exc:
            self.post_message(HistoryLoaded(purpose, [], str(exc)))
            return
        self.post_message(HistoryLoaded(purpose, exchanges))

    @on(HistoryLoaded)
    def _loaded(self, message: HistoryLoaded) -> None:
        screen = self._history_screen()
        if message.error is not None:
            if screen is not None:
                screen.notify(message.error, severity="error")
            self._say(f"history: {message.error}", "red")
            return
        if screen is not None:
            screen.dismiss(None)
        if message.purpose == "open":
            exchange = message.exchanges[0]
            self.show_exchange(exchange)
            self._say(f"opened from the history: {exchange.spec.url}", "green")
        else:
            self.show_diff(message.exchanges[0], message.exchanges[1])

    # ------------------------------------------------------------ replay
    def action_replay(self) -> None:
        """Send the shown exchange's request again, as its spec."""
        self._replay("spec")

    def action_replay_bytes(self) -> None:
        """Send exactly the bytes the shown exchange sent."""
        self._replay("bytes")

    def action_replay_timing(self) -> None:
        """Send the same bytes in the same writes, with the same pauses."""
        self._replay("timing")

    def _replay(self, how: str) -> None:
        source = self.exchange
        if source is None:
            self._say("nothing to replay: send a request or open a history entry", "yellow")
            return
        try:
            options = self.query_one(RequestBuilder).options()
        except InputError as exc:
            self._say(f"cannot replay: {exc}", "red")
            return
        spec = source.spec
        if how != "spec":
            keep = how == "timing"
            from inspector.cli.saved import exact_replay  # the CLI's too: loads on first use

            spec, options = exact_replay(source, options, keep_timing=keep, meta=dict(spec.meta))
        self._replaying = (self.send_spec(spec, options), source)
        self._say(f"{REPLAYS[how]}: {spec.url} ...")

    def replay_finished(self, exchange: Exchange) -> None:
        """After an exchange is shown: if it was a replay, show its diff from the original."""
        pending = self._replaying
        if pending is None or pending[0] is not exchange.transcript:
            return
        self._replaying = None
        self.show_diff(pending[1], exchange)
