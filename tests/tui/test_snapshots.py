"""Snapshots of the main states, on canned exchanges: fixed bytes, fixed times, no network."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import TabbedContent

from inspector.model import EventKind, Exchange, RequestSpec, Timings, Transcript
from inspector.tui.app import InspectorApp
from inspector.wire.parser import ResponseParser

URL = "http://127.0.0.1:8080/get"
REQUEST = b"GET /get HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: inspector/0.1\r\n\r\n"
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Odd:  spaced \r\n"
    b"X-Evil: \x1b[31m[bold]x[/bold]\r\nTransfer-Encoding: chunked\r\n\r\n"
    b'1c\r\n{"ok": true, "items": [1,2]}\r\n0\r\n\r\n'
)
BARE_LF = b"HTTP/1.1 404 Not Found\nContent-Length: 5\n\nnope!"


def _exchange(response: bytes) -> Exchange:
    tr = Transcript()
    t0 = tr.started
    tr.record_event(EventKind.CONNECT, "127.0.0.1:50000 -> 127.0.0.1:8080", t0 + 0.0002)
    tr.record_send(REQUEST, t0 + 0.0003)
    half = len(response) // 2
    tr.record_recv(response[:half], t0 + 0.0011)
    tr.record_recv(response[half:], t0 + 0.0015)
    parser = ResponseParser()
    parser.feed(response)
    parsed = parser.result()
    return Exchange(
        engine="inspector",
        spec=RequestSpec(url=URL),
        transcript=tr,
        response=parsed,
        anomalies=parsed.anomalies,
        timings=Timings(
            dns=0.0001, connect=0.0001, send=0.0001, ttfb=0.0008, receive=0.0004, total=0.0016
        ),
    )


def _shows(response: bytes, tab: str, *keys: str) -> Any:
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, InspectorApp)
        app.show_exchange(_exchange(response))
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.query_one("#response-tabs", TabbedContent).active = tab
        for key in keys:
            await pilot.press(key)
        app.set_focus(None)
        await pilot.pause()

    return run_before


def test_response_view(snap_compare: Any) -> None:
    """Status, headers exactly as received (escapes shown as text) and a pretty JSON body."""
    assert snap_compare(
        InspectorApp(url=URL), terminal_size=(100, 30), run_before=_shows(RESPONSE, "tab-response")
    )


def test_raw_hex_view(snap_compare: Any) -> None:
    """Hex rows with offsets and ASCII, each send/recv call marked with size and time."""
    assert snap_compare(
        InspectorApp(url=URL),
        terminal_size=(100, 30),
        run_before=_shows(RESPONSE, "tab-raw-bytes", "f2", "ctrl+t"),
    )


def test_anomaly_view(snap_compare: Any) -> None:
    """Each anomaly with severity, code, byte range, message and RFC section."""
    assert snap_compare(
        InspectorApp(url=URL),
        terminal_size=(100, 30),
        run_before=_shows(BARE_LF, "tab-anomalies", "f2"),
    )
