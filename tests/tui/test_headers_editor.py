"""The Headers tab's rows editor (issue 6) and the request-target field (issue 8), driven
by Pilot against the built-in server: what the rows say is exactly what arrives."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from textual.widgets import Input, TabbedContent, TextArea

from inspector.render.editable import editable_to_bytes
from inspector.server import ServerHandle
from inspector.tui.app import InspectorApp
from inspector.tui.builder import RequestBuilder
from inspector.tui.form import Form
from inspector.tui.headers_editor import HeadersEditor
from inspector.tui.safefields import visible
from inspector.tui.sidebar import NodeRef, Sidebar
from tests.tui.helpers import settle as _settle

SIZE = (120, 40)


async def _send(app: InspectorApp, pilot: object) -> tuple[bytes, list[list[str]]]:
    """Send; the bytes our client wrote, checked against what the server echoes having
    received, and the header fields the server parsed (wire order and case)."""
    await pilot.press("ctrl+j")  # type: ignore[attr-defined]
    await _settle(app, pilot)
    exchange = app.exchange
    assert exchange is not None and exchange.error is None
    doc = json.loads(exchange.response_body())
    received = base64.b64decode(doc["raw"]["base64"])
    assert received == exchange.transcript.sent.read()
    return received, doc["headers"][3:]  # after Host, User-Agent, Accept


def _raw_tab(app: InspectorApp) -> bytes:
    return editable_to_bytes(app.query_one("#raw", TextArea).text)


async def _headers_tab(app: InspectorApp, pilot: object) -> HeadersEditor:
    app.query_one("#request-tabs", TabbedContent).active = "tab-headers"
    await pilot.pause()  # type: ignore[attr-defined]
    return app.query_one("#headers", HeadersEditor)


async def test_add_disable_remove_rows_change_exactly_the_bytes_sent(
    server: ServerHandle,
) -> None:
    """Issue 6: rows added with the mouse and keys are sent in order with their case; an
    empty row is ignored; a disabled row stays in the form but is not sent; a removed
    row is gone. The Raw tab keeps in step, and equals what the server received."""
    app = InspectorApp(url=f"{server.url}/anything")
    async with app.run_test(size=SIZE) as pilot:
        editor = await _headers_tab(app, pilot)
        await pilot.click("#header-add")
        await pilot.press(*"X-First", "enter", "1", "enter")  # enter: to value, new row
        await pilot.press(*"x-MiXeD", "tab", *"Two words")
        await pilot.press("ctrl+n")  # left empty
        await pilot.pause()
        assert len(editor.rows) == 3 and app.focused is editor.rows[2].name_field
        sent, fields = await _send(app, pilot)
        assert fields == [["X-First", "1"], ["x-MiXeD", "Two words"]]
        assert sent.endswith(b"\r\nX-First: 1\r\nx-MiXeD: Two words\r\n\r\n")
        assert _raw_tab(app) == sent

        await pilot.click(editor.rows[0].enabled_box)
        await pilot.pause()
        form = app.query_one(RequestBuilder).form()
        assert form.headers == "# X-First: 1\nx-MiXeD: Two words"
        sent, fields = await _send(app, pilot)
        assert fields == [["x-MiXeD", "Two words"]]
        assert _raw_tab(app) == sent and b"X-First" not in sent

        await pilot.click(editor.rows[1].remove_button)
        await pilot.pause()
        assert [row.row for row in editor.rows] == [(False, "X-First", "1"), (True, "", "")]
        sent, fields = await _send(app, pilot)
        assert fields == [] and sent.endswith(b"\r\nAccept: */*\r\n\r\n")
        assert _raw_tab(app) == sent


async def test_bulk_edit_round_trip(server: ServerHandle) -> None:
    """Issue 6: bulk edit shows the rows as 'Name: value' lines ('#' for disabled); text
    pasted there comes back as rows and is sent in order; a line that rows cannot hold
    keeps the editor in bulk edit, and nothing is lost."""
    form = Form(url=f"{server.url}/anything", headers="X-A: 1\n# X-Off: 2")
    app = InspectorApp(form=form)
    async with app.run_test(size=SIZE) as pilot:
        editor = await _headers_tab(app, pilot)
        assert not editor.bulk and len(editor.rows) == 2
        await pilot.click("#headers-bulk")
        await pilot.pause()
        area = app.query_one("#headers-text", TextArea)
        assert editor.bulk and area.display and area.text == "X-A: 1\n# X-Off: 2"
        area.load_text("X-A: 1\n# X-Off: 2\nset-COOKIE: a=b\nx-empty:\n\nX-Last: z")
        await pilot.pause()
        bulk_raw = _raw_tab(app)
        await pilot.click("#headers-bulk")
        await pilot.pause()
        assert not editor.bulk and not area.display
        assert [row.row for row in editor.rows] == [
            (True, "X-A", "1"),
            (False, "X-Off", "2"),
            (True, "set-COOKIE", "a=b"),
            (True, "x-empty", ""),
            (True, "X-Last", "z"),
        ]
        sent, fields = await _send(app, pilot)
        assert sent == bulk_raw
        assert fields == [["X-A", "1"], ["set-COOKIE", "a=b"], ["x-empty", ""], ["X-Last", "z"]]

        await pilot.click("#headers-bulk")
        await pilot.pause()
        area.load_text("X-A: 1\nno colon here")
        await pilot.pause()
        await pilot.click("#headers-bulk")
        await pilot.pause()
        assert editor.bulk and area.text == "X-A: 1\nno colon here"
        assert "no colon" in str(app.query_one("#form-error").render())


async def test_rows_fit_and_work_at_80x24(server: ServerHandle) -> None:
    """At 80x24 the add button, a row's box, name, value and remove button are on screen
    and clickable; a control character in a value is sent as is but never drawn raw."""
    form = Form(url=f"{server.url}/anything", headers="X-Evil: a\x1b[31mb")
    app = InspectorApp(form=form)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await _headers_tab(app, pilot)
        row = editor.rows[0]
        for widget in (row.enabled_box, row.name_field, row.value_field, row.remove_button):
            region = widget.region
            assert region.width > 0 and region.bottom <= 24
        assert "\x1b" not in app.export_screenshot()
        spec, _ = app.query_one(RequestBuilder).request()
        assert (b"X-Evil", b"a\x1b[31mb") in spec.headers
        await pilot.click(row.remove_button)
        await pilot.pause()
        assert editor.rows == []
        await pilot.click("#header-add")
        await pilot.press(*"X-Small", "tab", "v")
        await pilot.pause()
        sent, fields = await _send(app, pilot)
        assert fields == [["X-Small", "v"]]


async def test_saved_request_target_star_is_sent(server: ServerHandle, tmp_path: Path) -> None:
    """Issue 8: a saved request with a request-target override opens with it in the
    Options tab and sends it: ``OPTIONS * HTTP/1.1``; saving keeps it in the file."""
    (tmp_path / "api.http").write_text(
        f"### star\n# @inspector-target *\nOPTIONS {server.url}/anything\nX-Case: Kept\n"
    )
    app = InspectorApp(collection=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        sidebar = app.query_one(Sidebar)
        sidebar.select(NodeRef("api.http", 0))
        sidebar.query_one("Tree").focus()
        await pilot.press("enter")
        await _settle(app, pilot)
        assert app.query_one("#request-target", Input).value == "*"
        await pilot.press("ctrl+j")
        await _settle(app, pilot)
        exchange = app.exchange
        assert exchange is not None and exchange.error is None
        sent = exchange.transcript.sent.read()
        assert sent.startswith(b"OPTIONS * HTTP/1.1\r\nHost: ")
        assert b"\r\nX-Case: Kept\r\n" in sent
        assert exchange.response is not None and exchange.response.status == 404

        absolute = f"{server.url}/anything/abs?q=1"
        app.query_one("#request-target", Input).value = absolute
        await pilot.pause()
        sent, _ = await _send(app, pilot)
        assert sent.startswith(f"OPTIONS {absolute} HTTP/1.1\r\n".encode())
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
    assert f"# @inspector-target {absolute}" in (tmp_path / "api.http").read_text()


def test_control_characters_are_drawn_as_stand_ins() -> None:
    """Fields draw C0/C1 controls, DEL and bidi/zero-width characters as visible stand-ins
    (tabs and ordinary text untouched); the text itself is not changed."""
    assert (
        visible("a\x1b[0mb\x7f\u202e\u200b\x9b\tc é") == "a\u241b[0mb\u2421\ufffd\ufffd\ufffd\tc é"
    )


async def test_body_field_draws_control_characters_as_stand_ins(server: ServerHandle) -> None:
    """An ESC sequence in a text body (from a saved file or a paste) is drawn as ␛ and
    sent as the byte it is."""
    form = Form(url=f"{server.url}/anything", method="POST", body="a\x1b[2Jb", body_kind="text")
    app = InspectorApp(form=form)
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one("#request-tabs", TabbedContent).active = "tab-body"
        await pilot.pause()
        shot = app.export_screenshot()
        assert "\x1b" not in shot and "\u241b[2Jb" in shot
        spec, _ = app.query_one(RequestBuilder).request()
        assert spec.body == b"a\x1b[2Jb"
