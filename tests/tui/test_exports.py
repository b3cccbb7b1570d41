"""Exports in the TUI (issue 8), driven by Pilot: curl and Python with their caveats,
HAR and raw bytes saved atomically, secrets kept out unless asked for."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Checkbox, Select, Static, TextArea

from inspector.render.editable import bytes_to_editable
from inspector.server import ServerHandle
from inspector.tui.app import InspectorApp
from inspector.tui.exportview import ExportScreen
from inspector.tui.sidebar import NodeRef
from tests.tui.helpers import settle as _settle

SIZE = (120, 40)


async def test_curl_export_shows_its_caveats(server: ServerHandle, tmp_path: Path) -> None:
    """A raw request with a bare LF cannot be sent by curl as it is: the export modal shows
    the command and says so; the Python socket export has no such caveat."""
    raw = b"GET /anything/x HTTP/1.1\nHost: x\r\n\r\n"
    app = InspectorApp(url=f"{server.url}/anything/x", export_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # the Raw tab's editor mounts just after the first frame
        app.query_one("#raw", TextArea).load_text(bytes_to_editable(raw))
        await pilot.pause()
        await pilot.press("f10")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen) and screen.format == "curl"
        text = screen.query_one("#export-text", TextArea).text
        assert text.startswith("curl ") and "/anything/x" in text
        assert screen.rendered is not None and screen.rendered.caveats
        caveats = str(screen.query_one("#export-caveats", Static).render())
        assert screen.rendered.caveats[0][:40] in caveats
        screen.query_one("#export-format", Select).value = "socket"
        await pilot.pause()
        assert "import socket" in screen.query_one("#export-text", TextArea).text
        assert not screen.rendered.caveats


async def test_har_and_raw_exports_are_saved(server: ServerHandle, tmp_path: Path) -> None:
    """HAR export writes valid HAR JSON with the exchange as an entry (its losses listed);
    raw sent bytes are written exactly; both land in the export folder, atomically."""
    app = InspectorApp(url=f"{server.url}/get?x=1", export_dir=tmp_path / "exports")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+j")
        await _settle(app, pilot)
        exchange = app.exchange
        assert exchange is not None
        app.action_export("har")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen) and screen.format == "har"
        assert screen.rendered is not None and screen.rendered.caveats  # HAR loses timing
        await pilot.click("#export-save")
        await _settle(app, pilot)
        assert "saved" in str(screen.query_one("#export-result", Static).render())
        screen.query_one("#export-format", Select).value = "sent"
        await _settle(app, pilot)
        assert screen.format == "sent"
        await pilot.click("#export-save")
        await _settle(app, pilot)
        assert "sent.bin" in str(screen.query_one("#export-result", Static).render())
    doc = json.loads((tmp_path / "exports" / "exchange.har").read_text())
    entries = doc["log"]["entries"]
    assert doc["log"]["version"] == "1.2" and len(entries) == 1
    assert entries[0]["request"]["url"] == f"{server.url}/get?x=1"
    assert entries[0]["response"]["status"] == 200
    assert (tmp_path / "exports" / "sent.bin").read_bytes() == exchange.transcript.sent.read()
    assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == ["exchange.har", "sent.bin"]


async def test_secrets_stay_out_of_exports_unless_asked(
    server: ServerHandle, tmp_path: Path
) -> None:
    """A secret from the private env file is a {{name}} placeholder in curl and HAR
    exports; ticking "include secrets" puts the value in."""
    host = server.url.split("://")[1]
    (tmp_path / "http-client.env.json").write_text(json.dumps({"dev": {"host": host}}))
    (tmp_path / "http-client.private.env.json").write_text(
        json.dumps({"dev": {"token": "t0ps3cret"}})
    )
    (tmp_path / "s.http").write_text("### s\nGET http://{{host}}/headers\nX-Token: {{token}}\n")
    app = InspectorApp(collection=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        app.query_one("#environment", Select).value = "dev"
        await _settle(app, pilot)
        app.open_saved(NodeRef("s.http", 0))
        await pilot.press("ctrl+j")
        await _settle(app, pilot)
        assert app.exchange is not None and app.exchange.error is None
        await pilot.press("f10")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        text = screen.query_one("#export-text", TextArea).text
        assert "X-Token: {{token}}" in text and "t0ps3cret" not in text
        screen.query_one("#export-format", Select).value = "har"
        await pilot.pause()
        assert screen.rendered is not None and b"t0ps3cret" not in screen.rendered.data
        screen.query_one("#export-secrets", Checkbox).value = True
        await pilot.pause()
        assert b"t0ps3cret" in screen.rendered.data
