"""Start the app: with no URL, the built-in server runs and a request to it is filled in.

The app gets the real history (``history.sqlite`` in the data folder, bounded by
``settings.json``), the saved requests in ``collection`` (default: ``requests/``
in the data folder, created when something is first saved) and ``exports/`` in
the data folder for exported files.
"""

from __future__ import annotations

from pathlib import Path

from inspector.model import Target
from inspector.paths import data_dir
from inspector.server import start_server
from inspector.store.history import History, HistoryError, open_history
from inspector.store.settings import load_settings
from inspector.tui.app import InspectorApp


def launch(url: str | None, *, collection: Path | None = None) -> int:
    """Run the TUI until the user quits; the built-in server (if started) stops with it.

    Args:
        url: The request to fill in (None: one to the built-in server).
        collection: The folder of ``.http`` files for the sidebar (None: the
            data folder's ``requests/``).

    Raises:
        InputError: the URL given is unusable.
    """
    if url is not None:
        url = url if "://" in url else f"http://{url}"
        Target.from_url(url)
    folder = data_dir()
    settings, problem = load_settings(folder)
    notices = [problem] if problem else []
    history: History | None = None
    try:
        # No full integrity scan before the first frame: a file that is not a database
        # is still found and set aside at once; deeper damage surfaces as a one-line
        # error when an exchange is stored (the `inspector history` commands check in full).
        history = open_history(settings, check=False)
    except HistoryError as exc:
        notices.append(f"history is off this session: {exc}")
    server = None
    if url is None:
        server = start_server()
        url = f"{server.url}/get"
    try:
        InspectorApp(
            url=url,
            history=history,
            collection=collection if collection is not None else folder / "requests",
            export_dir=folder / "exports",
            notices=notices,
        ).run()
    finally:
        if server is not None:
            server.stop()
        if history is not None:
            history.close()
    return 0
