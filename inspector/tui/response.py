"""The parsed-response panel: status, headers as received, body, anomalies, timings."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from inspector.model import Exchange, ParsedResponse
from inspector.render.body import HEX_SUMMARY_BYTES, PRETTY_JSON_LIMIT, body_lines, is_binary
from inspector.render.escape import escape_bytes
from inspector.tui.lines import LinesView, highlight_json
from inspector.wire.decode import decode_content


def status_text(exchange: Exchange | None) -> Text:
    """The status line, coloured by class; the error in plain words when it failed."""
    if exchange is None:
        return Text("No response yet: press ctrl+j to send.", style="dim")
    resp = exchange.response
    text = Text()
    if resp is not None and resp.status is not None:
        colour = {1: "cyan", 2: "green", 3: "blue", 4: "yellow"}.get(resp.status // 100, "red")
        text.append(
            f"{escape_bytes(resp.http_version)} {resp.status} {escape_bytes(resp.reason)}",
            style=f"bold {colour}",
        )
        text.append(f"   {resp.body_size} body bytes, {resp.framing or 'no'} framing", style="dim")
    if exchange.error is not None:
        if text:
            text.append("\n")
        text.append(f"{exchange.error.kind.value}: ", style="bold red")
        text.append(exchange.error.message, style="red")
        text.append("  (the bytes that arrived are in the Raw tab)", style="dim")
    return text


def header_rows(resp: ParsedResponse) -> list[tuple[Text, Text, Text]]:
    """One row per field exactly as received: name, value, byte range."""
    return [
        (
            Text(escape_bytes(h.name), style="bold"),
            Text(escape_bytes(h.value)),
            Text(f"{h.start}-{h.end}", style="dim"),
        )
        for h in resp.headers
    ]


class ResponsePanel(Vertical):
    """Status line, header table and body of the last exchange."""

    DEFAULT_CSS = """
    ResponsePanel #resp-status { height: auto; padding: 0 1; }
    ResponsePanel #resp-headers { height: auto; max-height: 12; }
    ResponsePanel #resp-body-info { height: 1; padding: 0 1; color: $text-muted; }
    ResponsePanel #resp-body { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.exchange: Exchange | None = None
        self.show_encoded = False
        self.body_kind = "empty"

    def compose(self) -> ComposeResult:
        yield Static(status_text(None), id="resp-status", markup=False)
        table: DataTable[Text] = DataTable(id="resp-headers", cursor_type="row", zebra_stripes=True)
        table.add_columns("Name", "Value", "Bytes")
        yield table
        yield Static("", id="resp-body-info", markup=False)
        yield LinesView(id="resp-body")

    def show(self, exchange: Exchange | None) -> None:
        """Display an exchange (its body is prepared in a worker)."""
        self.exchange = exchange
        self.query_one("#resp-status", Static).update(status_text(exchange))
        table = self.query_one("#resp-headers", DataTable)
        table.clear()
        resp = exchange.response if exchange is not None else None
        if resp is not None:
            for row in header_rows(resp):
                table.add_row(*row)
        self.query_one("#resp-body", LinesView).set_lines([])
        self.query_one("#resp-body-info", Static).update("")
        if exchange is not None and resp is not None:
            self._prepare_body(exchange, self.show_encoded)

    def toggle_encoded(self) -> None:
        """Switch between the decoded body and the bytes as they came (content-coding kept)."""
        self.show_encoded = not self.show_encoded
        if self.exchange is not None and self.exchange.response is not None:
            self._prepare_body(self.exchange, self.show_encoded)

    @work(thread=True, exclusive=True, group="body")
    def _prepare_body(self, exchange: Exchange, encoded: bool) -> None:
        resp = exchange.response
        assert resp is not None
        codings = resp.header_values(b"content-encoding")
        ctype = b", ".join(resp.header_values(b"content-type"))
        head = exchange.response_body(limit=8192)
        if not codings and is_binary(head):
            # Only the start of a binary body is shown: do not read 100 MiB back.
            summary = exchange.response_body(limit=HEX_SUMMARY_BYTES)
            kind, lines = body_lines(summary, ctype, total=resp.body_size)
            info = f"body: {kind}, {resp.body_size} bytes"
            self.app.call_from_thread(self._set_body, exchange, kind, lines, info)
            return
        body = exchange.response_body()
        note = ""
        if codings and not encoded:
            result = decode_content(body, codings)
            body = result.data
            note = f"decoded {', '.join(result.codings)}" + ("" if result.decoded else " (partly)")
        elif codings:
            note = "as received (content-coding kept)"
        kind, lines = body_lines(body, ctype)
        if kind == "text" and len(body) > PRETTY_JSON_LIMIT and b"json" in ctype.lower():
            note += ", not pretty-printed (larger than 2 MiB)"
        info = f"body: {kind}, {len(body)} bytes" + (f", {note.lstrip(', ')}" if note else "")
        self.app.call_from_thread(self._set_body, exchange, kind, lines, info)

    def _set_body(self, exchange: Exchange, kind: str, lines: list[str], info: str) -> None:
        if exchange is not self.exchange:
            return
        self.body_kind = kind
        self.query_one("#resp-body-info", Static).update(info)
        self.query_one("#resp-body", LinesView).set_lines(
            lines, highlight_json if kind == "json" else None
        )
