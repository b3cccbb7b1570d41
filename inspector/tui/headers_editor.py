"""The Headers tab: one row per header field, or all of them as text (bulk edit).

A row is an enable box, a name, a value and a remove button. The builder's form keeps
headers as text (``Name: value`` lines, ``#`` for a disabled one, see
:mod:`inspector.tui.form`), so the editor's :attr:`HeadersEditor.text` is that text:
typing in a row re-joins the rows' text, it never rebuilds the rows.

Bulk edit shows the same text in a text area, for pasting many headers at once. Text
that rows cannot hold exactly (a line without a colon, a comment) stays in bulk edit.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Static, TextArea

from inspector.model import InputError
from inspector.tui.form import HeaderRow, header_name_problem, header_rows, header_text
from inspector.tui.safefields import SafeInput, SafeTextArea

BULK_HELP = "One header per line, 'Name: value'. A line starting with # is not sent."
EMPTY_HELP = "No headers. ctrl+n or '+ header' adds one; bulk edit takes 'Name: value' lines."


class HeaderRowEditor(Horizontal):
    """One header: sent or not, name, value, and a button that removes the row."""

    DEFAULT_CSS = """
    HeaderRowEditor { height: 1; }
    HeaderRowEditor > .header-on { width: 3; }
    HeaderRowEditor > .header-on:focus { border: none !important; }
    HeaderRowEditor > .header-on:focus > .toggle--button { text-style: reverse; }
    HeaderRowEditor > .header-name { width: 2fr; margin-right: 1; }
    HeaderRowEditor > .header-name.-bad { color: $error; }
    HeaderRowEditor > .header-value { width: 3fr; }
    HeaderRowEditor.-off > Input { color: $text-muted; text-style: strike; }
    HeaderRowEditor > .header-remove { width: 3; min-width: 3; margin-left: 1; }
    """

    def __init__(self, row: HeaderRow) -> None:
        super().__init__()
        enabled, name, value = row
        # Built here, not in compose, so the row's text can be read before it is mounted.
        self.enabled_box = Checkbox(
            value=enabled, compact=True, classes="header-on", tooltip="send this header"
        )
        self.name_field = SafeInput(name, placeholder="Name", compact=True, classes="header-name")
        self.value_field = SafeInput(
            value, placeholder="value", compact=True, classes="header-value"
        )
        self.remove_button = Button(
            "✕", compact=True, classes="header-remove", tooltip="remove this header"
        )
        self.show_state()

    def compose(self) -> ComposeResult:
        yield self.enabled_box
        yield self.name_field
        yield self.value_field
        yield self.remove_button

    @property
    def row(self) -> HeaderRow:
        """The row as the fields hold it now."""
        return self.enabled_box.value, self.name_field.value, self.value_field.value

    def show_state(self) -> None:
        """Strike a disabled row through; mark a name that header text cannot hold."""
        self.set_class(not self.enabled_box.value, "-off")
        problem = header_name_problem(self.name_field.value)
        self.name_field.set_class(problem is not None, "-bad")
        self.name_field.tooltip = problem


class HeadersEditor(Vertical):
    """Header rows (add, remove, disable; order and case kept) or, in bulk edit, text."""

    DEFAULT_CSS = """
    HeadersEditor { height: 1fr; }
    HeadersEditor > #headers-toolbar { height: 1; }
    HeadersEditor #header-add { margin-right: 2; }
    HeadersEditor > #header-rows { height: 1fr; }
    HeadersEditor > #headers-empty { height: auto; color: $text-muted; }
    HeadersEditor > #headers-text { height: 1fr; }
    HeadersEditor #headers-bulk:focus { border: none !important; }
    """

    BINDINGS = [Binding("ctrl+n", "add_header", "Add header")]

    class Changed(Message):
        """The headers' text changed (a row edited, added, removed, or the bulk text)."""

        def __init__(self, editor: HeadersEditor, text: str) -> None:
            super().__init__()
            self.editor = editor
            self.text = text

        @property
        def control(self) -> HeadersEditor:
            """The editor that changed."""
            return self.editor

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[HeaderRowEditor] = []
        # Built here, not in compose, so the text can be read before they are mounted.
        self._area = SafeTextArea(
            "", id="headers-text", soft_wrap=False, placeholder=BULK_HELP, compact=True
        )
        self._bulk_box = Checkbox("bulk edit", id="headers-bulk", compact=True)
        self.bulk = False
        """Whether the text area (bulk edit) is shown instead of the rows."""
        self._take(text)
        self._text = self.text  # as last reported: Changed is posted only when it differs

    def compose(self) -> ComposeResult:
        with Horizontal(id="headers-toolbar"):
            yield Button("+ header", id="header-add", compact=True, tooltip="add a row (ctrl+n)")
            yield self._bulk_box
        yield Static(EMPTY_HELP, id="headers-empty", markup=False)
        with VerticalScroll(id="header-rows"):
            yield from self._rows
        yield self._area

    def on_mount(self) -> None:
        self._show()

    # ------------------------------------------------------------ public API
    @property
    def text(self) -> str:
        """The headers as ``Name: value`` lines, ``#`` before a disabled one."""
        if self.bulk:
            return self._area.text
        return header_text(r.row for r in self._rows)

    @property
    def rows(self) -> list[HeaderRowEditor]:
        """The row widgets, in order (empty in bulk edit)."""
        return list(self._rows)

    def problem(self) -> str | None:
        """Why the rows cannot be sent as they are (a name the text cannot hold), or None."""
        if self.bulk:
            return None
        for row in self._rows:
            problem = header_name_problem(row.name_field.value)
            if problem is not None:
                return problem
        return None

    def load(self, text: str) -> None:
        """Show these headers (as rows when rows can hold them); posts no Changed."""
        self._remount(self._take(text))
        self._show()
        self._text = self.text

    def set_bulk(self, on: bool) -> bool:
        """Switch to bulk edit (the rows as text) or back to rows.

        Returns:
            Whether the switch was made: text with a line that rows cannot hold
            (no colon) stays in bulk edit, and a warning says which line.
        """
        if on == self.bulk:
            return True
        if on:
            self._area.load_text(self.text)
            self._rows = []
            self._remount([])
        else:
            try:
                rows = header_rows(self._area.text)
            except InputError as exc:
                self._set_bulk(True)
                self.notify(f"{exc}; rows cannot hold it", severity="warning")
                return False
            self._rows = [HeaderRowEditor(r) for r in rows]
            self._remount(self._rows)
        self._set_bulk(on)
        self._show()
        self._changed()
        return True

    async def add_row(self, row: HeaderRow = (True, "", ""), focus: bool = True) -> None:
        """Append a row and focus its name (leaving bulk edit first, if its text allows)."""
        if self.bulk and not self.set_bulk(False):
            return
        widget = HeaderRowEditor(row)
        self._rows.append(widget)
        await self.query_one("#header-rows", VerticalScroll).mount(widget)
        self._show()
        if focus:
            widget.name_field.focus()
        self._changed()

    def remove_row(self, widget: HeaderRowEditor) -> None:
        """Remove a row; focus moves to the next row's name (or the previous one's)."""
        index = self._rows.index(widget)
        self._rows.remove(widget)
        focused = self.screen.focused if self.is_attached else None
        if focused is not None and focused in widget.children:
            after = self._rows[min(index, len(self._rows) - 1)] if self._rows else None
            target = after.name_field if after else self.query_one("#header-add", Button)
            target.focus()
        widget.remove()
        self._show()
        self._changed()

    # ------------------------------------------------------------- internals
    def _take(self, text: str) -> list[HeaderRowEditor]:
        """Rows for the text, or bulk edit with it when rows cannot hold it exactly."""
        try:
            self._rows = [HeaderRowEditor(r) for r in header_rows(text)]
            self._set_bulk(False)
        except InputError:
            self._rows = []
            self._area.load_text(text)
            self._set_bulk(True)
        return self._rows

    def _remount(self, rows: list[HeaderRowEditor]) -> None:
        container = self.query_one("#header-rows", VerticalScroll)
        container.remove_children()
        if rows:
            container.mount_all(rows)

    def _set_bulk(self, on: bool) -> None:
        self.bulk = on
        with self._bulk_box.prevent(Checkbox.Changed):
            self._bulk_box.value = on

    def _show(self) -> None:
        self._area.display = self.bulk
        self.query_one("#header-rows", VerticalScroll).display = not self.bulk
        self.query_one("#headers-empty", Static).display = not self.bulk and not self._rows

    def _changed(self) -> None:
        text = self.text
        if text != self._text:
            self._text = text
            self.post_message(self.Changed(self, text))

    async def action_add_header(self) -> None:
        """Append an empty row and focus its name."""
        await self.add_row()

    # -------------------------------------------------------------- events
    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        row = event.input.parent
        if isinstance(row, HeaderRowEditor) and event.input is row.name_field:
            row.show_state()
        self._changed()

    @on(Input.Submitted)
    async def _input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves on: name to value, value to the next row's name (a new last row)."""
        event.stop()
        row = event.input.parent
        if not isinstance(row, HeaderRowEditor) or row not in self._rows:
            return
        if event.input is row.name_field:
            row.value_field.focus()
            return
        index = self._rows.index(row)
        if index + 1 < len(self._rows):
            self._rows[index + 1].name_field.focus()
        else:
            await self.add_row()

    @on(Checkbox.Changed)
    def _box_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        if event.checkbox is self._bulk_box:
            self.set_bulk(event.value)
            return
        row = event.checkbox.parent
        if isinstance(row, HeaderRowEditor):
            row.show_state()
        self._changed()

    @on(TextArea.Changed, "#headers-text")
    def _text_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._changed()

    @on(Button.Pressed, "#header-add")
    async def _add_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        await self.add_row()

    @on(Button.Pressed, ".header-remove")
    def _remove_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        row = event.button.parent
        if isinstance(row, HeaderRowEditor) and row in self._rows:
            self.remove_row(row)
