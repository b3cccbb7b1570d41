"""What the Pilot tests share."""

from __future__ import annotations

from inspector.tui.app import InspectorApp


async def settle(app: InspectorApp, pilot: object, rounds: int = 3) -> None:
    """Let workers finish and the messages they post be handled, a few rounds deep."""
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]
