"""Make the README screenshots from a real run: python screenshots/make.py

Starts the built-in test server, drives the real app with Textual's Pilot at a
fixed terminal size, and saves each view as SVG in this folder. Nothing is
edited by hand; run it again after changing the UI.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from textual.widgets import TabbedContent

from inspector.server import start_server
from inspector.tui.app import InspectorApp

HERE = Path(__file__).resolve().parent
SIZE = (120, 36)


async def shoot(url: str, name: str, tab: str = "tab-response", keys: tuple[str, ...] = ()) -> None:
    app = InspectorApp(url=url)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+j")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        app.query_one("#response-tabs", TabbedContent).active = tab
        for key in keys:
            await pilot.press(key)
        await pilot.pause(0.3)
        app.set_focus(None)
        await pilot.pause()
        path = app.save_screenshot(str(HERE / f"{name}.svg"))
        print(path)


async def main() -> None:
    with start_server() as srv:
        await shoot(f"{srv.url}/get?lesson=bytes", "response")
        await shoot(f"{srv.url}/get?lesson=bytes", "raw-text", "tab-raw-bytes", ("f2",))
        await shoot(f"{srv.url}/interim", "raw-hex", "tab-raw-bytes", ("f2", "ctrl+t"))
        await shoot(f"{srv.url}/bare-lf", "anomalies", "tab-anomalies", ("f2",))
        await shoot(f"{srv.url}/escape", "escape")
        await shoot(f"{srv.url}/get", "timing", "tab-timing")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
