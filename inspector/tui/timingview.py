"""The Timing tab: the phase waterfall, a sparkline of the reads with stalls marked, numbers.

The pictures come from :mod:`inspector.render.timeline` (pure); this module only lays
them out as styled text and redraws them when the tab is resized.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from inspector.model import EventKind, Exchange, Timings
from inspector.render.timeline import (
    PHASES,
    Bar,
    Spark,
    format_seconds,
    sparkline,
    waterfall,
)

PHASE_STYLE = {
    "dns": Style(color="cyan"),
    "connect": Style(color="blue"),
    "tls": Style(color="magenta"),
    "send": Style(color="yellow"),
    "wait": Style(color="white", dim=True),
    "receive": Style(color="green"),
}
_VALUE = {"wait": "ttfb"}
LABEL_WIDTH = 9
NUMBER_WIDTH = 11
MAX_STALLS = 10


def _phase_value(timings: Timings, phase: str) -> float | None:
    value: float | None = getattr(timings, _VALUE.get(phase, phase))
    return value


def waterfall_text(timings: Timings, bars: list[Bar]) -> Text:
    """One line per phase (a phase that did not happen says so), then the total."""
    by_phase = {b.phase: b for b in bars}
    text = Text()
    for phase in PHASES:
        bar = by_phase.get(phase)
        text.append(phase.ljust(LABEL_WIDTH), style="bold")
        if bar is None:
            why = "(reused connection)" if phase in ("dns", "connect") else "(did not happen)"
            text.append("-".rjust(NUMBER_WIDTH) + "  ", style="dim")
            text.append(why + "\n", style="dim")
            continue
        text.append(format_seconds(bar.seconds).rjust(NUMBER_WIDTH) + "  ")
        text.append(" " * bar.start_col)
        text.append("█" * (bar.end_col - bar.start_col), style=PHASE_STYLE[phase])
        text.append("\n")
    total = timings.total
    text.append("total".ljust(LABEL_WIDTH), style="bold")
    text.append(("-" if total is None else format_seconds(total)).rjust(NUMBER_WIDTH), "bold")
    text.append("\n")
    return text


def spark_text(exchange: Exchange, spark: Spark) -> Text:
    """Bytes per moment of the download, with a line under it marking each stall."""
    reads = [e for e in exchange.transcript.events if e.kind is EventKind.RECV]
    size = sum(e.size for e in reads)
    text = Text()
    if not reads:
        text.append("no bytes were received\n", style="dim")
        return text
    window = spark.end - spark.start
    text.append(f"{len(reads)} recv() calls, {size} bytes in {format_seconds(window)}", "bold")
    text.append(
        f"  (one column: {format_seconds(spark.bucket_seconds)}; "
        f"a stall is a gap over {format_seconds(spark.threshold)})\n",
        style="dim",
    )
    text.append(spark.text + "\n", style="green")
    under = [" "] * len(spark.buckets)
    for stall in spark.stalls:
        for i in range(stall.start_bucket, min(len(under), stall.end_bucket + 1)):
            under[i] = "▔"
    if spark.stalls:
        text.append("".join(under) + "\n", style="bold red")
    left = f"+{format_seconds(spark.start)}"
    right = f"+{format_seconds(spark.end)}"
    pad = max(1, len(spark.buckets) - len(left) - len(right))
    text.append(left + " " * pad + right + "\n", style="dim")
    if not spark.stalls:
        text.append("no stalls\n", style="dim")
    for stall in spark.stalls[:MAX_STALLS]:
        text.append("stall ", style="bold red")
        text.append(
            f"{format_seconds(stall.seconds)} after read {stall.after_read + 1}, "
            f"from +{format_seconds(stall.start)} to +{format_seconds(stall.end)}\n"
        )
    if len(spark.stalls) > MAX_STALLS:
        text.append(f"... {len(spark.stalls) - MAX_STALLS} more stalls\n", style="dim")
    return text


class TimingView(VerticalScroll):
    """Waterfall of dns, connect, tls, send, wait and receive; the reads over time."""

    DEFAULT_CSS = """
    TimingView #timing-text { width: 1fr; height: auto; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.exchange: Exchange | None = None
        self.bars: list[Bar] = []
        self.spark: Spark | None = None
        self.text = Text("No exchange yet.", style="dim")
        """What the tab shows (all of it is made here: nothing from the network)."""

    def compose(self) -> ComposeResult:
        yield Static(self.text, id="timing-text", markup=False)

    def show(self, exchange: Exchange | None) -> None:
        """Draw an exchange's timings (None clears the tab)."""
        self.exchange = exchange
        self._draw()

    def on_resize(self, _: events.Resize) -> None:
        self._draw()

    def _draw(self) -> None:
        exchange = self.exchange
        if exchange is None:
            self.bars, self.spark = [], None
            self.text = Text("No exchange yet.", style="dim")
        else:
            width = max(20, self.size.width - LABEL_WIDTH - NUMBER_WIDTH - 6)
            tr = exchange.transcript
            self.bars = waterfall(exchange.timings, width)
            self.spark = sparkline(tr.events, tr.started, width + LABEL_WIDTH + NUMBER_WIDTH)
            self.text = Text()
            self.text.append("Phases\n", style="bold underline")
            self.text.append_text(waterfall_text(exchange.timings, self.bars))
            self.text.append("\nReads over time\n", style="bold underline")
            self.text.append_text(spark_text(exchange, self.spark))
        if self.is_mounted:
            self.query_one("#timing-text", Static).update(self.text)
