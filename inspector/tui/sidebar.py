"""The saved-requests sidebar: environment selector and the collection as a tree.

Files are grouped by folder; each file's requests are its children. A file that
cannot be read shows its error, and a request whose raw bytes fail their hash
check says so. The sidebar does no I/O: the app gives it a listing
(:meth:`Sidebar.show_listing`) and it posts :class:`Sidebar.Picked` and
:class:`Sidebar.EnvironmentPicked`. Every label is a ``Text`` of escaped
strings: file names and request names never act as markup or escapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Select, Static, Tree
from textual.widgets.tree import TreeNode

from inspector.formats.httpfile import SavedRequest
from inspector.render.escape import safe_text
from inspector.store.collection import CollectionFile

UNSAVED = "●"
"""The unsaved-changes marker, in the sidebar and the title."""


@dataclass(frozen=True, slots=True)
class NodeRef:
    """A file of the collection, or one request in it."""

    rel: str
    """The file, relative to the collection root."""
    index: int | None = None
    """The request's position in the file; None for the file itself."""


@dataclass(frozen=True, slots=True)
class ListedFile:
    """One file as the sidebar shows it."""

    file: CollectionFile
    requests: tuple[SavedRequest, ...] = ()
    problems: tuple[str, ...] = ()
    """Problems that did not stop the file from being read (hash mismatch, say)."""
    error: str | None = None
    """Why the file cannot be read at all; its requests are then unknown."""


def request_label(saved: SavedRequest, dirty: bool = False) -> Text:
    """``METHOD name``, with the marker when unsaved and a warning for bad raw bytes."""
    text = Text()
    if dirty:
        text.append(f"{UNSAVED} ", style="bold yellow")
    text.append(safe_text(saved.method)[:8].ljust(7), style="bold cyan")
    text.append(safe_text(saved.name or saved.url))
    if saved.raw is not None:
        text.append(" raw", style="dim")
        if not saved.raw_intact:
            text.append(" ⚠ hash mismatch", style="bold red")
    return text


def file_label(listed: ListedFile, dirty: bool = False) -> Text:
    """The file name, with the marker when unsaved and its error when unreadable."""
    text = Text()
    if dirty:
        text.append(f"{UNSAVED} ", style="bold yellow")
    text.append(safe_text(listed.file.name), style="bold")
    if listed.error is not None:
        text.append("  ⚠ cannot be read", style="red")
    elif listed.problems:
        text.append(f"  ⚠ {len(listed.problems)}", style="yellow")
    return text


