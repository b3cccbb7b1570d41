"""Rename, duplicate, delete and import of saved requests (issue 8), kept out of ``app.py``.

:class:`CollectionActions` extends :class:`~inspector.tui.saved_actions.SavedActions`
and is a base of :class:`~inspector.tui.app.InspectorApp`. A file is renamed,
duplicated or deleted whole; a request is renamed, duplicated or deleted inside
its file, which is rewritten atomically with its other requests kept. Deleting
asks first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import SystemCommand
from textual.screen import Screen

from inspector.formats.httpfile import SavedRequest
from inspector.model import InputError
from inspector.store.collection import Collection
from inspector.tui import collection_ops as ops
from inspector.tui.dialogs import ChoiceScreen, PromptScreen
from inspector.tui.messages import ImportFinished
from inspector.tui.saved_actions import SavedActions
from inspector.tui.savedform import renamed
from inspector.tui.sidebar import NodeRef, Sidebar


class CollectionActions(SavedActions):
    """Keys, commands and handlers that change the collection's files."""

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Rename, duplicate, delete and import in the command palette."""
        yield from super().get_system_commands(screen)
        for action, title in (
            ("rename", "Rename"),
            ("duplicate", "Duplicate"),
            ("delete", "Delete"),
        ):
            yield SystemCommand(
                f"{title} saved file or request",
                "The one under the sidebar's cursor (or the open one)",
                lambda a=action: self.saved_action(a),
            )
        yield SystemCommand(
            "Import requests", "From a .http file, a HAR file or a curl command", self.action_import
        )

    @on(Sidebar.Picked)
    def _picked(self, message: Sidebar.Picked) -> None:
        if message.action == "open" and message.ref is not None:
            ref = message.ref
            self._guard(lambda: self.open_saved(ref))
        else:
            self.saved_action(message.action, message.ref)

    # ------------------------------------------------------------ rename, duplicate, delete
    def saved_action(self, action: str, ref: NodeRef | None = None) -> None:
        """Rename, duplicate, delete (a file or request) or save as; default: the cursor's."""
        if action == "save_as":
            self.action_save_as()
            return
        if self.collection is None:
            self._say("no collection folder: saved requests are off", "yellow")
            return
        ref = ref or self.query_one(Sidebar).cursor_ref() or self._opened_ref()
        if ref is None:
            self._say("pick a file or request in the sidebar first", "yellow")
        elif action == "rename":
            self._rename(self.collection, ref)
        elif action == "duplicate":
            self._duplicate(self.collection, ref)
        elif action == "delete":
            what = ref.rel if ref.index is None else f"{self._name_of(ref)} in {ref.rel}"
            question = f"Delete {what}? The file is changed at once."
            choices = (("delete", "Delete"), ("cancel", "Cancel"))
            self.push_screen(ChoiceScreen(question, choices), lambda c: self._delete(ref, c))

    def _name_of(self, ref: NodeRef) -> str:
        for listed in self.query_one(Sidebar).listing:
            if listed.file.rel == ref.rel and ref.index is not None:
                if ref.index < len(listed.requests):
                    return listed.requests[ref.index].name
        return f"request {ref.index}"

    def _do(self, note: str, work: Callable[[], object]) -> bool:
        try:
            work()
        except InputError as exc:
            self._say(f"{note} failed: {exc}", "red")
            return False
        self._say(note, "green")
        self.scan_collection()
        return True

    def _in_file(
        self, rel: str, index: int, name: str, change: Callable[[list[SavedRequest], int], None]
    ) -> Callable[[], object]:
        def work() -> object:
            def apply(requests: list[SavedRequest]) -> list[SavedRequest]:
                i = ops.locate(requests, index, name)
                if i is None:
                    raise InputError(f"{name!r} is no longer in {rel}")
                change(requests, i)
                return requests

            assert self.collection is not None
            return ops.rewrite(self.collection, rel, apply)

        return work

    def _rename(self, collection: Collection, ref: NodeRef) -> None:
        if ref.index is None:

            def answer_file(values: list[str] | None) -> None:
                if values is None:
                    return
                new = ops.normalize(ops.with_suffix(values[0]))
                if self._do(f"renamed {ref.rel} to {new}", lambda: collection.rename(ref.rel, new)):
                    if self.opened is not None and self.opened.rel == ref.rel:
                        self.opened = replace(self.opened, rel=new)
                        self._show_marker()

            self.push_screen(PromptScreen("Rename the file", [("new path", ref.rel)]), answer_file)
            return
        old = self._name_of(ref)
        index = ref.index

        def answer(values: list[str] | None) -> None:
            new = values[0].strip() if values else ""
            if not new:
                return

            def change(requests: list[SavedRequest], i: int) -> None:
                requests[i] = renamed(requests[i], new)

            if self._do(f"renamed {old} to {new}", self._in_file(ref.rel, index, old, change)):
                op = self.opened
                if op is not None and (op.rel, op.index) == (ref.rel, index):
                    self.opened = replace(op, saved=renamed(op.saved, new))
                    self._builder.request_name = new
                    self._show_marker()

        self.push_screen(PromptScreen("Rename the request", [("new name", old)]), answer)

    def _duplicate(self, collection: Collection, ref: NodeRef) -> None:
        if ref.index is None:
            self._do(f"duplicated {ref.rel}", lambda: collection.duplicate(ref.rel))
            return
        name = self._name_of(ref)

        def change(requests: list[SavedRequest], i: int) -> None:
            taken = {r.name for r in requests}
            copy, n = f"{name} copy", 2
            while copy in taken:
                copy, n = f"{name} copy {n}", n + 1
            requests.insert(i + 1, renamed(requests[i], copy))

        self._do(f"duplicated {name}", self._in_file(ref.rel, ref.index, name, change))

    def _delete(self, ref: NodeRef, choice: str | None) -> None:
        collection, op = self.collection, self.opened
        if choice != "delete" or collection is None:
            return
        if ref.index is None:
            if self._do(f"deleted {ref.rel}", lambda: collection.delete(ref.rel)):
                if op is not None and op.rel == ref.rel:
                    self._close_opened()
            return
        name, index = self._name_of(ref), ref.index

        def change(requests: list[SavedRequest], i: int) -> None:
            del requests[i]

        if self._do(f"deleted {name}", self._in_file(ref.rel, index, name, change)):
            if op is not None and op.rel == ref.rel:
                if op.index == index:
                    self._close_opened()
                elif op.index > index:
                    self.opened = replace(op, index=op.index - 1)
                    self._show_marker()

    # ------------------------------------------------------------ import
    def action_import(self) -> None:
        """Add the requests of a .http file, a HAR file or a curl command to the collection."""
        if self.collection is None:
            self._say("no collection folder: importing is off", "yellow")
            return
        label = "path of a .http file, a HAR file, or a file holding a curl command"

        def answer(values: list[str] | None) -> None:
            if values and values[0].strip() and self.collection is not None:
                self._import(self.collection, Path(values[0].strip()).expanduser())

        self.push_screen(PromptScreen("Import requests", [(label, "")]), answer)

    @work(thread=True, group="import")
    def _import(self, collection: Collection, path: Path) -> None:
        try:
            rel, count = ops.import_file(collection, path)
        except InputError as exc:
            self.post_message(ImportFinished(None, 0, str(exc)))
            return
        self.post_message(ImportFinished(rel, count))

    @on(ImportFinished)
    def _imported(self, message: ImportFinished) -> None:
        if message.error is not None:
            self._say(f"cannot import: {message.error}", "red")
            return
        plural = "" if message.count == 1 else "s"
        self._say(f"imported {message.count} request{plural} into {message.rel}", "green")
        self.scan_collection()
