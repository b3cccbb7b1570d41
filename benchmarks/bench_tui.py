"""TUI speed and memory: start-up, first paint after a big response, keys, peak memory.

    python benchmarks/bench_tui.py [--quick] [--runs N] [--only start|paint|keys|memory]

Targets (DESIGN.md section 6, issue 6), each printed with whether it was met:

1. **Start to first frame <= 0.5 s.** A fresh ``python -c`` process per run (so
   nothing this script imported is preloaded), from the parent's spawn to the
   first frame of ``InspectorApp`` running headless at 120x40, then it exits.
   Split into interpreter start, ``import inspector.tui.app``, mount (``App.run``
   to the end of ``on_mount``) and first paint. Headless Textual skips encoding
   the frame for a terminal, so the probe encodes it (``render_segments``) and
   counts that. Measured for ``InspectorApp`` directly and for the ``inspector``
   command with no arguments (the CLI, the built-in server, then the app), with
   a warm bytecode cache as an installed package has (a private
   ``PYTHONPYCACHEPREFIX``: nothing is written into the repository); and, when
   ``PYTHONDONTWRITEBYTECODE`` is set, also as run here, compiling our modules at
   every start. Best and median of ``--runs`` runs (the variants take turns); the
   target is on the median.
2. **First paint <= 0.3 s after a response arrives**, for a ~10 MiB JSON body
   (a stdlib ``http.server`` in a subprocess) and a 100 MiB ``/bytes`` body
   (``inspector serve`` in a subprocess, its own GIL). The clock starts when the
   send worker builds ``ExchangeFinished`` (the last byte is in and parsed).
   *Parsed*: the Response tab is open; the first frame whose ``LinesView``
   rendered a body row (status and headers, painted earlier, are shown too).
   *Raw*: the Raw tab is open during the download; the first frame in which
   ``RawView`` rendered a row of the finished exchange (non-zero virtual size).
   *Raw, tab switch*: after the parsed run, from setting the Raw tab active to
   its first frame. Median and worst of the runs.
3. **Keys answered within 100 ms during a 100 MiB download.** With the Raw tab
   open, a thread types ctrl+t (text/hex: the status line and the raw rows
   change) every 50 ms through the driver, exactly as the terminal's input thread
   does (``driver.send_message``). Latency: from the key being sent to the end
   of the first frame drawn after its action ran. Pilot's ``press`` is not used:
   it waits for the process to look idle (``wait_for_idle``: CPU time against
   wall time), which does not happen while a download runs: a press took 0.3-1 s
   here while its action ran after 12-76 ms. The event loop's lag (a 5 ms sleep's
   overshoot) is shown too. Both for the download and for the second after the
   response arrived (body preparation, raw indexing). Twelve downloads (one with
   ``--quick``): a 100 MiB download takes 0.1-0.9 s here, and the target is on the
   worst key of all of them. In (2) and (3) every frame
   is also encoded for a terminal, as in (1), on the event loop's thread.
4. **Peak memory <= 1.5x the body** for a 100 MiB download and its display
   (parsed panel, then the Raw tab, until every worker is done), in a fresh
   process: the peak RSS increase over the running, idle app. Two bodies: binary
   (``/bytes``: a hex summary in the parsed panel) and text (log lines: every
   line in the parsed panel); the worse counts. On Linux the peak is VmHWM,
   reset through ``/proc/self/clear_refs`` (``ru_maxrss`` carries the parent's
   peak over fork and exec); elsewhere ``ru_maxrss``. The 10 MiB JSON is
   measured the same way, for information (it is kept in memory: under the
   transcript's 16 MiB spill threshold).

``--quick`` is a smoke run (a ~1 MiB JSON, a 20 MiB download, fewer runs).
Loopback only. Exit status 0 when the run completed (met or not), 1 when it
went wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from _shared import BenchError, ServerProcess, peak_bytes, reset_peak, status_kib
from textual import events
from textual.app import App
from textual.strip import Strip
from textual.widgets import TabbedContent

from inspector.model import Exchange
from inspector.render.body import body_lines
from inspector.tui import response as response_module
from inspector.tui.app import InspectorApp
from inspector.tui.lines import LinesView
from inspector.tui.messages import ExchangeFinished
from inspector.tui.rawview import RawView
from inspector.tui.response import ResponsePanel

SIZE = (120, 40)
MiB = 1024 * 1024
RAW_TAB = "tab-raw-bytes"
KEY_INTERVAL = 0.05
AFTER_ARRIVAL = 1.0
"""Seconds after the response arrived during which keys are still typed (phase "after")."""
TARGETS = {"start": 0.5, "paint": 0.3, "key": 0.1, "memory": 1.5}


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def json_body(items: int) -> bytes:
    """The JSON of the Pilot test (tests/tui/test_app.py): 180,000 items are ~9.9 MiB."""
    value = [{"id": i, "name": f"item {i}", "tags": ["a", "b"]} for i in range(items)]
    return json.dumps(value).encode()


def text_body(size: int) -> bytes:
    """``size`` bytes of log lines (a big text response: a log, a CSV export)."""
    line = b"2026-11-22T10:00:00.000Z INFO GET /api/items/%07d 200 served in 12 ms\n"
    n = size // len(line % 0) + 1
    return b"".join(line % (i % 10_000_000) for i in range(n))[:size]


def json_server(items: int, text_size: int) -> int:
    """Child: serve the JSON body at every path (a text body at /text), until killed."""
    body = json_body(items)
    text: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data, ctype = body, "application/json"
            if self.path == "/text":
                if not text:
                    text.append(text_body(text_size))
                data, ctype = text[0], "text/plain; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"json server on http://127.0.0.1:{httpd.server_address[1]}", flush=True)
    httpd.serve_forever()
    return 0


# --- 1. start to first frame --------------------------------------------------------------

# Run with ``python -c``: the clock starts at the first line, before any import.
STARTUP_CHILD = r"""
import time
T0 = time.monotonic()
import json, sys
marks = {"start": T0}

