"""Inspection depth (issue 7), driven by Pilot: fields <-> bytes, framing marks, timing,
connection, compare and diff views, against the built-in server and real sockets."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.message import Message
from textual.widgets import Checkbox, DataTable, TabbedContent

from inspector.model import EventKind
from inspector.render.fieldmap import RegionKind
from inspector.render.rawlayout import Mode
from inspector.server import ServerHandle
from inspector.tui.app import InspectorApp
from inspector.tui.builder import UrlInput
from inspector.tui.compareview import CompareView
from inspector.tui.connview import ConnectionView
from inspector.tui.diffview import DiffView
from inspector.tui.framing import CHUNK_ROWS
from inspector.tui.rawdecor import SPAN_STYLE
from inspector.tui.rawview import RawView
from inspector.tui.response import ResponsePanel
from inspector.tui.timingview import TimingView

SIZE = (120, 40)


async def _settle(app: InspectorApp, pilot: object) -> None:
    for _ in range(2):
        await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]


async def _send(app: InspectorApp, pilot: object, url: str | None = None) -> None:
    if url is not None:
        app.query_one("#url", UrlInput).value = url
        await pilot.pause()  # type: ignore[attr-defined]
    await pilot.press("ctrl+j")  # type: ignore[attr-defined]
    await _settle(app, pilot)


def _raw_rows(raw: RawView) -> list[str]:
    return [raw.row_text(i).plain for i in range(raw.virtual_size.height)]


def _cells(table: DataTable[Text]) -> list[list[str]]:
    return [
        [c.plain if isinstance(c, Text) else str(c) for c in table.get_row_at(r)]
        for r in range(table.row_count)
    ]


def _lit(text: Text) -> str:
    """The characters drawn with the selected-span background."""
    return "".join(
        text.plain[s.start : s.end]
        for s in text.spans
        if isinstance(s.style, Style) and s.style.bgcolor == SPAN_STYLE.bgcolor
    )


def _tab(app: InspectorApp, tab: str) -> None:
    app.query_one("#response-tabs", TabbedContent).active = tab


async def test_header_row_highlights_its_bytes(server: ServerHandle) -> None:
    """Moving to a header row highlights exactly its bytes; enter shows them in the Raw tab."""
    seen: list[Message] = []
    app = InspectorApp(url=f"{server.url}/get")
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _send(app, pilot)
        resp = app.exchange.response if app.exchange else None
        assert resp is not None
        table = app.query_one("#resp-headers", DataTable)
        table.focus()
        await pilot.press("down", "down")
        await pilot.pause()
        raw = app.query_one(RawView)
        header = resp.headers[2]
        assert raw.span == header.span
        spans = [m for m in seen if isinstance(m, ResponsePanel.SpanSelected)]
        assert spans and not spans[-1].jump
        assert app.query_one("#response-tabs", TabbedContent).active == "tab-response"
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one("#response-tabs", TabbedContent).active == "tab-raw-bytes"
        assert raw.has_focus and raw.cursor == (EventKind.RECV, header.start)
        row = raw.cursor_row
        assert row is not None
        top = round(raw.scroll_offset.y)
        assert top <= row < top + raw.scrollable_content_region.height
        assert header.name.decode() in raw.row_text(row).plain
        # The highlight is drawn on exactly the header's bytes.
        assert _lit(raw.row_text(row)).startswith(header.name.decode())


async def test_status_line_and_body_rows_select_their_bytes(server: ServerHandle) -> None:
    """The framing table selects the status line and the body by their spans."""
    app = InspectorApp(url=f"{server.url}/get")
    async with app.run_test(size=SIZE) as pilot:
        await _send(app, pilot)
        resp = app.exchange.response if app.exchange else None
        assert resp is not None
        panel = app.query_one(ResponsePanel)
        parts = [r.part for r in panel.frame_rows]
        assert parts[:2] == ["status line", "head"] and "body" in parts
        framing = app.query_one("#resp-framing", DataTable)
        framing.focus()
        await pilot.pause()
        framing.move_cursor(row=parts.index("body"))
        await pilot.pause()
        raw = app.query_one(RawView)
        assert raw.span == (resp.body_spans[0][0], resp.body_spans[-1][1])
        framing.move_cursor(row=0)
        await pilot.pause()
        assert raw.span == resp.status_line_span


async def test_raw_cursor_names_field_offset_and_read(server: ServerHandle) -> None:
    """Moving the raw cursor shows the field of the byte, its offset, its read and time."""
    app = InspectorApp(url=f"{server.url}/get")
    async with app.run_test(size=SIZE) as pilot:
        await _send(app, pilot)
        _tab(app, "tab-raw-bytes")
        raw = app.query_one(RawView)
        raw.focus()
        await pilot.pause()
        await pilot.press("home")
        await pilot.pause()
        line = str(app.query_one("#raw-cursor").render())
        assert raw.cursor == (EventKind.SEND, 0)
        assert "request byte 0" in line and "write 1 of" in line
        await pilot.press("end")
        await pilot.pause()
        line = str(app.query_one("#raw-cursor").render())
        assert raw.cursor is not None and raw.cursor[0] is EventKind.RECV
        assert "body" in line and "read " in line and "+0." in line
        resp = app.exchange.response if app.exchange else None
        assert resp is not None
        raw.move_cursor(EventKind.RECV, resp.headers[0].start + 1)
        await pilot.pause()
        line = str(app.query_one("#raw-cursor").render())
        name = resp.headers[0].name.decode()
        assert f"header: {name}" in line and f"offset {resp.headers[0].start + 1}" in line
        await pilot.press("left", "left")
        await pilot.pause()
        assert raw.cursor == (EventKind.RECV, resp.headers[0].start - 1)
        assert "status-line" in str(app.query_one("#raw-cursor").render())
        await pilot.press("down")
        await pilot.pause()
        assert raw.cursor is not None and raw.cursor[1] > resp.headers[0].start
        # The same in hex mode: the cursor stays on its byte.
        before = raw.cursor
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert raw.mode is Mode.HEX and raw.cursor == before
        await pilot.press("right")
        await pilot.pause()
        assert raw.cursor is not None and raw.cursor[1] == before[1] + 1
        await pilot.press("enter")
        await pilot.pause()
        region = raw.field_map.at(raw.cursor[1]) if raw.field_map else None
        assert region is not None and raw.span == (region.start, region.end)


async def test_chunked_rows_and_marks(server: ServerHandle) -> None:
    """A chunked body lists its chunks and trailers; the raw rows mark chunk boundaries."""
    app = InspectorApp(url=f"{server.url}/chunked/extensions-trailers")
    async with app.run_test(size=SIZE) as pilot:
        await _send(app, pilot)
        resp = app.exchange.response if app.exchange else None
        assert resp is not None and len(resp.chunks) == 3
        rows = _cells(app.query_one("#resp-framing", DataTable))
        parts = [r[0] for r in rows]
        assert ["chunk 1", "chunk 2", "last chunk", "trailers"] == [
            p for p in parts if p.startswith(("chunk", "last", "trailers"))
        ]
        assert any("5;ext=1" in r[1] for r in rows)
        panel = app.query_one(ResponsePanel)
        c = resp.chunks[1]
        chunk2 = parts.index("chunk 2")
        assert (panel.frame_rows[chunk2].start, panel.frame_rows[chunk2].end) == (
            c.line_start,
            c.data_start,
        )
        framing = app.query_one("#resp-framing", DataTable)
        framing.focus()
        await pilot.pause()
        framing.move_cursor(row=parts.index("trailers"))
        await pilot.pause()
        raw = app.query_one(RawView)
        fm = raw.field_map
        assert fm is not None and raw.span == fm.span_of(RegionKind.TRAILER)
        text = "\n".join(_raw_rows(raw))
        for mark in ("◀ chunk 1: 5 bytes", "◀ chunk 2: 7 bytes", "◀ last chunk (size 0)"):
            assert mark in text
        assert "◀ end of chunked body: 12 bytes in 2 chunks" in text
        assert "◀ end of head" in text
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert "◀ chunk 2: 7 bytes" in "\n".join(_raw_rows(raw))


async def test_many_chunks_are_capped(server: ServerHandle) -> None:
    """Thousands of chunks: the first 1000 get a row each, one row counts the rest."""
    app = InspectorApp(url=f"{server.url}/stream/1500")
    async with app.run_test(size=SIZE) as pilot:
        await _send(app, pilot)
        panel = app.query_one(ResponsePanel)
        chunks = [r for r in panel.frame_rows if r.part.startswith("chunk ")]
        assert len(chunks) == CHUNK_ROWS
        more = [r for r in panel.frame_rows if r.part == "..."]
        assert len(more) == 1 and more[0].value.startswith("500 more chunks")


async def test_truncated_body_is_marked_missing(server: ServerHandle) -> None:
    """A body shorter than its Content-Length is marked where the bytes stopped."""
    app = InspectorApp(url=f"{server.url}/truncated")
    async with app.run_test(size=SIZE) as pilot:
        await _send(app, pilot)
        panel = app.query_one(ResponsePanel)
        missing = [r for r in panel.frame_rows if r.part == "missing"]
        assert missing and "(60 missing)" in missing[0].value
        raw = app.query_one(RawView)
        text = "\n".join(_raw_rows(raw))
        assert "◀ Content-Length says 100 bytes; 40 arrived (60 missing)" in text
        assert "⚠ incomplete-body" in text


async def test_timing_tab_draws_the_waterfall(server: ServerHandle) -> None:
    """The Timing tab has a bar for each phase that happened and a sparkline of the reads."""
    app = InspectorApp(url=f"{server.url}/get")
    async with app.run_test(size=SIZE) as pilot:
        await _send(app, pilot)
        _tab(app, "tab-timing")
        await pilot.pause()
        view = app.query_one(TimingView)
        phases = [b.phase for b in view.bars]
        assert phases[:2] == ["connect", "send"] or "connect" in phases
        assert "wait" in phases and "receive" in phases
        assert all(b.end_col > b.start_col for b in view.bars)
        assert view.spark is not None and any(view.spark.buckets)
        plain = view.text.plain
        assert "█" in plain and "recv() calls" in plain and "total" in plain


async def test_connection_tab_new_then_reused(server: ServerHandle) -> None:
    """The Connection tab names both ends; a second send says the connection was reused."""
    app = InspectorApp(url=f"{server.url}/get")
    async with app.run_test(size=SIZE) as pilot:
        await _send(app, pilot)
        view = app.query_one(ConnectionView)
        conn = app.exchange.connection if app.exchange else None
        assert conn is not None
        assert conn.remote in view.text.plain and conn.local in view.text.plain
        assert "new (opened for this)" in view.text.plain
        assert "TLS" in view.text.plain and "SSLKEYLOGFILE" in view.text.plain
        await _send(app, pilot)
        assert "reused (opened by an earlier exchange)" in view.text.plain


async def test_compare_shows_three_columns_and_toggles(server: ServerHandle) -> None:
    """ctrl+o runs the three engines; the columns show each; m switches the diff mode."""
    app = InspectorApp(url=f"{server.url}/get")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await _settle(app, pilot)
        view = app.query_one(CompareView)
        assert app.query_one("#response-tabs", TabbedContent).active == "tab-compare"
        assert [ex.engine for ex in view.exchanges] == ["inspector", "http.client", "httpx"]
        assert len(view.texts) == 3
        for text, engine in zip(view.texts, ("inspector", "http.client", "httpx"), strict=True):
            plain = text.plain
            assert plain.startswith(engine) and "parsed" in plain
            assert "GET /get HTTP/1.1\\r\\n" in plain and "200 OK" in plain
        assert not view.structural and view.comparison is not None
        byte_counts = list(view.highlighted)
        view.query_one("#compare-col-0").focus()
        await pilot.press("m")
        await pilot.pause()
        assert view.structural and "structural diff" in view.info.plain
        assert view.comparisons is not None and view.comparison is view.comparisons[1]
        assert sum(view.highlighted) <= sum(byte_counts)
        await pilot.press("m")
        await pilot.pause()
        assert not view.structural and view.highlighted == byte_counts


async def test_diff_with_previous(server: ServerHandle) -> None:
    """Two sends of /json are the same (Date ignored); /status/200 then 404 differ in status.

    (/get is not: its echo counts the requests on the connection, and the diff says so.)
    """
    app = InspectorApp(url=f"{server.url}/json")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert "send at least twice" in str(app.query_one("#statusline").render())
        await _send(app, pilot)
        await _send(app, pilot)
        await pilot.press("ctrl+g")
        await _settle(app, pilot)
        view = app.query_one(DiffView)
        assert view.diff is not None and view.diff.same
        assert view.text.plain.splitlines()[3].startswith("same")
        assert app.query_one("#response-tabs", TabbedContent).active == "tab-diff"
        box = app.query_one("#diff-ignore", Checkbox)
        box.value = False
        await _settle(app, pilot)
        assert view.diff is not None and not view.diff.ignored
        box.value = True
        await _settle(app, pilot)
        await _send(app, pilot, f"{server.url}/status/200")
        await _send(app, pilot, f"{server.url}/status/404")
        await pilot.press("ctrl+g")
        await _settle(app, pilot)
        assert view.diff is not None and not view.diff.same
        kinds = [c.kind.value for c in view.diff.changes]
        assert "status" in kinds
        assert "404" in view.text.plain and "different" in view.text.plain


async def test_show_diff_of_any_two(server: ServerHandle) -> None:
    """show_diff compares any two exchanges (what the history uses)."""
    app = InspectorApp(url=f"{server.url}/status/201")
    async with app.run_test(size=SIZE) as pilot:
        await _send(app, pilot)
        first = app.exchange
        await _send(app, pilot, f"{server.url}/status/202")
        second = app.exchange
        assert first is not None and second is not None
        app.show_diff(second, first)
        await _settle(app, pilot)
        view = app.query_one(DiffView)
        assert view.pair == (second, first)
        assert view.diff is not None and "status" in [c.kind.value for c in view.diff.changes]


async def test_network_escapes_stay_escaped_in_every_view(server: ServerHandle) -> None:
    """Escape sequences and Rich markup from the server are shown as text in the new views."""
    app = InspectorApp(url=f"{server.url}/escape")
    async with app.run_test(size=SIZE) as pilot:
        await _send(app, pilot)
        await pilot.press("ctrl+o")
        await _settle(app, pilot)
        await _send(app, pilot, f"{server.url}/get")
        await pilot.press("ctrl+g")
        await _settle(app, pilot)
        raw = app.query_one(RawView)
        compare = app.query_one(CompareView)
        texts = {
            "raw": "\n".join(_raw_rows(raw)),
            "compare": "\n".join(t.plain for t in compare.texts),
            "diff": app.query_one(DiffView).text.plain,
            "timing": app.query_one(TimingView).text.plain,
            "connection": app.query_one(ConnectionView).text.plain,
        }
        for name, plain in texts.items():
            assert "\x1b" not in plain and "\x07" not in plain and "\x9b" not in plain, name
        assert "\\x1b[31m" in texts["compare"] and "[bold red]not markup" in texts["compare"]
        assert "\\x1b[31m" in texts["diff"] and "[bold red]" in texts["diff"]
        for tab in ("tab-raw-bytes", "tab-timing", "tab-connection", "tab-compare", "tab-diff"):
            _tab(app, tab)
            await pilot.pause()
            screen = app.export_screenshot()
            assert "\x1b" not in screen and "\x07" not in screen, tab
        # The raw view of /escape itself, with its framing and anomaly marks.
        await _send(app, pilot, f"{server.url}/escape")
        rows = "\n".join(_raw_rows(raw))
        assert "\x1b" not in rows and "\\x1b]0;inspector was here\\x07" in rows
        assert "⚠ ctl-in-value" in rows
        framing = "\n".join(r.value for r in app.query_one(ResponsePanel).frame_rows)
        assert "\x1b" not in framing


async def test_inspection_commands_in_palette(server: ServerHandle) -> None:
    """The palette lists compare and diff next to the other actions."""
    app = InspectorApp(url=f"{server.url}/get")
    async with app.run_test(size=SIZE):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in (
            "Compare engines",
            "Compare: byte / structural diff",
            "Diff with previous exchange",
            "Send",
        ):
            assert title in titles


async def test_toggling_text_and_hex_keeps_each_modes_index(server: ServerHandle) -> None:
    """ctrl+t twice comes back to the same text index (resumed, not rebuilt from zero)."""
    app = InspectorApp(url=f"{server.url}/get")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+j")
        await app.workers.wait_for_complete()
        await pilot.pause()
        raw = app.query_one(RawView)
        text_layout = raw._layout
        assert raw.mode is Mode.TEXT and text_layout is not None
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert raw.mode is Mode.HEX and raw._layout is not text_layout
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert raw.mode is Mode.TEXT and raw._layout is text_layout


async def test_an_exchange_shown_before_the_hidden_tabs_mount_reaches_them(
    server: ServerHandle,
) -> None:
    """The Anomalies, Timing, Connection, Compare and Diff views mount just after the
    first frame; an exchange shown before that (a fast local server) reaches them then."""
    from inspector.model import RequestSpec
    from inspector.net import Client
    from inspector.tui.connview import connection_text
    from inspector.wire.serialize import with_default_headers

    with Client() as client:
        exchange = client.send(with_default_headers(RequestSpec(url=f"{server.url}/duplicate-cl")))
    assert exchange.anomalies
    app = InspectorApp(url=f"{server.url}/get")
    async with app.run_test(size=SIZE) as pilot:
        assert not app.query(TimingView) and not app.query(DiffView)  # not mounted yet
        app.show_exchange(exchange)
        app.action_diff_volatile()  # a key for the Diff tab before it is there
        await _settle(app, pilot)
        assert app.query_one(TimingView).exchange is exchange
        assert app.query_one(ConnectionView).text == connection_text(exchange, None)
        table = app.query_one("#anomalies", DataTable)
        assert table.row_count == len(exchange.anomalies)
        assert not app.query_one("#diff-ignore", Checkbox).value  # toggled from on, once
