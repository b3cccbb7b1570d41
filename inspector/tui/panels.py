"""Small read-only views: the anomaly table and the timing phases."""

from __future__ import annotations

from rich.text import Text

from inspector.model import Exchange, Timings

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}


def anomaly_rows(exchange: Exchange) -> list[tuple[Text, Text, Text, Text, Text]]:
    """Severity, code, byte range, message, RFC section: one row per anomaly."""
    return [
        (
            Text(a.severity.value, style=SEVERITY_STYLE.get(a.severity.value, "")),
            Text(a.code, style="bold"),
            Text(f"{a.start}-{a.end}", style="dim"),
            Text(a.message),
            Text(a.rfc, style="dim"),
        )
        for a in exchange.anomalies
    ]


PHASES = ("dns", "connect", "tls", "send", "ttfb", "receive")
LABELS = {"ttfb": "wait"}


def timing_text(timings: Timings, width: int = 40) -> Text:
    """A waterfall of the phases, one bar per phase, scaled to the total."""
    total = timings.total or 0.0
    text = Text()
    offset = 0.0
    for phase in PHASES:
        value = getattr(timings, phase)
        label = LABELS.get(phase, phase).ljust(8)
        if value is None:
            text.append(f"{label} {'-':>11}\n", style="dim")
            continue
        start = int(offset / total * width) if total else 0
        length = max(1, int(value / total * width)) if total else 1
        text.append(f"{label} {value * 1000:8.2f} ms ")
        text.append(" " * start)
        text.append("█" * length, style="cyan")
        text.append("\n")
        offset += value
    text.append(f"{'total'.ljust(8)} {total * 1000:8.2f} ms", style="bold")
    return text
