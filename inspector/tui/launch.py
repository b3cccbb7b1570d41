"""Start the app: with no URL, the built-in server runs and a request to it is filled in."""

from __future__ import annotations

from inspector.model import Target
from inspector.server import start_server
from inspector.tui.app import InspectorApp


def launch(url: str | None) -> int:
    """Run the TUI until the user quits; the built-in server (if started) stops with it.

    Raises:
        InputError: the URL given is unusable.
    """
    server = None
    if url is None:
        server = start_server()
        url = f"{server.url}/get"
    elif "://" not in url:
        url = f"http://{url}"
    Target.from_url(url)
    try:
        InspectorApp(url=url).run()
    finally:
        if server is not None:
            server.stop()
    return 0