def mark(name):
    marks.setdefault(name, time.monotonic())

mark("import")
from inspector.tui.app import InspectorApp
mark("imported")
from textual.app import App

_display = App._display

def display(self, screen, renderable):
    _display(self, screen, renderable)
    if renderable is not None and "frame" not in marks:
        encode = getattr(renderable, "render_segments", None)
        if encode is not None:  # what a terminal would get; headless skips it
            encode(self.console)
        mark("frame")
        self.exit()

App._display = display
_on_mount = InspectorApp.on_mount

def on_mount(self):
    _on_mount(self)
    mark("mounted")

InspectorApp.on_mount = on_mount
_run = App.run

def run(self, **kwargs):
    mark("run")
    kwargs.update(headless=True, size=(120, 40))
    return _run(self, **kwargs)

App.run = run
if sys.argv[1] == "app":
    InspectorApp(url=sys.argv[2]).run()
else:
    from inspector.cli import run as cli
    cli([])
mark("exited")
print(json.dumps(marks))
"""


@dataclass
class Startup:
    """One start-up run, in seconds from the parent's spawn."""

    interpreter: float
    imports: float
    before_run: float
    mount: float
    paint: float
    total: float


def startup_once(kind: str, url: str, env: dict[str, str] | None) -> Startup:
    spawn = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", STARTUP_CHILD, kind, url],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0:
        raise BenchError(f"start-up child failed: {result.stderr.strip()[-2000:]}")
    m = json.loads(result.stdout.strip().splitlines()[-1])
    return Startup(
        interpreter=m["start"] - spawn,
        imports=m["imported"] - m["import"],
        before_run=m["run"] - m["imported"],
        mount=m["mounted"] - m["run"],
        paint=m["frame"] - m["mounted"],
        total=m["frame"] - spawn,
    )


