"""``inspector serve``: the built-in test server in the foreground."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    """Register the command."""
    p = sub.add_parser(
        "serve",
        help="run the built-in test server (well-behaved and misbehaving endpoints)",
        description="Run the built-in local test server in the foreground. It listens on "
        "loopback unless --host says otherwise; GET / lists every endpoint. Ctrl-C stops it.",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; anything else exposes it)",
    )
    p.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    p.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with a locally generated CA (its path is printed)",
    )
    p.add_argument("--quiet", action="store_true", help="do not log each request")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    from inspector.server import run_foreground

    status: int = run_foreground(args.host, args.port, args.tls, args.quiet)
    return status
