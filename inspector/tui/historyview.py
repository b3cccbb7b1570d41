"""The history screen: stored exchanges, newest first, searchable, a page at a time.

It does no I/O: the app gives it rows (:meth:`HistoryScreen.show_entries`) and it
posts what the user asks for. Enter opens an entry, space marks up to two
entries and ``d`` diffs them (or the marked one and the row under the cursor),
delete removes an entry. Moving onto the last row asks for the next page.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from inspector.render.escape import safe_text
from inspector.store.history import HistoryEntry

PAGE = 200
"""Rows asked for at a time."""


def entry_row(entry: HistoryEntry, marked: bool) -> tuple[Text, ...]:
    """The cells of one entry: mark, when, engine, method, URL or name, status, sizes, time."""
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry.created))
    if entry.status is not None:
        colour = {2: "green", 3: "blue", 4: "yellow"}.get(entry.status // 100, "red")
        status = Text(f"{entry.status} {safe_text(entry.reason)}", style=colour)
    else:
        status = Text(safe_text(entry.error_kind or "-"), style="red")
    target = safe_text(entry.url)
    if entry.name:
        target = f"{safe_text(entry.name)}  {target}"
    total = "-" if entry.total_time is None else f"{entry.total_time * 1000:.1f} ms"
    extra = f" +{entry.comparison_count}" if entry.comparison_count else ""
    return (
        Text("●" if marked else " ", style="bold yellow"),
        Text(when, style="dim"),
        Text(safe_text(entry.engine) + extra),
        Text(safe_text(entry.method), style="bold"),
        Text(target),
        status,
        Text(f"{entry.sent_size}/{entry.received_size}", style="dim"),
        Text(total, style="dim"),
        Text(str(entry.anomaly_count) if entry.anomaly_count else "", style="yellow"),
    )


class HistoryScreen(Screen[None]):
    """Browse the history; the app answers each message and fills the table."""

    class Wanted(Message):
        """Rows are wanted: a new search (offset 0) or the next page."""

        def __init__(self, query: str, offset: int) -> None:
            super().__init__()
            self.query = query
            self.offset = offset

    class Opened(Message):
        """Open this entry in the panels."""

        def __init__(self, entry_id: int) -> None:
            super().__init__()
            self.entry_id = entry_id

    class Deleted(Message):
        """Remove this entry from the history."""

        def __init__(self, entry_id: int) -> None:
            super().__init__()
            self.entry_id = entry_id

    class DiffWanted(Message):
        """Show the difference of entry B from entry A."""

        def __init__(self, a: int, b: int) -> None:
            super().__init__()
            self.a = a
            self.b = b

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("space", "mark", "Mark for diff"),
        Binding("d", "diff", "Diff marked"),
        Binding("delete", "delete", "Delete entry"),
        Binding("ctrl+f", "search", "Search"),
    ]
    DEFAULT_CSS = """
    HistoryScreen #history-info { height: 1; padding: 0 1; color: $text-muted; }
    HistoryScreen #history-table { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[HistoryEntry] = []
        """The rows loaded so far, newest first."""
        self.total = 0
        """How many entries match the search."""
        self.marked: list[int] = []
        """Entry ids marked for a diff (at most two)."""
        self._query = ""
        self._asked = False

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search URL, method, status, reason, name", id="history-search")
        yield Static("", id="history-info", markup=False)
        table: DataTable[Text] = DataTable(id="history-table", cursor_type="row")
        table.add_columns("", "When", "Engine", "Method", "URL", "Status", "Sent/recv", "Time", "!")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#history-table", DataTable).focus()
        self._ask(0)

    # ------------------------------------------------------------ attributes down
    def show_entries(
        self, query: str, offset: int, entries: Sequence[HistoryEntry], total: int
    ) -> None:
        """Rows from the app: a first page (offset 0) replaces the table, others extend it."""
        if query != self._query:
            return  # an answer to a search typed over since
        self._asked = False
        table: DataTable[Text] = self.query_one("#history-table", DataTable)
        if offset == 0:
            self.entries = []
            table.clear()
        elif offset != len(self.entries):
            return
        for entry in entries:
            self.entries.append(entry)
            table.add_row(*entry_row(entry, entry.id in self.marked), key=str(entry.id))
        self.total = total
        self._info()

    def removed(self, entry_id: int) -> None:
        """An entry was deleted: drop its row."""
        index = next((i for i, e in enumerate(self.entries) if e.id == entry_id), None)
        if index is None:
            return
        del self.entries[index]
        self.total = max(0, self.total - 1)
        if entry_id in self.marked:
            self.marked.remove(entry_id)
        self.query_one("#history-table", DataTable).remove_row(str(entry_id))
        self._info()

    def _info(self) -> None:
        shown = len(self.entries)
        marked = f"; {len(self.marked)} marked for diff" if self.marked else ""
        self.query_one("#history-info", Static).update(
            f"{shown} of {self.total} entries (enter opens, space marks, d diffs, "
            f"delete removes){marked}"
        )

    def _ask(self, offset: int) -> None:
        self._asked = True
        self.post_message(self.Wanted(self._query, offset))

    def _current(self) -> HistoryEntry | None:
        table = self.query_one("#history-table", DataTable)
        row = table.cursor_row
        return self.entries[row] if 0 <= row < len(self.entries) else None

    # ------------------------------------------------------------ messages up
    @on(Input.Changed, "#history-search")
    def _search(self, event: Input.Changed) -> None:
        self._query = event.value
        self._ask(0)

    @on(Input.Submitted, "#history-search")
    def _search_done(self) -> None:
        self.query_one("#history-table", DataTable).focus()

    @on(DataTable.RowHighlighted, "#history-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        at_end = event.cursor_row >= len(self.entries) - 1
        if at_end and len(self.entries) < self.total and not self._asked:
            self._ask(len(self.entries))

    @on(DataTable.RowSelected, "#history-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        entry = self._current()
        if entry is not None:
            self.post_message(self.Opened(entry.id))

    def action_close(self) -> None:
        """Back to the exchange."""
        self.dismiss(None)

    def action_search(self) -> None:
        """Focus the search field."""
        self.query_one("#history-search", Input).focus()

    def action_mark(self) -> None:
        """Mark or unmark the entry under the cursor for a diff (two at most)."""
        entry = self._current()
        if entry is None:
            return
        if entry.id in self.marked:
            self.marked.remove(entry.id)
        else:
            self.marked = [*self.marked[-1:], entry.id]
        table = self.query_one("#history-table", DataTable)
        for e in self.entries:
            cell = Text("●" if e.id in self.marked else " ", style="bold yellow")
            table.update_cell(str(e.id), table.ordered_columns[0].key, cell)
        self._info()

    def action_diff(self) -> None:
        """Diff the two marked entries (or the marked one and the one under the cursor)."""
        pair = list(self.marked)
        entry = self._current()
        if len(pair) == 1 and entry is not None and entry.id != pair[0]:
            pair.append(entry.id)
        if len(pair) != 2:
            self.notify("mark two entries with space, then press d", severity="warning")
            return
        older, newer = sorted(pair)
        self.post_message(self.DiffWanted(older, newer))

    def action_delete(self) -> None:
        """Remove the entry under the cursor from the history."""
        entry = self._current()
        if entry is not None:
            self.post_message(self.Deleted(entry.id))
