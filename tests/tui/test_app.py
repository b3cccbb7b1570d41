"""The real app, driven by Pilot, against the built-in server and real sockets."""

from __future__ import annotations

import base64
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import DataTable, Input, TextArea

from inspector.model import ErrorKind
from inspector.render.editable import bytes_to_editable
from inspector.render.rawlayout import Mode
from inspector.server import ServerHandle
from inspector.tui.app import InspectorApp
from inspector.tui.builder import RequestBuilder, UrlInput
from inspector.tui.headers_editor import HeadersEditor
from inspector.tui.lines import LinesView
from inspector.tui.messages import ExchangeFinished
from inspector.tui.rawview import RawView
from inspector.tui.response import ResponsePanel

SIZE = (120, 40)


async def _send(app: InspectorApp, pilot: object) -> None:
    await pilot.press("ctrl+j")  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()  # the body worker
    await pilot.pause()  # type: ignore[attr-defined]


def _cells(table: DataTable[Text]) -> list[str]:
    return [
        cell.plain if isinstance(cell, Text) else str(cell)
        for row in range(table.row_count)
        for cell in table.get_row_at(row)
    ]


async def test_send_shows_status_headers_and_raw_bytes(server: ServerHandle) -> None:
    """ctrl+j sends; the status, headers exactly as received, body and raw rows appear."""
    seen: list[Message] = []
    app = InspectorApp(url=f"{server.url}/get?x=1")
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await _send(app, pilot)
        finished = [m for m in seen if isinstance(m, ExchangeFinished)]
        assert len(finished) == 1
        exchange = finished[0].exchange
        assert exchange.error is None and exchange.response is not None
        assert exchange.response.status == 200
        assert app.exchange is exchange
        cells = _cells(app.query_one("#resp-headers", DataTable))
        assert "Server" in cells and "inspector-test-server" in cells
        assert app.query_one(ResponsePanel).body_kind == "json"
        raw = app.query_one(RawView)
        assert raw.virtual_size.height > 10
        sent = exchange.transcript.sent.read()
        assert sent.startswith(b"GET /get?x=1 HTTP/1.1\r\nHost: ")
        assert "200 done" in str(app.query_one("#statusline").render())


async def test_query_tab_follows_the_url(server: ServerHandle) -> None:
    """Typing a query in the URL fills the Query tab, and the Raw tab shows the exact bytes."""
    app = InspectorApp(url=f"{server.url}/get")
    async with app.run_test(size=SIZE) as pilot:
        url = app.query_one("#url", UrlInput)
        url.value = f"{server.url}/get?a=1&b=2"
        await pilot.pause()
        assert app.query_one("#query", TextArea).text == "a=1\nb=2"
        raw = app.query_one("#raw", TextArea).text
        assert raw.startswith("GET /get?a=1&b=2 HTTP/1.1\\r\\n\n")


