"""Saved requests in the app (issue 8), kept out of ``app.py``.

:class:`SavedActions` is a base of :class:`~inspector.tui.app.InspectorApp` (through
:class:`~inspector.tui.collection_actions.CollectionActions`): the sidebar's
listing (read in a worker), environments, open / save / save as, and the
unsaved-changes guard on switch and quit. The editor holds template text; the
selected environment's variables (and the file's own) are handed down to it and
filled in only when sending.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rich.text import Text
from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static, Tree

from inspector.formats.httpfile import SavedRequest, from_spec
from inspector.model import InputError, RequestSpec
from inspector.render.editable import editable_to_bytes
from inspector.store.collection import Collection
from inspector.store.env import Environments
from inspector.tui import collection_ops as ops
from inspector.tui.builder import RequestBuilder
from inspector.tui.collection_ops import Opened
from inspector.tui.dialogs import ChoiceScreen, PromptScreen
from inspector.tui.messages import CollectionScanned
from inspector.tui.rawview import RawView
from inspector.tui.response import MIN_MASK, ResponsePanel
from inspector.tui.savedform import form_from_saved, saved_from_form
from inspector.tui.sidebar import UNSAVED, NodeRef, Sidebar

UNSAVED_CHOICES = (("save", "Save"), ("discard", "Discard changes"), ("cancel", "Cancel"))


class SavedActions(App[None]):
    """Keys, commands, handlers and workers of the saved requests."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+b", "toggle_sidebar", "Sidebar", show=False),
        Binding("ctrl+r", "reveal_secrets", "Secrets", show=False),
    ]

    collection: Collection | None = None
    """The saved requests' folder (None: saving is off)."""
    environments: Environments | None = None
    environment: str | None = None
    """The selected environment (None: only ``$shared``)."""
    opened: Opened | None = None
    """The saved request open in the editor."""
    unsaved = False
    """Whether the editor differs from the opened request as saved."""
    _env_problems: tuple[str, ...] = ()
    _env_chosen = False
    _sidebar_touched = False
    """Whether the user showed or hid the sidebar; until then it shows when there are files."""
    """Whether the user picked an environment (or none); until then the first one is used."""

    def setup_saved(self, root: Path | None) -> None:
        """Use the collection in ``root`` (None: no collection, the sidebar stays hidden)."""
        self.collection = Collection(root) if root is not None else None

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The saved-request actions in the command palette."""
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Save request", "Write it back into its .http file (ctrl+s)", self.action_save
        )
        yield SystemCommand(
            "Save request as", "Into a new or another .http file, under a name", self.action_save_as
        )
        yield SystemCommand(
            "Show / hide saved requests", "The sidebar (ctrl+b)", self.action_toggle_sidebar
        )
        yield SystemCommand(
            "Secrets: show / mask",
            "In the Raw tab of the editor (ctrl+r)",
            self.action_reveal_secrets,
        )

    def _say(self, text: str, style: str = "") -> None:
        self.query_one("#statusline", Static).update(Text(text, style=style))

    @property
    def _builder(self) -> RequestBuilder:
        return self.query_one(RequestBuilder)

    def on_mount(self) -> None:
        self.query_one(Sidebar).display = self.collection is not None
        self.scan_collection()

    # ------------------------------------------------------------ listing
    def scan_collection(self) -> None:
        """Read the collection again (in a worker); the sidebar follows."""
        if self.collection is not None:
            self._scan(self.collection)

    @work(thread=True, exclusive=True, group="collection")
    def _scan(self, collection: Collection) -> None:
        listing, environments = ops.scan(collection)
        self.post_message(CollectionScanned(listing, environments))

    @on(CollectionScanned)
    def _scanned(self, message: CollectionScanned) -> None:
        envs = message.environments
        self.environments = envs
        names = envs.names() if envs is not None else []
        if self.environment not in names:
            # Like Posting and the REST-client tools, start with the first environment,
            # so that {{variables}} resolve at once; the user's own choice sticks.
            self.environment = names[0] if names and not self._env_chosen else None
        sidebar = self.query_one(Sidebar)
        if not self._sidebar_touched and self.collection is not None:
            # An empty collection leaves the room to the request (ctrl+b shows it).
            sidebar.display = bool(message.listing)
        sidebar.show_listing(message.listing, names, self.environment)
        sidebar.mark(self._opened_ref(), self.unsaved)
        self._apply_variables()
        problems = envs.problems if envs is not None else ()
        if problems and problems != self._env_problems:
            self.notify("\n".join(problems), title="environments", severity="warning")
        self._env_problems = problems

    def _opened_ref(self) -> NodeRef | None:
        op = self.opened
        return NodeRef(op.rel, op.index) if op is not None else None

    # ------------------------------------------------------------ variables
    def _apply_variables(self) -> None:
        envs = self.environments
        values: dict[str, str] = {}
        secrets: dict[str, str] = {}
        if envs is not None:
            values, secrets = envs.variables(self.environment), envs.secrets(self.environment)
        if self.opened is not None:
            values.update(self.opened.variables)  # file variables win, as in VS Code
        self._builder.set_variables(values, secrets)
        self._mask_on_screen()

    @on(Sidebar.EnvironmentPicked)
    def _environment_picked(self, message: Sidebar.EnvironmentPicked) -> None:
        self.environment = message.name
        self._env_chosen = True
        self._apply_variables()
        self._say(f"environment: {message.name or 'none'}")

    def action_reveal_secrets(self) -> None:
        """Show or mask secret values in the editor's Raw tab."""
        builder = self._builder
        builder.set_reveal(not builder.reveal)
        self._mask_on_screen()
        self._say("secrets shown" if builder.reveal else "secrets masked")

    def _mask_on_screen(self) -> None:
        """Secret values show as masks in the raw and parsed panels too, until revealed."""
        builder = self._builder
        secrets = {} if builder.reveal else builder.secrets
        shown = {k: v for k, v in secrets.items() if len(v) >= MIN_MASK}
        self.query_one(ResponsePanel).set_masks(shown)
        self.query_one(RawView).set_masks([v.encode("utf-8") for v in shown.values()])

    def action_toggle_sidebar(self) -> None:
        """Show or hide the saved requests."""
        if self.collection is None:
            self._say("no collection folder: saved requests are off", "yellow")
            return
        sidebar = self.query_one(Sidebar)
        self._sidebar_touched = True
        sidebar.display = not sidebar.display
        if sidebar.display:
            sidebar.query_one(Tree).focus()

    # ------------------------------------------------------------ unsaved
    @on(RequestBuilder.Changed)
    def _editor_changed(self) -> None:
        if self.opened is None:
            return
        unsaved = self._builder.snapshot() != self.opened.snapshot
        if unsaved != self.unsaved:
            self.unsaved = unsaved
            self._show_marker()

    def _show_marker(self) -> None:
        op = self.opened
        self.query_one(Sidebar).mark(self._opened_ref(), self.unsaved)
        if op is None:
            self.sub_title = ""
        else:
            self.sub_title = f"{UNSAVED + ' ' if self.unsaved else ''}{op.saved.name} ({op.rel})"

    def _guard(self, then: Callable[[], object]) -> None:
        """Run ``then`` now, or after asking what to do with unsaved changes."""
        if not self.unsaved or self.opened is None:
            then()
            return

        def answer(choice: str | None) -> None:
            if choice == "discard" or (choice == "save" and self._save()):
                then()

        question = f"{self.opened.saved.name} ({self.opened.rel}) has unsaved changes."
        self.push_screen(ChoiceScreen(question, UNSAVED_CHOICES), answer)

    async def action_quit(self) -> None:
        """Quit; unsaved changes are asked about first."""
        self._guard(self.exit)

    # ------------------------------------------------------------ open
    def open_saved(self, ref: NodeRef) -> None:
        """Load a saved request into the editor (unsaved changes are not asked about)."""
        if self.collection is None or ref.index is None:
            return
        try:
            parsed = ops.read(self.collection, ref.rel)
        except InputError as exc:
            self._say(f"cannot open: {exc}", "red")
            return
        if ref.index >= len(parsed.requests):
            self._say(f"{ref.rel} changed: that request is gone", "yellow")
            self.scan_collection()
            return
        saved = parsed.requests[ref.index]
        builder = self._builder
        self.opened, self.unsaved = None, False
        notes: list[str] = []
        if saved.raw is not None:
            builder.load_raw(saved.url, saved.raw)
            if not saved.raw_intact:
                notes.append("its raw bytes do not match their recorded hash (file edited?)")
        else:
            form, notes = form_from_saved(saved, (self.collection.root / ref.rel).parent)
            builder.load(form)
        builder.request_name = saved.name
        self.opened = Opened(ref.rel, ref.index, saved, dict(parsed.variables), builder.snapshot())
        self._apply_variables()
        self._show_marker()
        self._say(
            f"opened {saved.name} ({ref.rel}){': ' if notes else ''}{'; '.join(notes)}",
            "yellow" if notes else "green",
        )

    # ------------------------------------------------------------ save
    def _editor_request(self, name: str, base: SavedRequest | None, folder: Path) -> SavedRequest:
        form, raw_mode, raw_text = self._builder.snapshot()
        if not raw_mode:
            return saved_from_form(form, name, base, folder)
        saved = from_spec(RequestSpec(url=form.url.strip(), raw=editable_to_bytes(raw_text)), name)
        if base is not None:
            saved = replace(
                saved, comments=base.comments, directives=base.directives, handlers=base.handlers
            )
        return saved

    def action_save(self) -> None:
        """Write the open request back into its file (save as when none is open)."""
        if self.collection is None:
            self._say("no collection folder: saving is off", "yellow")
        elif self.opened is None:
            self.action_save_as()
        else:
            self._save()

    def _save(self) -> bool:
        op, collection = self.opened, self.collection
        if op is None or collection is None:
            return False
        where = [op.index]

        def change(requests: list[SavedRequest]) -> list[SavedRequest]:
            i = ops.locate(requests, op.index, op.saved.name)
            if i is None:
                requests.append(saved)
                i = len(requests) - 1
            requests[i] = saved
            where[0] = i
            return requests

        try:
            saved = self._editor_request(op.saved.name, op.saved, (collection.root / op.rel).parent)
            _, variables = ops.rewrite(collection, op.rel, change)
        except InputError as exc:
            self._say(f"cannot save: {exc}", "red")
            return False
        self._now_open(op.rel, where[0], saved, variables, f"saved {saved.name} to {op.rel}")
        return True

    def _now_open(
        self, rel: str, index: int, saved: SavedRequest, variables: dict[str, str], note: str
    ) -> None:
        self.opened = Opened(rel, index, saved, variables, self._builder.snapshot())
        self._builder.request_name = saved.name
        self.unsaved = False
        self._apply_variables()
        self._show_marker()
        self._say(note, "green")
        self.scan_collection()

    def action_save_as(self) -> None:
        """Save the editor's request under a new name, into a new or existing file."""
        if self.collection is None:
            self._say("no collection folder: saving is off", "yellow")
            return
        op = self.opened
        if op is not None:
            rel, name = op.rel, f"{op.saved.name} copy"
        else:
            form = self._builder.form()
            rel, name = ops.DEFAULT_FILE, f"{form.method} {urlsplit(form.url).path or '/'}"
        fields = [("file, relative to the collection (created when new)", rel), ("name", name)]
        self.push_screen(PromptScreen("Save the request as", fields), self._save_as)

    def _save_as(self, values: list[str] | None) -> None:
        collection = self.collection
        if values is None or collection is None:
            return
        rel, name = ops.normalize(ops.with_suffix(values[0])), values[1].strip()
        op = self.opened
        try:
            if not name:
                raise InputError("the request needs a name")
            saved = self._editor_request(
                name, op.saved if op else None, (collection.root / rel).parent
            )
            carried = ops.carried_variables(saved, op.variables) if op else {}
            requests, variables = ops.rewrite(collection, rel, lambda rs: [*rs, saved], carried)
        except InputError as exc:
            self._say(f"cannot save: {exc}", "red")
            return
        self._now_open(rel, len(requests) - 1, saved, variables, f"saved {name} to {rel}")

    def _close_opened(self) -> None:
        """The open request's file or entry is gone: the editor keeps the text, unattached."""
        self.opened, self.unsaved = None, False
        self._builder.request_name = ""
        self._apply_variables()
        self._show_marker()