def bench_startup(runs: int, url: str) -> dict[str, float]:
    """Start-up runs with a warm bytecode cache (as installed), and without one if so set here.

    The cache is a private PYTHONPYCACHEPREFIX directory (nothing is written into the
    repository), warmed by one unmeasured run of each kind.
    """
    print(f"(1) start to first frame, 120x40 headless, {runs} runs each (best / median)")
    print(
        f"    {'':36s} {'interp.':>14s} {'import':>14s} {'to run()':>14s} "
        f"{'mount':>14s} {'paint':>14s} {'total':>15s}"
    )
    cache = tempfile.mkdtemp(prefix="bench-tui-pycache-")
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = cache
    variants: list[tuple[str, str, dict[str, str] | None]] = [
        ("app", "InspectorApp(url=...)", cached),
        ("cli", "`inspector` (CLI + built-in server)", cached),
    ]
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        variants.append(("app-nopyc", "InspectorApp, no .pyc (as set here)", None))
    totals: dict[str, float] = {}
    try:
        for kind in ("app", "cli"):
            startup_once(kind, url, cached)  # warm the bytecode cache
        samples_of: dict[str, list[Startup]] = {key: [] for key, _, _ in variants}
        for _ in range(runs):  # interleaved, so that a slow spell hits every variant alike
            for key, _, env in variants:
                samples_of[key].append(startup_once(key.split("-")[0], url, env))
        for key, label, _ in variants:
            samples = samples_of[key]
            cols = []
            for name in ("interpreter", "imports", "before_run", "mount", "paint", "total"):
                values = [getattr(s, name) for s in samples]
                cols.append(
                    f"{min(values) * 1000:5.0f} /{statistics.median(values) * 1000:5.0f} ms"
                )
            print(f"    {label:36s} " + " ".join(f"{c:>14s}" for c in cols))
            totals[key] = statistics.median([s.total for s in samples])
            totals[key + "_best"] = min(s.total for s in samples)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    print(
        "    interp. = spawn to the child's first line; import = `import inspector.tui.app`;"
        " to run() = building\n    the app (CLI: arguments and the built-in server); mount ="
        " App.run() to the end of on_mount;\n    paint = on_mount to the first frame, encoded"
        " for a terminal. Bytecode cached (as a pip install has it)\n    unless said otherwise."
    )
    for key, label, _ in variants:
        print(
            f"    {label}: median {totals[key]:.3f} s, best {totals[key + '_best']:.3f} s; "
            f"target <= {TARGETS['start']} s: {met(totals[key] <= TARGETS['start'])}"
        )
    return totals


# --- the probe: hooks on the app's classes (this process only) ----------------------------


@dataclass
class Probe:
    """Timestamps (time.perf_counter) of what the app does; reset per scenario."""

    marks: dict[str, float] = field(default_factory=dict)
    frames: list[float] = field(default_factory=list)
    finished: list[float] = field(default_factory=list)
    actions: list[float] = field(default_factory=list)
    durations: dict[str, list[float]] = field(default_factory=dict)

    def reset(self) -> None:
        self.marks.clear()
        self.frames.clear()
        self.finished.clear()
        self.actions.clear()
        self.durations.clear()

    def mark(self, name: str) -> None:
        self.marks.setdefault(name, time.perf_counter())

    def frame_after(self, t: float) -> float | None:
        """End of the first frame drawn at or after ``t``."""
        i = bisect.bisect_left(self.frames, t)
        return self.frames[i] if i < len(self.frames) else None

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.durations.setdefault(name, []).append(time.perf_counter() - t)


PROBE = Probe()


def install_probe() -> None:
    """Wrap a few methods of the app's classes to record when things happen."""
    display = App._display

    def probe_display(self: App[Any], screen: Any, renderable: Any) -> None:
        display(self, screen, renderable)
        if renderable is not None:
            encode = getattr(renderable, "render_segments", None)
            if encode is not None:  # what a terminal would get; headless skips it
                encode(self.console)
            PROBE.frames.append(time.perf_counter())

    setattr(App, "_display", probe_display)  # noqa: B010

    finished_init = ExchangeFinished.__init__

    def probe_finished(self: ExchangeFinished, exchange: Exchange) -> None:
        PROBE.finished.append(time.perf_counter())
        PROBE.mark("finished")
        finished_init(self, exchange)

    setattr(ExchangeFinished, "__init__", probe_finished)  # noqa: B010

    show = InspectorApp.show_exchange

    def probe_show(self: InspectorApp, exchange: Exchange) -> None:
        PROBE.mark("show_start")
        show(self, exchange)
        PROBE.mark("show_end")

    setattr(InspectorApp, "show_exchange", probe_show)  # noqa: B010

    toggle = InspectorApp.action_toggle_hex

    def probe_toggle(self: InspectorApp) -> None:
        toggle(self)
        PROBE.actions.append(time.perf_counter())

    setattr(InspectorApp, "action_toggle_hex", probe_toggle)  # noqa: B010

    set_body = ResponsePanel._set_body

    def probe_set_body(self: ResponsePanel, *args: Any) -> None:
        PROBE.mark("set_body")
        with PROBE.timed("set_body"):
            set_body(self, *args)

    setattr(ResponsePanel, "_set_body", probe_set_body)  # noqa: B010

    def probe_body_lines(
        body: bytes, content_type: bytes = b"", total: int | None = None
    ) -> tuple[str, list[str]]:
        with PROBE.timed("body_lines"):
            return body_lines(body, content_type, total)

    setattr(response_module, "body_lines", probe_body_lines)  # noqa: B010

    response_body = Exchange.response_body

    def probe_response_body(self: Exchange, limit: int | None = None) -> bytes:
        with PROBE.timed("response_body"):
            return response_body(self, limit)

    setattr(Exchange, "response_body", probe_response_body)  # noqa: B010

    lines_render = LinesView.render_line

    def probe_lines_render(self: LinesView, y: int) -> Strip:
        if self.lines:
            PROBE.mark("parsed_line")
        return lines_render(self, y)

    setattr(LinesView, "render_line", probe_lines_render)  # noqa: B010

    raw_render = RawView.render_line

    def probe_raw_render(self: RawView, y: int) -> Strip:
        if "show_end" in PROBE.marks and self.virtual_size.height > 0:
            PROBE.mark("raw_line")
        return raw_render(self, y)

    setattr(RawView, "render_line", probe_raw_render)  # noqa: B010


