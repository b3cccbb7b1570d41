"""Small modal screens: a question with buttons, and a form of text fields.

They do no I/O: each returns its answer through ``dismiss`` (a ``push_screen``
callback receives it). Text given to them is shown as text, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from inspector.render.escape import safe_text


class ChoiceScreen(ModalScreen[str]):
    """A question and a row of buttons; dismissed with the chosen button's key.

    Args:
        question: The question (plain text).
        choices: ``(key, label)`` per button, the first one focused; escape
            answers ``"cancel"``.
    """

    BINDINGS = [Binding("escape", "dismiss('cancel')", "Cancel")]
    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical { width: 70; height: auto; border: thick $accent; padding: 1 2;
        background: $surface; }
    ChoiceScreen Horizontal { height: auto; margin-top: 1; }
    ChoiceScreen Button { margin-right: 2; }
    """

    def __init__(self, question: str, choices: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self._question = question
        self._choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(safe_text(self._question)), id="question")
            with Horizontal():
                for key, label in self._choices:
                    yield Button(label, id=f"choice-{key}")

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss((event.button.id or "choice-cancel").removeprefix("choice-"))


class PromptScreen(ModalScreen[list[str] | None]):
    """A title and labelled text fields; dismissed with their values (None: cancelled).

    Args:
        title: What is asked.
        fields: ``(label, initial value)`` per field.
    """

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical { width: 80; height: auto; border: thick $accent; padding: 1 2;
        background: $surface; }
    PromptScreen Horizontal { height: auto; margin-top: 1; }
    PromptScreen Button { margin-right: 2; }
    """

    def __init__(self, title: str, fields: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self._title = title
        self._fields = list(fields)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self._title, style="bold"))
            for i, (label, value) in enumerate(self._fields):
                yield Label(Text(label))
                yield Input(value, id=f"field-{i}")
            with Horizontal():
                yield Button("OK", id="prompt-ok", variant="primary")
                yield Button("Cancel", id="prompt-cancel")

    def on_mount(self) -> None:
        self.query_one("#field-0", Input).focus()

    def _values(self) -> list[str]:
        return [self.query_one(f"#field-{i}", Input).value for i in range(len(self._fields))]

    @on(Input.Submitted)
    @on(Button.Pressed, "#prompt-ok")
    def _ok(self) -> None:
        self.dismiss(self._values())

    @on(Button.Pressed, "#prompt-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
