"""Make the README screenshots from a real run: python screenshots/make.py

Starts the built-in test server, drives the real app with Textual's Pilot at a
fixed terminal size, and saves each view as SVG in this folder. Nothing is
edited by hand; run it again after changing the UI.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, TabbedContent, Tree

from inspector.server import start_server
from inspector.store.history import History
from inspector.tui.app import InspectorApp
from inspector.tui.sidebar import NodeRef, Sidebar

HERE = Path(__file__).resolve().parent
SIZE = (120, 36)


Before = Callable[[InspectorApp, Pilot[None]], Awaitable[None]]


async def shoot(
    url: str,
    name: str,
    tab: str = "tab-response",
    keys: tuple[str, ...] = (),
    before: Before | None = None,
    **app_args: Any,
) -> None:
    app = InspectorApp(url=url, **app_args)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+j")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        if before is not None:
            await before(app, pilot)
        app.query_one("#response-tabs", TabbedContent).active = tab
        for key in keys:
            await pilot.press(key)
            await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        app.set_focus(None)
        await pilot.pause()
        path = app.save_screenshot(str(HERE / f"{name}.svg"))
        print(path)


async def select_chunk(app: InspectorApp, pilot: Pilot[None]) -> None:
    """Fields -> bytes: enter on the framing row of chunk 2 shows its bytes in the Raw tab."""
    table = app.query_one("#resp-framing", DataTable)
    table.focus()
    await pilot.pause()
    table.move_cursor(row=5)
    await pilot.press("enter")


COLLECTION = """### List the things
# @name things
GET {{base}}/json
Accept: application/json

### Create one
# @name create
POST {{base}}/anything/things
Content-Type: application/json
Authorization: Bearer {{token}}

{"name": "widget", "size": 3}
"""


def make_collection(folder: Path, base: str) -> Path:
    """A small collection with a public and a private (secret) environment."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "api.http").write_text(COLLECTION, encoding="utf-8")
    (folder / "http-client.env.json").write_text(json.dumps({"local": {"base": base}}))
    (folder / "http-client.private.env.json").write_text(
        json.dumps({"local": {"token": "s3cr3t-t0ken"}})
    )
    return folder


async def open_saved(app: InspectorApp, pilot: Pilot[None]) -> None:
    """Open the second saved request from the sidebar, its template in the editor."""
    sidebar = app.query_one(Sidebar)
    sidebar.select(NodeRef("api.http", 1))
    sidebar.query_one(Tree).focus()
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press("ctrl+j")  # sent with {{base}} and {{token}} from the environment
    await app.workers.wait_for_complete()
    await pilot.pause()


async def fill_history(app: InspectorApp, pilot: Pilot[None]) -> None:
    """A few more exchanges, then the history screen."""
    base = app.query_one("#url", Input).value.rsplit("/", 1)[0]
    for path in ("/status/404", "/json", "/truncated"):
        app.query_one("#url", Input).value = base + path
        await pilot.press("ctrl+j")
        await app.workers.wait_for_complete()
        await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.press("f4")
    await pilot.pause(0.3)


async def main() -> None:
    with start_server() as srv, tempfile.TemporaryDirectory() as tmp:
        folder = make_collection(Path(tmp) / "requests", srv.url)
        with History.open(Path(tmp) / "history.sqlite") as history:
            await shoot(
                f"{srv.url}/get", "saved", before=open_saved, collection=folder, history=history
            )
            await shoot(f"{srv.url}/get", "history", before=fill_history, history=history)
        await shoot(f"{srv.url}/get?lesson=bytes", "response")
        await shoot(f"{srv.url}/get?lesson=bytes", "raw-text", "tab-raw-bytes", ("f2",))
        await shoot(f"{srv.url}/interim", "raw-hex", "tab-raw-bytes", ("f2", "ctrl+t"))
        await shoot(f"{srv.url}/bare-lf", "anomalies", "tab-anomalies", ("f2",))
        await shoot(f"{srv.url}/escape", "escape")
        await shoot(f"{srv.url}/drip?numbytes=30&duration=1", "timing", "tab-timing", ("f2",))
        url = f"{srv.url}/chunked/extensions-trailers"
        await shoot(url, "fields-bytes", "tab-raw-bytes", ("f2",), select_chunk)
        await shoot(f"{srv.url}/truncated", "framing", "tab-raw-bytes", ("f2", "ctrl+t"))
        await shoot(f"{srv.url}/get", "connection", "tab-connection", ("f2", "ctrl+j"))
        await shoot(f"{srv.url}/get", "compare", "tab-compare", ("f2", "ctrl+o"))
        await shoot(f"{srv.url}/get", "diff", "tab-diff", ("f2", "ctrl+j", "ctrl+g"))


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