async def until(what: str, check: Callable[[], bool], timeout: float) -> None:
    """Poll (5 ms) until ``check()``; BenchError after ``timeout`` seconds."""
    deadline = time.perf_counter() + timeout
    while not check():
        if time.perf_counter() > deadline:
            raise BenchError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.005)


def framed(name: str) -> Callable[[], bool]:
    """A check: mark ``name`` is set and a frame ended after it."""
    return lambda: name in PROBE.marks and PROBE.frame_after(PROBE.marks[name]) is not None


def since(start: str, name: str) -> float:
    """Seconds from mark ``start`` to the end of the first frame after mark ``name``."""
    frame = PROBE.frame_after(PROBE.marks[name])
    assert frame is not None
    return frame - PROBE.marks[start]


# --- 2. first paint after a big response --------------------------------------------------


@dataclass
class PaintRun:
    download: float
    delivered: float
    status: float
    response_body: float
    body_lines: float
    body_ready: float
    parsed: float
    raw_switch: float = float("nan")
    raw: float = float("nan")


async def paint_parsed(url: str, timeout: float) -> PaintRun:
    """Response tab open: first paint of the parsed body, then of the Raw tab once opened."""
    PROBE.reset()
    app = InspectorApp(url=url)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        PROBE.mark("send")
        app.action_send()
        await until("the parsed body painted", framed("parsed_line"), timeout)
        await until("every worker", lambda: not any(w.is_running for w in app.workers), timeout)
        await asyncio.sleep(0.05)
        PROBE.mark("switch")
        app.query_one("#response-tabs", TabbedContent).active = RAW_TAB
        await until("the Raw tab painted", framed("raw_line"), timeout)
        run = PaintRun(
            download=PROBE.marks["finished"] - PROBE.marks["send"],
            delivered=PROBE.marks["show_start"] - PROBE.marks["finished"],
            status=since("finished", "show_end"),
            response_body=sum(PROBE.durations.get("response_body", [0.0])),
            body_lines=sum(PROBE.durations.get("body_lines", [0.0])),
            body_ready=PROBE.marks["set_body"] - PROBE.marks["finished"],
            parsed=since("finished", "parsed_line"),
            raw_switch=since("switch", "raw_line"),
        )
        assert app.exchange is not None and app.exchange.error is None, "the exchange failed"
    return run


async def paint_raw(url: str, timeout: float) -> float:
    """Raw tab open during the download: first paint of the finished exchange's rows."""
    PROBE.reset()
    app = InspectorApp(url=url)
    async with app.run_test(size=SIZE) as pilot:
        app.query_one("#response-tabs", TabbedContent).active = RAW_TAB
        await pilot.pause()
        app.action_send()
        await until("the raw rows painted", framed("raw_line"), timeout)
        raw = since("finished", "raw_line")
        await until("every worker", lambda: not any(w.is_running for w in app.workers), timeout)
        assert app.exchange is not None and app.exchange.error is None, "the exchange failed"
    return raw