async def test_refused_connection_is_an_outcome(server: ServerHandle) -> None:
    """A refused connection shows as a status, not a crash; the app keeps working."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = InspectorApp(url=f"http://127.0.0.1:{port}/")
    async with app.run_test(size=SIZE) as pilot:
        await _send(app, pilot)
        assert app.exchange is not None and app.exchange.error is not None
        assert app.exchange.error.kind is ErrorKind.REFUSED
        assert "refused" in str(app.query_one("#statusline").render())
        status = app.query_one("#resp-status").render()
        assert "connection refused" in str(status)


async def test_cancel_keeps_what_arrived(server: ServerHandle) -> None:
    """Esc during a slow response cancels it; the bytes that arrived stay visible."""
    app = InspectorApp(url=f"{server.url}/drip?duration=5&numbytes=5")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+j")
        await pilot.pause(0.5)
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        exchange = app.exchange
        assert exchange is not None and exchange.error is not None
        assert exchange.error.kind is ErrorKind.CANCELLED
        assert len(exchange.transcript.sent) > 0


async def test_escape_endpoint_renders_harmlessly(server: ServerHandle) -> None:
    """Terminal escapes and Rich markup from the network are shown as text, never acted on."""
    app = InspectorApp(url=f"{server.url}/escape")
    async with app.run_test(size=SIZE) as pilot:
        await _send(app, pilot)
        resp = app.exchange.response if app.exchange else None
        assert resp is not None and any(b"\x1b" in h.value for h in resp.headers)
        cells = _cells(app.query_one("#resp-headers", DataTable))
        assert any("\\x1b" in c for c in cells)
        assert not any("\x1b" in c or "\x07" in c for c in cells)
        lines = app.query_one(LinesView).lines
        assert lines and not any("\x1b" in line for line in lines)
        for tab in ("tab-response", "tab-raw-bytes"):
            app.query_one("#response-tabs").active = tab  # type: ignore[attr-defined]
            await pilot.pause()
            screen = app.export_screenshot()
            assert "\x1b" not in screen and "\x07" not in screen
        assert "[bold red]" in "".join(_cells(app.query_one("#resp-headers", DataTable))) or any(
            "[bold" in line for line in lines
        )


async def test_raw_mode_sends_exact_bytes(server: ServerHandle) -> None:
    """Editing the Raw tab switches to raw mode; those bytes, bare LF included, are sent exactly."""
    raw = b"GET /anything/raw HTTP/1.1\nHost: x\r\nX-Odd:  spaced \r\nConnection: close\r\n\r\n"
    app = InspectorApp(url=f"{server.url}/anything")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # the Raw tab's editor mounts just after the first frame
        area = app.query_one("#raw", TextArea)
        area.load_text(bytes_to_editable(raw))
        await pilot.pause()
        assert app.query_one(RequestBuilder).raw_mode
        await _send(app, pilot)
        exchange = app.exchange
        assert exchange is not None and exchange.spec.raw == raw
        assert exchange.transcript.sent.read() == raw
        echoed = json.loads(exchange.response_body())
        assert base64.b64decode(echoed["raw"]["base64"]) == raw


async def test_update_content_length_in_raw_mode(server: ServerHandle) -> None:
    """The Update Content-Length action fixes only the length of a raw request."""
    raw = b"POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nhello"
    app = InspectorApp(url=f"{server.url}/post")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # the Raw tab's editor mounts just after the first frame
        app.query_one("#request-tabs").active = "tab-raw"  # type: ignore[attr-defined]
        app.query_one("#raw", TextArea).load_text(bytes_to_editable(raw))
        await pilot.pause()
        await pilot.click("#fix-length")
        await pilot.pause()
        await _send(app, pilot)
        assert app.exchange is not None
        assert app.exchange.transcript.sent.read() == raw.replace(b"Length: 1", b"Length: 5")


async def test_curl_paste_fills_the_builder(server: ServerHandle) -> None:
    """Pasting a curl command into the URL field fills method, URL, headers and body."""
    app = InspectorApp(url=f"{server.url}/get")
    async with app.run_test(size=SIZE) as pilot:
        command = f"curl -X PUT '{server.url}/put' -H 'X-From: curl' --data-raw 'hello'"
        app.query_one("#url", UrlInput).post_message(events.Paste(command))
        await pilot.pause()
        assert app.query_one("#method", Input).value == "PUT"
        assert app.query_one("#url", Input).value == f"{server.url}/put"
        editor = app.query_one("#headers", HeadersEditor)
        assert (True, "X-From", "curl") in [row.row for row in editor.rows]
        await _send(app, pilot)
        sent = app.exchange.transcript.sent.read() if app.exchange else b""
        assert sent.startswith(b"PUT /put HTTP/1.1") and sent.endswith(b"\r\n\r\nhello")


async def test_hex_mode_and_search(server: ServerHandle) -> None:
    """ctrl+t switches the raw panel to hex rows; search finds bytes and highlights them."""
    app = InspectorApp(url=f"{server.url}/get")
    async with app.run_test(size=SIZE) as pilot:
        await _send(app, pilot)
        raw = app.query_one(RawView)
        text_rows = raw.virtual_size.height
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert raw.mode is Mode.HEX and raw.virtual_size.height != text_rows
        await pilot.press("ctrl+f")
        search = app.query_one("#raw-search", Input)
        search.value = "0x0d0a0d0a"
        await pilot.press("enter")
        await pilot.pause()
        assert raw.match is not None
        direction, start, end = raw.match
        stream = app.exchange.transcript.sent if direction.value == "send" else None
        assert stream is not None and stream.read(start, end) == b"\r\n\r\n"


async def test_invalid_url_is_reported_not_sent() -> None:
    """An unusable URL is one line in the status bar; nothing is sent."""
    app = InspectorApp(url="notaurl")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert app.exchange is None
        assert "cannot send" in str(app.query_one("#statusline").render())


class _BigJson(BaseHTTPRequestHandler):
    body = json.dumps([{"id": i, "name": f"item {i}", "tags": ["a", "b"]} for i in range(180_000)])

    def do_GET(self) -> None:
        data = self.body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


async def test_ten_mib_json_response() -> None:
    """A ~10 MiB JSON body arrives, is shown whole as text at once, then pretty-printed;
    its raw bytes are indexed."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _BigJson)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        app = InspectorApp(url=f"http://127.0.0.1:{httpd.server_address[1]}/")
        seen: list[Message] = []
        async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
            await _send(app, pilot)
            exchange = app.exchange
            assert exchange is not None and exchange.error is None
            assert exchange.response is not None and exchange.response.body_size > 9_000_000
            panel = app.query_one(ResponsePanel)
            # Above 2 MiB, JSON is shown as escaped text at once, then pretty-printed
            # in the same worker; the pretty lines replace the text when ready.
            first = [m for m in seen if isinstance(m, ResponsePanel.BodyShown)]
            assert first and first[0].kind == "text"
            assert panel.body_kind == "json"
            info = str(app.query_one("#resp-body-info").render())
            assert info.startswith("body: json") and "pretty-printing" not in info
            lines = app.query_one(LinesView).lines
            assert lines[:3] == ["[", "  {", '    "id": 0,']
            assert json.loads("".join(lines)) == json.loads(_BigJson.body)
            app.query_one("#response-tabs").active = "tab-raw-bytes"  # type: ignore[attr-defined]
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.query_one(RawView).virtual_size.height > 1000
    finally:
        httpd.shutdown()
        httpd.server_close()


