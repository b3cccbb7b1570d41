"""Make the README screenshots from a real run: python screenshots/make.py

Starts the built-in test server, drives the real app with Textual's Pilot at a
fixed terminal size, and saves each view as SVG in this folder. Nothing is
edited by hand; run it again after changing the UI.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable, TabbedContent

from inspector.server import start_server
from inspector.tui.app import InspectorApp

HERE = Path(__file__).resolve().parent
SIZE = (120, 36)


Before = Callable[[InspectorApp, Pilot[None]], Awaitable[None]]


async def shoot(
    url: str,
    name: str,
    tab: str = "tab-response",
    keys: tuple[str, ...] = (),
    before: Before | None = None,
) -> None:
    app = InspectorApp(url=url)
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


async def main() -> None:
    with start_server() as srv:
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