def bench_paint(cases: list[tuple[str, str, int]], runs: int, timeout: float) -> dict[str, float]:
    print(
        f"\n(2) first paint after the response arrived (from ExchangeFinished built in the worker),"
        f" median / worst of {runs} runs"
    )
    worst: dict[str, float] = {}
    for label, url, size in cases:
        results: list[PaintRun] = []
        for _ in range(runs):
            run = asyncio.run(paint_parsed(url, timeout))
            run.raw = asyncio.run(paint_raw(url, timeout))
            results.append(run)

        def show(name: str, title: str, target: bool = False, rs: list[PaintRun] = results) -> None:
            values = [getattr(r, name) for r in rs]
            line = f"      {title:44s} {ms(statistics.median(values))} / {ms(max(values))}"
            if target:
                line += f"   target <= {TARGETS['paint']} s: {met(max(values) <= TARGETS['paint'])}"
            print(line)

        print(f"    {label}: {size / MiB:.1f} MiB body")
        show("download", "download (send to ExchangeFinished)")
        show("delivered", "ExchangeFinished handled (show_exchange)")
        show("status", "status line and headers painted")
        show("response_body", "  body worker: exchange.response_body()")
        show("body_lines", "  body worker: body_lines()")
        show("body_ready", "  body handed to the panel (_set_body)")
        show("parsed", "parsed panel: body painted", target=True)
        show("raw", "raw panel: rows painted (Raw tab open)", target=True)
        show("raw_switch", "raw panel: tab switch to first paint", target=True)
        for name in ("parsed", "raw", "raw_switch"):
            worst[f"{label}:{name}"] = max(getattr(r, name) for r in results)
    return worst


# --- 3. keys during a 100 MiB download ----------------------------------------------------


def keyboard(app: InspectorApp, stop: threading.Event, sent: list[float]) -> None:
    """Type ctrl+t every KEY_INTERVAL seconds the way the terminal's input thread does."""
    driver = app._driver
    assert driver is not None
    while not stop.wait(KEY_INTERVAL):
        key = events.Key("ctrl+t", None)
        key.set_sender(app)
        sent.append(time.perf_counter())
        driver.send_message(key)


async def loop_lag(stop: asyncio.Event, samples: list[tuple[float, float]]) -> None:
    """Overshoot of a 5 ms sleep: how long the event loop was busy or kept off the GIL."""
    while not stop.is_set():
        t = time.perf_counter()
        await asyncio.sleep(0.005)
        now = time.perf_counter()
        samples.append((now, now - t - 0.005))


@dataclass
class KeyResult:
    latency: dict[str, list[float]] = field(default_factory=lambda: {"download": [], "after": []})
    dispatch: dict[str, list[float]] = field(default_factory=lambda: {"download": [], "after": []})
    lag: dict[str, list[float]] = field(default_factory=lambda: {"download": [], "after": []})
    downloads: list[float] = field(default_factory=list)


async def typed_download(app: InspectorApp, out: KeyResult, timeout: float) -> None:
    """One download with keys typed during it and for AFTER_ARRIVAL seconds after it."""
    PROBE.reset()
    sent: list[float] = []
    lags: list[tuple[float, float]] = []
    stop_lag = asyncio.Event()
    lag_task = asyncio.create_task(loop_lag(stop_lag, lags))
    stop = threading.Event()
    typist = threading.Thread(target=keyboard, args=(app, stop, sent), daemon=True)
    start = time.perf_counter()
    app.action_send()
    typist.start()
    await until("the download", lambda: "finished" in PROBE.marks, timeout)
    arrived = PROBE.marks["finished"]
    out.downloads.append(arrived - start)
    await until("a second after", lambda: time.perf_counter() > arrived + AFTER_ARRIVAL, 10)
    stop.set()
    typist.join()
    stop_lag.set()
    await lag_task

    def answered() -> bool:
        if len(PROBE.actions) < len(sent):
            return False
        return not sent or PROBE.frame_after(PROBE.actions[-1]) is not None

    await until("every key answered", answered, timeout)
    if len(PROBE.actions) != len(sent):
        raise BenchError(f"{len(sent)} keys typed, {len(PROBE.actions)} actions ran")
    for t_sent, t_action in zip(sent, PROBE.actions, strict=True):
        phase = "download" if t_sent < arrived else "after"
        frame = PROBE.frame_after(t_action)
        assert frame is not None
        out.latency[phase].append(frame - t_sent)
        out.dispatch[phase].append(t_action - t_sent)
    for t, lag in lags:
        out.lag["download" if t < arrived else "after"].append(lag)
    await until("every worker", lambda: not any(w.is_running for w in app.workers), timeout)
    assert app.exchange is not None and app.exchange.error is None, "the exchange failed"


