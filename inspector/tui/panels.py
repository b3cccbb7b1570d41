"""Small read-only views: the anomaly table (the timing phases are in ``timingview``)."""

from __future__ import annotations

from rich.text import Text

from inspector.model import Exchange

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
