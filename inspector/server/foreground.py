"""``inspector serve``: the test server in the foreground until Ctrl-C."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Any

from inspector.server.core import start_server


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt()


def run_foreground(host: str, port: int, tls: bool, quiet: bool) -> int:
    """Serve until interrupted, printing the URL and one line per request.

    Args:
        host: the address to listen on (the CLI defaults it to ``127.0.0.1``).
        port: the port; 0 picks a free one.
        tls: serve HTTPS with the local CA (its certificate path is printed).
        quiet: do not log requests.

    Returns:
        0 after Ctrl-C (or SIGTERM); 1, with one line on stderr, when the server
        cannot start (the address is in use, say).
    """
    lock = threading.Lock()

    def log(line: str) -> None:
        with lock:
            print(line, flush=True)

    try:
        handle = start_server(host, port, tls, log=None if quiet else log)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print(f"inspector serve: cannot start on {host}:{port}: {reason}", file=sys.stderr)
        return 1
    except ValueError as exc:  # a TLS file that ssl cannot load, say
        print(f"inspector serve: cannot start: {exc}", file=sys.stderr)
        return 1
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        # SIGINT is set explicitly: a process started in the background may inherit SIG_IGN.
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)
        previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with lock:
            print(f"inspector test server listening on {handle.url}  (Ctrl-C to stop)", flush=True)
            if handle.ca_path is not None:
                print(f"CA certificate: {handle.ca_path}", flush=True)
                print(f"  try: curl --cacert {handle.ca_path} {handle.url}/get", flush=True)
        while not handle.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print("stopped", file=sys.stderr, flush=True)
    return 0
