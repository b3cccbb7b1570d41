"""The export screen: a format, its text, what it cannot reproduce, copy and save.

The text of each format comes from a function the app passes in (pure work:
no I/O); saving posts :class:`ExportScreen.SaveWanted` for the app to write.
Secrets stay ``{{name}}`` placeholders unless "include secrets" is ticked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Select, Static, TextArea

from inspector.render.escape import safe_text


@dataclass(frozen=True, slots=True)
class Rendered:
    """One format's output."""

    preview: str
    """What the screen shows (already safe text)."""
    data: bytes
    """What "Save to file" writes (empty: nothing to save)."""
    caveats: tuple[str, ...] = ()
    """What the format cannot reproduce, one sentence each."""
    filename: str = "export.txt"
    """A file name to suggest."""
    text: str | None = None
    """What "Copy" puts on the clipboard (None: binary, not copyable)."""


Renderer = Callable[[str, bool], Rendered]
"""Format key and "include secrets" in, the output out."""


class ExportScreen(ModalScreen[None]):
    """Pick a format, read it and its caveats, copy it or save it to a file."""

    class SaveWanted(Message):
        """Write these bytes to this file (relative to the export folder)."""

        def __init__(self, screen: ExportScreen, path: str, data: bytes) -> None:
            super().__init__()
            self.export_screen = screen
            self.path = path
            self.data = data

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]
    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical { width: 95%; height: 90%; border: thick $accent; padding: 0 1;
        background: $surface; }
    ExportScreen #export-top { height: 3; }
    ExportScreen #export-format { width: 44; }
    ExportScreen #export-text { height: 1fr; }
    ExportScreen #export-caveats { height: auto; max-height: 8; color: $warning; }
    ExportScreen #export-bottom { height: 3; }
    ExportScreen #export-file { width: 1fr; }
    ExportScreen #export-result { height: 1; }
    """

    def __init__(self, render: Renderer, formats: Sequence[tuple[str, str]], initial: str) -> None:
        super().__init__()
        self._renderer = render
        self._formats = list(formats)
        self._initial = initial
        self.rendered: Rendered | None = None
        """The output shown now."""

    def compose(self) -> ComposeResult:
        with Vertical():
            with Horizontal(id="export-top"):
                yield Select(
                    [(label, key) for key, label in self._formats],
                    value=self._initial,
                    allow_blank=False,
                    id="export-format",
                )
                yield Checkbox("include secrets", False, id="export-secrets")
            yield TextArea("", id="export-text", read_only=True, soft_wrap=False)
            yield Static("", id="export-caveats")
            with Horizontal(id="export-bottom"):
                yield Input("", id="export-file", placeholder="file name")
                yield Button("Copy", id="export-copy")
                yield Button("Save to file", id="export-save", variant="primary")
                yield Button("Close", id="export-close")
            yield Static("", id="export-result", markup=False)

    def on_mount(self) -> None:
        self._show()

    @property
    def format(self) -> str:
        """The chosen format's key."""
        return str(self.query_one("#export-format", Select).value)

    def _show(self) -> None:
        secrets = self.query_one("#export-secrets", Checkbox).value
        rendered = self._renderer(self.format, secrets)
        self.rendered = rendered
        self.query_one("#export-text", TextArea).load_text(rendered.preview)
        caveats = Text()
        for line in rendered.caveats:
            caveats.append(f"• {safe_text(line)}\n")
        self.query_one("#export-caveats", Static).update(caveats)
        self.query_one("#export-file", Input).value = rendered.filename
        self.query_one("#export-copy", Button).disabled = rendered.text is None
        self.query_one("#export-save", Button).disabled = not rendered.data

    def saved(self, message: str) -> None:
        """The app's answer to a save: where it went, or why it failed."""
        self.query_one("#export-result", Static).update(message)

    @on(Select.Changed, "#export-format")
    @on(Checkbox.Changed, "#export-secrets")
    def _changed(self) -> None:
        self._show()

    @on(Button.Pressed, "#export-copy")
    def _copy(self) -> None:
        if self.rendered is not None and self.rendered.text is not None:
            self.app.copy_to_clipboard(self.rendered.text)
            self.saved("copied to the clipboard")

    @on(Button.Pressed, "#export-save")
    def _save(self) -> None:
        if self.rendered is not None and self.rendered.data:
            path = self.query_one("#export-file", Input).value.strip()
            self.post_message(self.SaveWanted(self, path, self.rendered.data))

    @on(Button.Pressed, "#export-close")
    def _close(self) -> None:
        self.dismiss(None)