async def test_file_body_is_sent(server: ServerHandle, tmp_path: object) -> None:
    """Body kind 'file' shows a path field, and the file's bytes are the body sent."""
    from pathlib import Path

    from textual.widgets import Select

    path = Path(str(tmp_path)) / "body.bin"
    path.write_bytes(b"\x00\x01binary\xff")
    app = InspectorApp(url=f"{server.url}/post")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # the Body tab's fields mount just after the first frame
        app.query_one("#method", Input).value = "POST"
        app.query_one("#body-kind", Select).value = "file"
        await pilot.pause()
        field = app.query_one("#body-file", Input)
        assert field.display and not app.query_one("#body", TextArea).display
        field.value = str(path)
        await pilot.pause()
        await _send(app, pilot)
        sent = app.exchange.transcript.sent.read() if app.exchange else b""
        assert sent.endswith(b"\r\n\r\n\x00\x01binary\xff")
        assert b"Content-Length: 9\r\n" in sent


async def test_actions_are_in_the_command_palette(server: ServerHandle) -> None:
    """The palette lists our actions next to Textual's own."""
    app = InspectorApp(url=f"{server.url}/get")
    async with app.run_test(size=SIZE):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Send", "Cancel", "Raw: text / hex", "Search raw bytes"):
            assert title in titles


async def test_a_request_sent_or_loaded_before_the_hidden_tabs_mount_is_whole(
    server: ServerHandle,
) -> None:
    """The Headers, Body, Auth, Options and Raw tabs mount just after the first frame. A
    send before that (autostart) uses every field of the form; a form loaded before that
    shows in those tabs once they are there, Select fields included."""
    from textual.widgets import Checkbox, Select

    from inspector.tui.form import Form

    form = Form(
        method="PUT",
        url=f"{server.url}/anything/early",
        headers="X-Early: 1",
        body_kind="json",
        body='{"a": 1}',
        auth_kind="bearer",
        auth_token="t0k",
    )
    app = InspectorApp(form=form, autostart=True)
    async with app.run_test(size=SIZE) as pilot:
        await _send_done(app, pilot)
        exchange = app.exchange
        assert exchange is not None and exchange.error is None
        sent = exchange.transcript.sent.read()
        assert sent.startswith(b"PUT /anything/early HTTP/1.1\r\n")
        for part in (b"X-Early: 1\r\n", b"Authorization: Bearer t0k\r\n", b'\r\n\r\n{"a": 1}'):
            assert part in sent

    later = Form(url=f"{server.url}/post", method="POST", body_kind="form", body="k=v")
    app = InspectorApp(url=f"{server.url}/get")
    async with app.run_test(size=SIZE) as pilot:
        assert not app.query("#body-kind")  # not mounted yet
        app.query_one(RequestBuilder).load(later, verify=False)
        await pilot.pause()
        await pilot.pause()
        assert app.query_one("#body-kind", Select).value == "form"
        assert app.query_one("#body", TextArea).text == "k=v"
        assert not app.query_one("#verify", Checkbox).value
        spec, options = app.query_one(RequestBuilder).request()
        assert spec.method == b"POST" and spec.body == b"k=v" and not options.verify


async def _send_done(app: InspectorApp, pilot: object) -> None:
    for _ in range(5):
        await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]
        if app.exchange is not None:
            return
