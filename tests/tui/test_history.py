"""History and replay in the TUI (issue 8), driven by Pilot: a ``tmp_path`` history, the
built-in server and real sockets. Storing, browsing, restoring, deleting, diffing entries,
replay as spec / byte for byte / with the original timing, and the damaged-database notice."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable, Input, TextArea

from inspector.model import EventKind
from inspector.render.editable import bytes_to_editable
from inspector.server import ServerHandle
from inspector.store.history import History
from inspector.tui.app import InspectorApp
from inspector.tui.diffview import DiffView
from inspector.tui.historyview import HistoryScreen
from inspector.tui.messages import HistoryStored
from inspector.tui.rawview import RawView
from inspector.tui.response import ResponsePanel
from tests.tui.helpers import settle as _settle

SIZE = (120, 40)


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    with History.open(tmp_path / "history.sqlite") as h:
        yield h


async def _send(app: InspectorApp, pilot: object) -> None:
    await pilot.press("ctrl+j")  # type: ignore[attr-defined]
    await _settle(app, pilot)


def _cells(table: DataTable[Text]) -> list[str]:
    return [
        cell.plain if isinstance(cell, Text) else str(cell)
        for row in range(table.row_count)
        for cell in table.get_row_at(row)
    ]


async def test_send_is_kept_and_an_entry_restores_the_panels(
    server: ServerHandle, history: History
) -> None:
    """Every finished exchange is stored (in a worker); f4 lists it, enter opens it and
    the parsed and raw panels show the stored exchange again."""
    seen: list[Message] = []
    app = InspectorApp(url=f"{server.url}/get?x=1", history=history)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _send(app, pilot)
        original = app.exchange
        assert original is not None
        stored = [m for m in seen if isinstance(m, HistoryStored)]
        assert len(stored) == 1 and stored[0].entry_id is not None and stored[0].error is None
        assert history.count() == 1
        sent = original.transcript.sent.read()
        received = original.transcript.received.read()
        app.query_one("#url", Input).value = f"{server.url}/status/404"
        await _send(app, pilot)
        assert history.count() == 2
        await pilot.press("f4")
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        assert [e.status for e in screen.entries] == [404, 200]  # newest first
        cells = _cells(screen.query_one("#history-table", DataTable))
        assert any("/status/404" in c for c in cells)
        await pilot.press("down", "enter")
        await _settle(app, pilot)
        assert not isinstance(app.screen, HistoryScreen)
        restored = app.exchange
        assert restored is not None and restored is not original
        assert restored.response is not None and restored.response.status == 200
        assert restored.transcript.sent.read() == sent
        assert restored.transcript.received.read() == received
        assert "HTTP/1.1 200 OK" in str(app.query_one("#resp-status").render())
        assert "inspector-test-server" in _cells(app.query_one("#resp-headers", DataTable))
        assert app.query_one(RawView).transcript is restored.transcript
        assert app.query_one(ResponsePanel).body_kind == "json"
        assert history.count() == 2  # opening an entry does not store it again


async def test_search_delete_and_diff_entries(server: ServerHandle, history: History) -> None:
    """The search field filters entries; delete removes one; space marks two and d
    shows their diff in the Diff tab."""
    app = InspectorApp(url=f"{server.url}/anything/alpha", history=history)
    async with app.run_test(size=SIZE) as pilot:
        await _send(app, pilot)
        app.query_one("#url", Input).value = f"{server.url}/anything/beta"
        await _send(app, pilot)
        app.query_one("#url", Input).value = f"{server.url}/anything/gamma"
        await _send(app, pilot)
        await pilot.press("f4")
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, HistoryScreen) and screen.total == 3
        screen.query_one("#history-search", Input).value = "beta"
        await _settle(app, pilot)
        assert [e.url.rsplit("/", 1)[1] for e in screen.entries] == ["beta"]
        screen.query_one("#history-search", Input).value = ""
        await _settle(app, pilot)
        assert screen.total == 3
        screen.query_one("#history-table", DataTable).focus()
        await pilot.press("delete")  # the newest: gamma
        await _settle(app, pilot)
        assert history.count() == 2 and screen.total == 2
        assert [e.url.rsplit("/", 1)[1] for e in screen.entries] == ["beta", "alpha"]
        await pilot.press("space", "down", "space", "d")
        await _settle(app, pilot)
        assert not isinstance(app.screen, HistoryScreen)
        pair = app.query_one(DiffView).pair
        assert pair is not None
        assert [ex.spec.url.rsplit("/", 1)[1] for ex in pair] == ["alpha", "beta"]
        assert app.query_one("#response-tabs").active == "tab-diff"  # type: ignore[attr-defined]


async def test_replay_byte_for_byte_sends_the_same_bytes(
    server: ServerHandle, history: History
) -> None:
    """f8 replays the exact bytes sent (odd whitespace, bare LF and all): the server's echo
    received the same bytes; the diff from the previous response is shown; both are kept."""
    raw = b"GET /anything/replay HTTP/1.1\nHost: x\r\nX-Odd:  spaced \r\nConnection: close\r\n\r\n"
    app = InspectorApp(url=f"{server.url}/anything/replay", history=history)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # the Raw tab's editor mounts just after the first frame
        app.query_one("#raw", TextArea).load_text(bytes_to_editable(raw))
        await pilot.pause()
        await _send(app, pilot)
        first = app.exchange
        assert first is not None and first.transcript.sent.read() == raw
        app.query_one("#raw", TextArea).load_text(bytes_to_editable(b"GET / HTTP/1.1\r\n\r\n"))
        await pilot.pause()  # the editor changed since: replay must not use it
        await pilot.press("f8")
        await _settle(app, pilot)
        second = app.exchange
        assert second is not None and second is not first
        assert second.transcript.sent.read() == raw
        echoed = json.loads(second.response_body())
        assert base64.b64decode(echoed["raw"]["base64"]) == raw
        pair = app.query_one(DiffView).pair
        assert pair is not None and pair[0] is first and pair[1] is second
        assert history.count() == 2


async def test_replay_spec_and_original_timing(server: ServerHandle, history: History) -> None:
    """f5 sends the shown exchange's spec again; f9 sends its bytes in the same writes."""
    app = InspectorApp(url=f"{server.url}/anything/timed?x=1", history=history)
    async with app.run_test(size=SIZE) as pilot:
        await _send(app, pilot)
        first = app.exchange
        assert first is not None
        await pilot.press("f5")
        await _settle(app, pilot)
        again = app.exchange
        assert again is not None and again is not first and again.spec == first.spec
        await pilot.press("f9")
        await _settle(app, pilot)
        timed = app.exchange
        assert timed is not None and timed.spec.raw == again.transcript.sent.read()
        writes = [e.size for e in timed.transcript.events if e.kind is EventKind.SEND]
        original = [e.size for e in again.transcript.events if e.kind is EventKind.SEND]
        assert writes == original
        assert history.count() == 3


