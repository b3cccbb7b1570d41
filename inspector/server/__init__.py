"""The built-in local test server: well-behaved and misbehaving HTTP endpoints.

Start it in the background with :func:`start_server` (tests, the TUI), or in
the foreground with :func:`run_foreground` (``inspector serve``). Every
endpoint is listed at ``/`` and in :data:`inspector.server.routes.ENDPOINTS`.
"""

from __future__ import annotations

from inspector.server.content import seeded_bytes
from inspector.server.core import ServerHandle, start_server
from inspector.server.foreground import run_foreground
from inspector.server.reader import ServerLimits

__all__ = ["ServerHandle", "ServerLimits", "run_foreground", "seeded_bytes", "start_server"]
