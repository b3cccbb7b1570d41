"""The Compare tab: the request through inspector, http.client and httpx, side by side.

The app runs the engines (in its ``compare`` worker) and hands the result over with
:meth:`CompareView.show`; this widget only lays it out in three columns and switches
between the byte diff and the structural diff (``m`` or the button), both of which the
worker already computed, so the switch does no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from inspector.compare.diff import Comparison
from inspector.model import Exchange
from inspector.tui.comparecols import columns

ENGINES = ("inspector", "http.client", "httpx")


class CompareView(Vertical):
    """Three columns, one per engine; a toggle between byte and structural diff."""

    DEFAULT_CSS = """
    CompareView #compare-bar { height: 1; }
    CompareView #compare-info { width: 1fr; padding: 0 1; }
    CompareView #compare-mode { width: auto; min-width: 16; height: 1; border: none; }
    CompareView #compare-columns { height: 1fr; }
    CompareView .compare-column { width: 1fr; border-right: vkey $foreground 20%; }
    CompareView .compare-text { width: 1fr; height: auto; padding: 0 1; }
    """

    BINDINGS = [Binding("m", "toggle_mode", "Byte / structural diff")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.structural = False
        self.exchanges: tuple[Exchange, ...] = ()
        self.comparisons: tuple[Comparison, Comparison] | None = None
        """The byte diff and the structural diff of the last run."""
        self.texts: list[Text] = []
        """The columns shown, ours first."""
        self.highlighted: list[int] = []
        """How many lines of each column differ from the others."""
        self.info = Text("press ctrl+o to send the request through every engine", style="dim")

    def compose(self) -> ComposeResult:
        with Horizontal(id="compare-bar"):
            yield Static(self.info, id="compare-info", markup=False)
            yield Button(self._mode_label(), id="compare-mode", compact=True)
        with Horizontal(id="compare-columns"):
            for i, name in enumerate(ENGINES):
                with VerticalScroll(classes="compare-column", id=f"compare-col-{i}"):
                    yield Static(
                        Text(name, style="bold underline"),
                        classes="compare-text",
                        id=f"compare-text-{i}",
                        markup=False,
                    )

    @property
    def comparison(self) -> Comparison | None:
        """The comparison in the current mode."""
        if self.comparisons is None:
            return None
        return self.comparisons[1] if self.structural else self.comparisons[0]

    def _mode_label(self) -> str:
        return "structural diff" if self.structural else "byte diff"

    def running(self, note: str) -> None:
        """Say that a comparison is under way."""
        self._set_info(Text(note, style="yellow"))

    def show(
        self, exchanges: Sequence[Exchange], byte_diff: Comparison, structural: Comparison
    ) -> None:
        """Lay out a finished comparison (``exchanges``: ours first)."""
        self.exchanges = tuple(exchanges)
        self.comparisons = (byte_diff, structural)
        self._draw()

    def action_toggle_mode(self) -> None:
        """Byte diff <-> structural diff (headers as a multiset, order and case ignored)."""
        self.structural = not self.structural
        self.query_one("#compare-mode", Button).label = self._mode_label()
        self._draw()

    @on(Button.Pressed, "#compare-mode")
    def _mode_pressed(self) -> None:
        self.action_toggle_mode()

    def _set_info(self, info: Text) -> None:
        self.info = info
        self.query_one("#compare-info", Static).update(info)

    def _draw(self) -> None:
        comparison = self.comparison
        if comparison is None:
            return
        self.texts, self.highlighted = columns(self.exchanges, comparison, self.structural)
        differs = "they differ" if comparison.differs else "no differences"
        mode = "structural" if self.structural else "byte"
        self._set_info(Text(f"{mode} diff: {differs} (m switches the mode)"))
        for i, text in enumerate(self.texts[: len(ENGINES)]):
            self.query_one(f"#compare-text-{i}", Static).update(text)