async def keys_during(url: str, downloads: int, timeout: float) -> KeyResult:
    out = KeyResult()
    app = InspectorApp(url=url)
    async with app.run_test(size=SIZE) as pilot:
        app.query_one("#response-tabs", TabbedContent).active = RAW_TAB
        await pilot.pause()
        for _ in range(downloads):
            await typed_download(app, out, timeout)
    return out


def bench_keys(url: str, size: int, downloads: int, timeout: float) -> float:
    print(
        f"\n(3) ctrl+t typed every {KEY_INTERVAL * 1000:.0f} ms through the driver during "
        f"{downloads} download(s) of {size / MiB:.0f} MiB (Raw tab open)"
    )
    r = asyncio.run(keys_during(url, downloads, timeout))
    print(
        "    downloads took "
        + ", ".join(f"{d:.2f} s" for d in r.downloads)
        + f"; 'after' = the {AFTER_ARRIVAL:.0f} s after the response arrived"
    )
    print(f"    {'':50s} {'n':>5s} {'p50':>10s} {'p95':>10s} {'max':>10s}")
    for phase in ("download", "after"):
        for title, values in (
            ("key sent -> next frame after its action", r.latency[phase]),
            ("key sent -> its action ran", r.dispatch[phase]),
            ("event-loop lag (5 ms sleep's overshoot)", r.lag[phase]),
        ):
            if values:
                print(
                    f"    {phase + ': ' + title:50s} {len(values):5d} "
                    f"{ms(statistics.median(values)):>10s} {ms(p95(values)):>10s} "
                    f"{ms(max(values)):>10s}"
                )
    during = r.latency["download"]
    if not during:
        raise BenchError("the download ended before any key was typed")
    print(
        f"    during the download: p95 {p95(during) * 1000:.1f} ms, "
        f"max {max(during) * 1000:.1f} ms; "
        f"target <= {TARGETS['key'] * 1000:.0f} ms: {met(max(during) <= TARGETS['key'])}"
    )
    return max(during)


# --- 4. peak memory -----------------------------------------------------------------------


async def memory_probe(url: str, timeout: float) -> dict[str, Any]:
    """Child: one download shown in both panels; the peak RSS over the idle app."""
    install_probe()
    app = InspectorApp(url=url)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await asyncio.sleep(0.2)
        gc.collect()
        how = reset_peak()
        before = peak_bytes(how)
        app.action_send()
        await until("the parsed body painted", framed("parsed_line"), timeout)
        await until("every worker", lambda: not any(w.is_running for w in app.workers), timeout)
        PROBE.marks.pop("raw_line", None)
        app.query_one("#response-tabs", TabbedContent).active = RAW_TAB
        await until("the Raw tab painted", framed("raw_line"), timeout)
        await until("every worker", lambda: not any(w.is_running for w in app.workers), timeout)
        await asyncio.sleep(0.2)
        peak = peak_bytes(how)
        exchange = app.exchange
        assert exchange is not None and exchange.response is not None
        body = exchange.response.body_size
        rss = status_kib("VmRSS")
    return {
        "method": how,
        "baseline": before,
        "peak": peak,
        "body": body,
        "rss_after": rss * 1024 if rss is not None else None,
    }


def memory_child(url: str, timeout: float) -> int:
    print(json.dumps(asyncio.run(memory_probe(url, timeout))))
    return 0