class Sidebar(Vertical):
    """Environment selector above a tree of the collection's files and requests."""

    class Picked(Message):
        """The user asked for something to be done to a file or request."""

        def __init__(self, action: str, ref: NodeRef | None) -> None:
            super().__init__()
            self.action = action
            """``open``, ``rename``, ``duplicate``, ``delete`` or ``save_as``."""
            self.ref = ref

    class EnvironmentPicked(Message):
        """An environment was chosen (None: no environment)."""

        def __init__(self, name: str | None) -> None:
            super().__init__()
            self.name = name

    BINDINGS = [
        Binding("r", "pick('rename')", "Rename"),
        Binding("c", "pick('duplicate')", "Duplicate"),
        Binding("delete,x", "pick('delete')", "Delete"),
        Binding("a", "pick('save_as')", "Save as"),
    ]
    DEFAULT_CSS = """
    Sidebar { width: 36; }
    Sidebar #sidebar-title { height: 1; padding: 0 1; text-style: bold; }
    Sidebar #collection { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._listing: list[ListedFile] = []
        self._tree_nodes: dict[NodeRef, TreeNode[NodeRef]] = {}
        self._open: NodeRef | None = None
        self._dirty = False

    def compose(self) -> ComposeResult:
        yield Static("Saved requests", id="sidebar-title", markup=False)
        yield Select[str]([], prompt="no environment", id="environment")
        tree: Tree[NodeRef] = Tree("collection", id="collection")
        tree.show_root = False
        yield tree

    # ------------------------------------------------------------ attributes down
    @property
    def listing(self) -> list[ListedFile]:
        """The files shown."""
        return self._listing

    def show_listing(
        self, listing: Sequence[ListedFile], environments: Sequence[str], selected: str | None
    ) -> None:
        """Show the collection's files and environments (the cursor stays where it was)."""
        self._listing = list(listing)
        select: Select[str] = self.query_one("#environment", Select)
        with select.prevent(Select.Changed):
            select.set_options((Text(safe_text(n)), n) for n in environments)
            if selected is not None and selected in environments:
                select.value = selected
            else:
                select.clear()
        tree: Tree[NodeRef] = self.query_one("#collection", Tree)
        was = tree.cursor_node.data if tree.cursor_node is not None else None
        tree.clear()
        self._tree_nodes = {}
        folders: dict[str, TreeNode[NodeRef]] = {}
        for listed in self._listing:
            parent = tree.root
            if listed.file.folder:
                folder = listed.file.folder
                if folder not in folders:
                    folders[folder] = tree.root.add(
                        Text(f"{safe_text(folder)}/", style="bold blue"), expand=True
                    )
                parent = folders[folder]
            ref = NodeRef(listed.file.rel)
            node = parent.add(self._file_label(listed), data=ref, expand=True)
            self._tree_nodes[ref] = node
            for i, saved in enumerate(listed.requests):
                child = NodeRef(listed.file.rel, i)
                self._tree_nodes[child] = node.add_leaf(
                    self._request_label(child, saved), data=child
                )
            if listed.error is not None:
                error = listed.error.removeprefix(f"{listed.file.rel}: ")
                node.add_leaf(Text(f"⚠ {safe_text(error)}", style="red"))
            for problem in listed.problems:
                node.add_leaf(Text(f"⚠ {safe_text(problem)}", style="yellow"))
        if not self._listing:
            tree.root.add_leaf(Text("no saved requests yet: ctrl+s saves this one", style="dim"))
        target = self._tree_nodes.get(was) if was is not None else None
        if target is not None:
            tree.move_cursor(target)

    def mark(self, ref: NodeRef | None, dirty: bool) -> None:
        """Which request is open in the editor, and whether it has unsaved changes."""
        old = self._open
        self._open, self._dirty = ref, dirty
        for r in {old, ref, *(NodeRef(x.rel) for x in (old, ref) if x is not None)}:
            if r is not None and r in self._tree_nodes:
                self._relabel(r)

    def cursor_ref(self) -> NodeRef | None:
        """The file or request under the tree's cursor."""
        node = self.query_one("#collection", Tree).cursor_node
        return node.data if node is not None else None

    def select(self, ref: NodeRef) -> None:
        """Move the tree's cursor to a file or request."""
        node = self._tree_nodes.get(ref)
        if node is not None:
            self.query_one("#collection", Tree).move_cursor(node)

    # ------------------------------------------------------------ labels
    def _listed(self, rel: str) -> ListedFile | None:
        return next((f for f in self._listing if f.file.rel == rel), None)

    def _file_label(self, listed: ListedFile) -> Text:
        ref = self._open
        return file_label(listed, self._dirty and ref is not None and ref.rel == listed.file.rel)

    def _request_label(self, ref: NodeRef, saved: SavedRequest) -> Text:
        return request_label(saved, self._dirty and ref == self._open)

    def _relabel(self, ref: NodeRef) -> None:
        listed = self._listed(ref.rel)
        if listed is None:
            return
        if ref.index is None:
            self._tree_nodes[ref].set_label(self._file_label(listed))
        elif ref.index < len(listed.requests):
            self._tree_nodes[ref].set_label(self._request_label(ref, listed.requests[ref.index]))

    # ------------------------------------------------------------ messages up
    @on(Tree.NodeSelected, "#collection")
    def _selected(self, event: Tree.NodeSelected[NodeRef]) -> None:
        ref = event.node.data
        if ref is not None and ref.index is not None:
            self.post_message(self.Picked("open", ref))

    @on(Select.Changed, "#environment")
    def _environment(self, event: Select.Changed) -> None:
        value = event.value
        self.post_message(self.EnvironmentPicked(value if isinstance(value, str) else None))

    def action_pick(self, action: str) -> None:
        """Post a request for an action on the node under the cursor."""
        self.post_message(self.Picked(action, self.cursor_ref()))
