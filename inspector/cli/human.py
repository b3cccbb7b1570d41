"""Human-readable descriptions of parsed responses (escaped: safe for any terminal)."""

from __future__ import annotations

from inspector.cli.style import Style
from inspector.model import Anomaly, HeaderField, ParsedResponse
from inspector.render.escape import escape_bytes

PREVIEW_BYTES = 512


def _span(start: int, end: int) -> str:
    return f"[{start}-{end})"


def _field_lines(fields: tuple[HeaderField, ...], style: Style) -> list[str]:
    width = max((len(_span(f.start, f.end)) for f in fields), default=0)
    return [
        f"  {style(_span(f.start, f.end).ljust(width), 'dim')}  "
        f"{style(escape_bytes(f.name), 'cyan')}: {escape_bytes(f.value)}"
        for f in fields
    ]


def anomaly_lines(anomalies: tuple[Anomaly, ...], style: Style) -> list[str]:
    """One line per anomaly: severity, code, byte range, message, RFC section."""
    lines = []
    for a in anomalies:
        rfc = f" ({a.rfc})" if a.rfc else ""
        lines.append(
            f"  {style.severity(a.severity.value, a.severity.value.ljust(7))} "
            f"{a.code}  {style(_span(a.start, a.end), 'dim')}  {a.message}{rfc}"
        )
    return lines


def describe(parsed: ParsedResponse, body: bytes, leftover: int, style: Style) -> list[str]:
    """Status, headers, body summary, anomalies and leftover bytes, with byte ranges."""
    out: list[str] = []
    for i in parsed.interim:
        out.append(
            style.status(
                i.status, f"{escape_bytes(i.http_version)} {i.status} {escape_bytes(i.reason)}"
            )
            + style(f"  interim {_span(i.start, i.end)}", "dim")
        )
        out += _field_lines(i.headers, style)
    if parsed.status is None:
        out.append(style.status(None, "no status line could be read"))
    else:
        line = f"{escape_bytes(parsed.http_version)} {parsed.status} {escape_bytes(parsed.reason)}"
        out.append(
            style.status(parsed.status, line.rstrip())
            + style(f"  {_span(*parsed.status_line_span)}", "dim")
        )
    if parsed.headers:
        out.append(style(f"headers ({len(parsed.headers)}):", "bold"))
        out += _field_lines(parsed.headers, style)
    framing = parsed.framing.value if parsed.framing else "unknown"
    state = "complete" if parsed.complete else "incomplete"
    keep = "yes" if parsed.keep_alive else "no"
    out.append(
        style("body:", "bold")
        + f" {parsed.body_size} bytes, framing {framing}, {state}, keep-alive {keep}"
    )
    if parsed.body_spans:
        first, last = parsed.body_spans[0][0], parsed.body_spans[-1][1]
        out[-1] += style(f"  {_span(first, last)} in {len(parsed.body_spans)} span(s)", "dim")
    if body:
        preview = escape_bytes(body[:PREVIEW_BYTES])
        more = f" ... ({len(body) - PREVIEW_BYTES} more bytes)" if len(body) > PREVIEW_BYTES else ""
        out.append(f"  {preview}{style(more, 'dim')}")
    if parsed.trailers:
        out.append(style(f"trailers ({len(parsed.trailers)}):", "bold"))
        out += _field_lines(parsed.trailers, style)
    if leftover:
        out.append(
            style("leftover:", "bold")
            + f" {leftover} bytes after the message {_span(parsed.end, parsed.end + leftover)}"
        )
    if parsed.anomalies:
        out.append(style(f"anomalies ({len(parsed.anomalies)}):", "bold"))
        out += anomaly_lines(parsed.anomalies, style)
    else:
        out.append(style("no anomalies", "green"))
    return out