def measure_memory(url: str, timeout: float) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", "memory", url],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout + 60,
    )
    if result.returncode != 0:
        raise BenchError(f"memory probe failed: {result.stderr.strip()[-2000:]}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def bench_memory(cases: list[tuple[str, str, bool]], timeout: float) -> float:
    print("\n(4) peak RSS increase over the idle app, download + both panels, fresh process each")
    ratio_target = 0.0  # the worst targeted case
    for label, url, targeted in cases:
        m = measure_memory(url, timeout)
        increase = m["peak"] - m["baseline"]
        ratio = increase / m["body"]
        line = (
            f"    {label:12s} body {m['body'] / MiB:6.1f} MiB, peak +{increase / MiB:6.1f} MiB "
            f"({m['method']}), {ratio:.2f}x the body"
        )
        if targeted:
            ratio_target = max(ratio_target, ratio)
            line += f"; target <= {TARGETS['memory']}x: {met(ratio <= TARGETS['memory'])}"
        else:
            line += " (for information)"
        print(line)
    return ratio_target


# --- main ---------------------------------------------------------------------------------

PARTS = ("start", "paint", "keys", "memory")


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="smaller bodies, fewer runs")
    ap.add_argument("--runs", type=int, default=None, help="start-up runs (default 5; quick 2)")
    ap.add_argument("--child", nargs=2, metavar=("KIND", "ARG"), help=argparse.SUPPRESS)
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds for any one wait")
    ap.add_argument(
        "--only",
        action="append",
        choices=PARTS,
        help="run only this part (repeatable); all four by default",
    )
    args = ap.parse_args()
    if args.child:
        kind, arg = args.child
        if kind == "json-server":
            items_arg, text_arg = arg.split(",")
            return json_server(int(items_arg), int(text_arg))
        if kind == "memory":
            return memory_child(arg, args.timeout)
        raise SystemExit(f"unknown child {kind}")

    quick = args.quick
    parts = set(args.only or PARTS)
    runs = args.runs or (2 if quick else 5)
    items = 18_000 if quick else 180_000
    big = 20 * MiB if quick else 100 * MiB
    paint_runs = 1 if quick else 3
    key_downloads = 1 if quick else 12
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; "
        f"{'quick run' if quick else 'full run'}; loopback servers in subprocesses"
    )
    script = os.path.abspath(__file__)
    servers: list[ServerProcess] = []
    try:
        server = ServerProcess.start(
            [sys.executable, "-m", "inspector", "serve", "--port", "0", "--quiet"]
        )
        servers.append(server)
        jserver = ServerProcess.start(
            [sys.executable, script, "--child", "json-server", f"{items},{big}"]
        )
        servers.append(jserver)
        started = time.perf_counter()
        start = bench_startup(runs, f"{server.url}/get") if "start" in parts else {}
        install_probe()
        json_size = len(json_body(items))
        paint: dict[str, float] = {}
        if "paint" in parts:
            paint = bench_paint(
                [
                    ("JSON", f"{jserver.url}/", json_size),
                    ("bytes", f"{server.url}/bytes/{big}", big),
                ],
                paint_runs,
                args.timeout,
            )
        key_max = None
        if "keys" in parts:
            key_max = bench_keys(f"{server.url}/bytes/{big}", big, key_downloads, args.timeout)
        memory = None
        if "memory" in parts:
            memory = bench_memory(
                [
                    (f"bytes {big // MiB} MiB", f"{server.url}/bytes/{big}", True),
                    (f"text {big // MiB} MiB", f"{jserver.url}/text", True),
                    ("JSON", f"{jserver.url}/", False),
                ],
                args.timeout,
            )
    except (BenchError, subprocess.TimeoutExpired, AssertionError) as exc:
        print(f"bench_tui: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        for s in servers:
            s.stop()

    print(f"\ntargets ({time.perf_counter() - started:.0f} s)")
    rows: list[tuple[str, float, str, float]] = []
    if start:
        rows.append(
            ("start to first frame, InspectorApp (median)", start["app"], "s", TARGETS["start"])
        )
        rows.append(
            ("start to first frame, `inspector` (median)", start["cli"], "s", TARGETS["start"])
        )
    if "app-nopyc" in start:
        label = "start to first frame, no .pyc (median)"
        rows.append((label, start["app-nopyc"], "s", TARGETS["start"]))
    names = {"parsed": "parsed body", "raw": "raw rows", "raw_switch": "raw tab switch"}
    for key, seconds in paint.items():
        label, name = key.split(":")
        rows.append(
            (f"first paint, {label}: {names[name]} (worst)", seconds, "s", TARGETS["paint"])
        )
    if key_max is not None:
        rows.append(("key answered during the download (max)", key_max, "s", TARGETS["key"]))
    if memory is not None:
        label = f"peak memory / body, {big // MiB} MiB (worst)"
        rows.append((label, memory, "x", TARGETS["memory"]))
    for label, value, unit, limit in rows:
        shown = f"{value:.3f} s" if unit == "s" else f"{value:.2f}x"
        print(f"    {label:48s} {shown:>9s}  <= {limit}{unit}  {met(value <= limit)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