async def test_replay_needs_an_exchange() -> None:
    """Replay before anything was sent says so in the status line."""
    app = InspectorApp(url="http://127.0.0.1:9/")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")
        await pilot.pause()
        assert "nothing to replay" in str(app.query_one("#statusline").render())


async def test_damaged_history_is_reported_at_start(tmp_path: Path) -> None:
    """A history file that is not a database is set aside (never deleted) and the notice
    is shown in the status line when the app starts."""
    path = tmp_path / "history.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with History.open(path) as history:
        assert history.notice is not None
        app = InspectorApp(url="http://127.0.0.1:9/", history=history)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert history.notice in str(app.query_one("#statusline").render())
    kept = [p for p in tmp_path.iterdir() if p.name != "history.sqlite"]
    assert any(p.read_bytes().startswith(b"this is not a database") for p in kept)


async def test_a_comparison_is_kept_with_its_engines(
    server: ServerHandle, history: History
) -> None:
    """ctrl+o: the comparison lands in the history as one entry carrying http.client and
    httpx, and loads back with their transcripts."""
    app = InspectorApp(url=f"{server.url}/json", history=history)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        for _ in range(4):
            await app.workers.wait_for_complete()
            await pilot.pause()
    [entry] = history.list()
    assert entry.comparison_count == 2
    loaded = history.load(entry.id)
    assert [c.engine for c in loaded.comparisons] == ["http.client", "httpx"]
    assert all(len(c.transcript.sent) > 0 for c in loaded.comparisons)


def test_a_released_transcript_stays_open_while_pinned() -> None:
    """release() while a worker holds a pin defers the close to the last unpin, so a
    spilled transcript is never freed under the history writer."""
    from inspector.model import Transcript
    from inspector.tui.transcripts import pin, release, unpin

    tr = Transcript(spill_threshold=8)
    tr.record_recv(b"0123456789abcdef", t=1.0)  # past the threshold: in a temporary file
    assert tr.received.spilled
    pin(tr)
    pin(tr)
    release(tr)
    assert tr.received.read() == b"0123456789abcdef"  # still readable
    unpin(tr)
    assert tr.received.read() == b"0123456789abcdef"
    unpin(tr)
    assert tr.received.read() == b""  # closed with the last pin
