"""The parsed-response panel: status, headers as received, body, anomalies, timings."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import overload

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from inspector.model import Exchange, ParsedResponse
from inspector.render.body import (
    HEX_SUMMARY_BYTES,
    PRETTY_JSON_LIMIT,
    PRETTY_JSON_MAX,
    body_lines,
    is_binary,
    looks_like_json,
)
from inspector.render.escape import escape_bytes
from inspector.render.fieldmap import FieldMap
from inspector.store.env import mask
from inspector.tui.framing import FrameRow, framing_rows
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


MIN_MASK = 3
"""Shorter secret values are not masked: hiding every ``1`` on screen hides nothing."""
PAINT_FIRST = 0.25
"""Seconds the body worker waits, after handing over the text, before pretty-printing."""


class MaskedRows(Sequence[str]):
    """Rows with secret values masked as each row is read (the rows may be lazy)."""

    def __init__(self, rows: Sequence[str], secrets: Mapping[str, str]) -> None:
        self._rows = rows
        self._secrets = secrets

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [mask(row, self._secrets) for row in self._rows[index]]
        return mask(self._rows[index], self._secrets)


class ResponsePanel(Vertical):
    """Status line, header table, framing table and body of the last exchange.

    Moving the cursor in the header or framing table posts :class:`SpanSelected` with the
    row's bytes; enter (or a click on the status line) posts it with ``jump`` set.
    """

    DEFAULT_CSS = """
    ResponsePanel #resp-status { height: auto; padding: 0 1; }
    ResponsePanel #resp-headers { height: auto; max-height: 40%; }
    ResponsePanel #resp-framing { height: auto; max-height: 25%; }
    ResponsePanel #resp-body-info { height: 1; padding: 0 1; color: $text-muted; }
    ResponsePanel #resp-body { height: 1fr; min-height: 3; }
    """

    class BodyShown(Message):
        """The body panel now shows the body as ``kind`` (text first, then json, for a big one)."""

        def __init__(self, kind: str) -> None:
            super().__init__()
            self.kind = kind

    class SpanSelected(Message):
        """A part of the response was selected: its received bytes ``[start, end)``."""

        def __init__(self, start: int, end: int, label: str, jump: bool) -> None:
            super().__init__()
            self.start = start
            self.end = end
            self.label = label
            """Escaped text naming the part."""
            self.jump = jump
            """Whether to show the bytes now (enter), not just highlight them (cursor)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.exchange: Exchange | None = None
        self.show_encoded = False
        self.body_kind = "empty"
        self.frame_rows: list[FrameRow] = []
        """The framing table's rows and their byte ranges."""
        self._masks: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static(status_text(None), id="resp-status", markup=False)
        table: DataTable[Text] = DataTable(id="resp-headers", cursor_type="row", zebra_stripes=True)
        table.add_columns("Name", "Value", "Bytes")
        yield table
        framing: DataTable[Text] = DataTable(
            id="resp-framing", cursor_type="row", zebra_stripes=True
        )
        framing.add_columns("Part", "Framing", "Bytes")
        yield framing
        yield Static("", id="resp-body-info", markup=False)
        yield LinesView(id="resp-body")

    def set_masks(self, secrets: Mapping[str, str]) -> None:
        """Draw these secret values as ``••••`` in the headers and the body, until revealed."""
        masks = {k: v for k, v in secrets.items() if len(v) >= MIN_MASK}
        if masks != self._masks:
            self._masks = masks
            if self.exchange is not None:
                self.show(self.exchange)

    def show(self, exchange: Exchange | None) -> None:
        """Display an exchange (its body is prepared in a worker)."""
        self.exchange = exchange
        self.query_one("#resp-status", Static).update(status_text(exchange))
        table = self.query_one("#resp-headers", DataTable)
        table.clear()
        resp = exchange.response if exchange is not None else None
        if resp is not None:
            for name, value, span in header_rows(resp):
                if self._masks:
                    value = Text(mask(value.plain, self._masks))
                table.add_row(name, value, span)
        self.query_one("#resp-body", LinesView).set_lines([])
        self.query_one("#resp-body-info", Static).update("")
        if exchange is not None and resp is not None:
            self._prepare_body(exchange, self.show_encoded)
        self.show_framing(exchange, None)

    def show_framing(self, exchange: Exchange | None, field_map: FieldMap | None) -> None:
        """Fill the framing table (chunks beyond the first 1000 are counted in one row)."""
        table = self.query_one("#resp-framing", DataTable)
        table.clear()
        resp = exchange.response if exchange is not None else None
        self.frame_rows = framing_rows(resp, field_map) if field_map is not None else []
        for row in self.frame_rows:
            where = f"{row.start}-{row.end}" if row.end > row.start else f"at {row.start}"
            table.add_row(Text(row.part, style="bold"), Text(row.value), Text(where, style="dim"))

    def _span_of(self, table: DataTable[Text], index: int) -> tuple[int, int, str] | None:
        resp = self.exchange.response if self.exchange is not None else None
        if resp is None:
            return None
        if table.id == "resp-headers" and 0 <= index < len(resp.headers):
            h = resp.headers[index]
            return h.start, h.end, f"header {escape_bytes(h.name)}"
        if table.id == "resp-framing" and 0 <= index < len(self.frame_rows):
            row = self.frame_rows[index]
            return row.start, row.end, row.part
        return None

    @on(DataTable.RowHighlighted, "#resp-headers, #resp-framing")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # Only a person moving the cursor selects: filling the table moves it too.
        if event.data_table.has_focus:
            self._post_span(event.data_table, event.cursor_row, jump=False)

    @on(DataTable.RowSelected, "#resp-headers, #resp-framing")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self._post_span(event.data_table, event.cursor_row, jump=True)

    def _post_span(self, table: DataTable[Text], index: int, *, jump: bool) -> None:
        found = self._span_of(table, index)
        if found is not None:
            self.post_message(self.SpanSelected(*found, jump=jump))

    def on_click(self, event: events.Click) -> None:
        resp = self.exchange.response if self.exchange is not None else None
        if event.widget is not None and event.widget.id == "resp-status" and resp is not None:
            s0, s1 = resp.status_line_span
            if s1 > s0:
                self.post_message(self.SpanSelected(s0, s1, "status line", jump=True))

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
        big_json = kind == "text" and len(body) > PRETTY_JSON_LIMIT and looks_like_json(body, ctype)
        shown = note + (", pretty-printing..." if big_json else "")
        info = f"body: {kind}, {len(body)} bytes" + (f", {shown.lstrip(', ')}" if shown else "")
        self.app.call_from_thread(self._set_body, exchange, kind, lines, info)
        if not big_json:
            return
        # A big JSON body is on screen as text at once; the pretty rows replace it
        # when indexed (about 0.6 s for 10 MiB), unless another exchange came first.
        # First let the text's frame be painted.
        time.sleep(PAINT_FIRST)
        if exchange is not self.exchange:
            return
        from inspector.render.lazylines import JsonRows  # loaded by body_lines already

        pretty = JsonRows.build(body) if len(body) <= PRETTY_JSON_MAX else None
        if pretty is None:
            why = "not valid JSON" if len(body) <= PRETTY_JSON_MAX else "larger than 16 MiB"
            info = f"body: text, {len(body)} bytes, not pretty-printed ({why})"
            self.app.call_from_thread(self._set_body, exchange, "text", lines, info)
            return
        del lines
        info = f"body: json, {len(body)} bytes" + (f", {note.lstrip(', ')}" if note else "")
        self.app.call_from_thread(self._set_body, exchange, "json", pretty, info)

    def _set_body(self, exchange: Exchange, kind: str, lines: Sequence[str], info: str) -> None:
        if exchange is not self.exchange:
            return
        self.body_kind = kind
        self.post_message(self.BodyShown(kind))
        if self._masks:
            lines = MaskedRows(lines, self._masks)
        self.query_one("#resp-body-info", Static).update(info)
        self.query_one("#resp-body", LinesView).set_lines(
            lines, highlight_json if kind == "json" else None
        )
