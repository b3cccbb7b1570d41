"""Saved requests in the TUI (issue 8), driven by Pilot: a ``tmp_path`` collection, the
built-in server and real sockets. Sidebar, open / edit / save, unsaved guard, unreadable
files, environments and secrets, save as, rename / duplicate / delete, import."""

from __future__ import annotations

import json
import os
from pathlib import Path

from rich.text import Text
from textual.widgets import Input, Select, TabbedContent, TextArea, Tree

from inspector.formats.httpfile import parse_http_file, read_http_file
from inspector.server import ServerHandle
from inspector.store.env import MASK
from inspector.tui.app import InspectorApp
from inspector.tui.builder import RequestBuilder
from inspector.tui.dialogs import ChoiceScreen, PromptScreen
from inspector.tui.headers_editor import HeadersEditor
from inspector.tui.sidebar import NodeRef, Sidebar
from tests.tui.helpers import settle as _settle

SIZE = (120, 40)


def _api_file(server: ServerHandle) -> str:
    return f"""@base = {server.url}

### first
# @name first
GET {{{{base}}}}/anything/one
X-Kept: yes

### second
POST {{{{base}}}}/anything/two
Content-Type: text/plain

hello there
"""


async def _open(app: InspectorApp, pilot: object, rel: str, index: int) -> None:
    """Open a request the way a user does: cursor on it in the tree, then enter."""
    sidebar = app.query_one(Sidebar)
    sidebar.select(NodeRef(rel, index))
    sidebar.query_one(Tree).focus()
    await pilot.press("enter")  # type: ignore[attr-defined]
    await _settle(app, pilot)


def _label(app: InspectorApp, ref: NodeRef) -> str:
    node = app.query_one(Sidebar)._tree_nodes[ref]
    label = node.label
    return label.plain if isinstance(label, Text) else str(label)


async def test_open_edit_save_keeps_other_requests(server: ServerHandle, tmp_path: Path) -> None:
    """Opening fills the editor with template text; ctrl+s rewrites only that request,
    atomically (a new inode, no temporary file left), keeping the file's other request
    and its variables; the unsaved marker comes and goes."""
    path = tmp_path / "api.http"
    path.write_text(_api_file(server))
    before = read_http_file(path)
    inode = path.stat().st_ino
    app = InspectorApp(collection=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        assert [f.file.rel for f in app.query_one(Sidebar).listing] == ["api.http"]
        await _open(app, pilot, "api.http", 0)
        assert app.query_one("#url", Input).value == "{{base}}/anything/one"
        editor = app.query_one("#headers", HeadersEditor)
        assert [row.row for row in editor.rows] == [(True, "X-Kept", "yes")]
        assert not app.unsaved and "●" not in app.sub_title
        app.query_one("#request-tabs", TabbedContent).active = "tab-headers"
        await pilot.pause()
        await pilot.click("#header-add")
        await pilot.press(*"X-Added", "tab", "1")
        await pilot.pause()
        assert app.unsaved
        assert app.sub_title.startswith("● first")
        assert _label(app, NodeRef("api.http", 0)).startswith("●")
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert not app.unsaved and "●" not in app.sub_title
        assert not _label(app, NodeRef("api.http", 0)).startswith("●")
    after = read_http_file(path)
    assert after.requests[0].headers == (("X-Kept", "yes"), ("X-Added", "1"))
    assert after.requests[0].url == "{{base}}/anything/one"
    assert after.requests[1] == before.requests[1]
    assert after.variables == before.variables
    assert path.stat().st_ino != inode  # written to a new file, then renamed over
    assert sorted(p.name for p in tmp_path.iterdir()) == ["api.http"]


async def test_saved_request_sends_with_file_variables(
    server: ServerHandle, tmp_path: Path
) -> None:
    """A saved request's file variables are filled in at send time; the body is sent."""
    (tmp_path / "api.http").write_text(_api_file(server))
    app = InspectorApp(collection=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await _open(app, pilot, "api.http", 1)
        await pilot.press("ctrl+j")
        await _settle(app, pilot)
        exchange = app.exchange
        assert exchange is not None and exchange.error is None
        sent = exchange.transcript.sent.read()
        assert sent.startswith(b"POST /anything/two HTTP/1.1\r\n")
        assert sent.endswith(b"\r\n\r\nhello there")
        assert exchange.spec.meta["name"] == "second"


async def test_quit_and_switch_ask_about_unsaved_changes(
    server: ServerHandle, tmp_path: Path
) -> None:
    """With unsaved edits, opening another request and quitting both ask first; cancel
    keeps the edits, discard opens the other one, save-and-quit writes the file."""
    path = tmp_path / "api.http"
    path.write_text(_api_file(server))
    app = InspectorApp(collection=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await _open(app, pilot, "api.http", 0)
        app.query_one("#method", Input).value = "PUT"
        await pilot.pause()
        assert app.unsaved
        await _open(app, pilot, "api.http", 1)
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.click("#choice-cancel")
        await pilot.pause()
        assert app.opened is not None and app.opened.index == 0 and app.unsaved
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.click("#choice-cancel")
        await pilot.pause()
        assert app.is_running and app.unsaved
        await _open(app, pilot, "api.http", 1)
        await pilot.click("#choice-discard")
        await _settle(app, pilot)
        assert app.opened is not None and app.opened.index == 1 and not app.unsaved
        assert read_http_file(path).requests[0].method == "GET"  # discarded, not written
        app.query_one("#method", Input).value = "PATCH"
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code is None
        await pilot.click("#choice-save")
        await pilot.pause()
        assert app.return_code == 0  # saved, then quit
    assert read_http_file(path).requests[1].method == "PATCH"


async def test_unreadable_files_are_listed_and_left_untouched(tmp_path: Path) -> None:
    """A file that is not UTF-8 and one that cannot be parsed are listed with their
    errors; saving another file leaves their bytes exactly as they were."""
    bad_bytes = b"GET http://x/\n\xff\xfe not utf-8\n"
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "binary.http").write_bytes(bad_bytes)
    broken = b"GET http://x/\nno colon here\n\nbody\n"
    (tmp_path / "broken.http").write_bytes(broken)
    (tmp_path / "good.http").write_text("### ok\nGET http://127.0.0.1:9/\n")
    app = InspectorApp(collection=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        listing = {f.file.rel: f for f in app.query_one(Sidebar).listing}
        assert listing["sub/binary.http"].error is not None
        assert "not UTF-8" in listing["sub/binary.http"].error
        assert listing["broken.http"].error is not None
        assert "expected a header" in listing["broken.http"].error
        assert "cannot be read" in _label(app, NodeRef("broken.http"))
        tree = app.query_one("#collection", Tree)
        node = app.query_one(Sidebar)._tree_nodes[NodeRef("broken.http")]
        shown = [c.label.plain for c in node.children if isinstance(c.label, Text)]
        assert any("expected a header" in s for s in shown)
        assert tree.root.children  # the tree shows files
        await _open(app, pilot, "good.http", 0)
        app.query_one("#method", Input).value = "HEAD"
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
    assert (tmp_path / "sub" / "binary.http").read_bytes() == bad_bytes
    assert (tmp_path / "broken.http").read_bytes() == broken
    assert read_http_file(tmp_path / "good.http").requests[0].method == "HEAD"


def _env_files(folder: Path, host: str) -> None:
    envs = {"dev": {"host": host}, "prod": {"host": "prod.invalid"}}
    (folder / "http-client.env.json").write_text(json.dumps(envs))
    (folder / "http-client.private.env.json").write_text(json.dumps({"dev": {"token": "s3cr3t"}}))


async def test_environment_fills_variables_and_masks_secrets(
    server: ServerHandle, tmp_path: Path
) -> None:
    """The first environment is selected at the start; with none, nothing is sent. The
    selected environment fills {{host}}; the Raw tab shows resolved bytes with the secret
    masked (and read-only) until ctrl+r reveals it; the request sent holds it."""
    _env_files(tmp_path, server.url.split("://")[1])
    (tmp_path / "env.http").write_text(
        "### secret\nGET http://{{host}}/headers\nAuthorization: Bearer {{token}}\n"
    )
    app = InspectorApp(collection=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await _open(app, pilot, "env.http", 0)
        # The first environment is selected at the start; the user can choose none.
        assert app.environment == "dev"
        app.query_one("#environment", Select).clear()
        await _settle(app, pilot)
        assert app.environment is None
        await pilot.press("ctrl+j")
        await _settle(app, pilot)
        assert app.exchange is None  # no environment: nothing sent
        assert "undefined variables: {{host}}, {{token}}" in str(
            app.query_one("#statusline").render()
        )
        app.query_one("#environment", Select).value = "dev"
        await _settle(app, pilot)
        raw = app.query_one("#raw", TextArea)
        host = server.url.split("://")[1]
        assert f"Host: {host}" in raw.text
        assert f"Authorization: Bearer {MASK}" in raw.text and "s3cr3t" not in raw.text
        assert raw.read_only
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "Authorization: Bearer s3cr3t" in raw.text and not raw.read_only
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "s3cr3t" not in raw.text
        await pilot.press("ctrl+j")
        await _settle(app, pilot)
        assert app.exchange is not None and app.exchange.error is None
        assert b"Authorization: Bearer s3cr3t\r\n" in app.exchange.transcript.sent.read()
        assert not app.unsaved  # choosing an environment is not an edit
    assert "s3cr3t" not in (tmp_path / "env.http").read_text()


async def test_save_as_raw_request_and_hash_mismatch(server: ServerHandle, tmp_path: Path) -> None:
    """A raw request saved as a new file keeps its exact bytes (checked by hash) and opens
    in raw mode; bytes that no longer match their hash are flagged in the sidebar."""
    raw = b"GET /anything/raw HTTP/1.1\nHost: x\r\nX-Odd:  spaced \r\n\r\n"
    from inspector.render.editable import bytes_to_editable

    app = InspectorApp(url=f"{server.url}/anything/raw", collection=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        app.query_one("#raw", TextArea).load_text(bytes_to_editable(raw))
        await pilot.pause()
        await pilot.press("ctrl+s")  # nothing open: save as
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one("#field-0", Input).value = "raw/odd"
        app.screen.query_one("#field-1", Input).value = "odd one"
        await pilot.click("#prompt-ok")
        await _settle(app, pilot)
        assert app.opened is not None and app.opened.rel == "raw/odd.http"
        saved = read_http_file(tmp_path / "raw" / "odd.http").requests[0]
        assert saved.raw == raw and saved.raw_intact and saved.name == "odd one"
        await _open(app, pilot, "raw/odd.http", 0)
        builder = app.query_one(RequestBuilder)
        assert builder.raw_mode and builder.request()[0].raw == raw
    text = (tmp_path / "raw" / "odd.http").read_text()
    lines = text.splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith("# @inspector-raw-sha256"))
    lines[i] = "# @inspector-raw-sha256 " + "0" * 64
    (tmp_path / "raw" / "odd.http").write_text("\n".join(lines) + "\n")
    app = InspectorApp(collection=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        assert "hash mismatch" in _label(app, NodeRef("raw/odd.http", 0))
        await _open(app, pilot, "raw/odd.http", 0)
        assert "do not match their recorded hash" in str(app.query_one("#statusline").render())


async def test_rename_duplicate_delete(tmp_path: Path) -> None:
    """In the sidebar: c duplicates a request inside its file, r renames it, delete asks
    before removing a file (cancel keeps it)."""
    (tmp_path / "a.http").write_text("### one\nGET http://127.0.0.1:9/one\n")
    (tmp_path / "b.http").write_text("### two\nGET http://127.0.0.1:9/two\n")
    app = InspectorApp(collection=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        sidebar = app.query_one(Sidebar)
        sidebar.select(NodeRef("a.http", 0))
        sidebar.query_one(Tree).focus()
        await pilot.press("c")
        await _settle(app, pilot)
        names = [r.name for r in read_http_file(tmp_path / "a.http").requests]
        assert names == ["one", "one copy"]
        sidebar.select(NodeRef("a.http", 1))
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one("#field-0", Input).value = "renamed"
        await pilot.press("enter")
        await _settle(app, pilot)
        names = [r.name for r in read_http_file(tmp_path / "a.http").requests]
        assert names == ["one", "renamed"]
        sidebar.select(NodeRef("b.http"))
        sidebar.query_one(Tree).focus()
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.click("#choice-cancel")
        await pilot.pause()
        assert (tmp_path / "b.http").exists()
        await pilot.press("delete")
        await pilot.pause()
        await pilot.click("#choice-delete")
        await _settle(app, pilot)
        assert not (tmp_path / "b.http").exists()
        assert [f.file.rel for f in sidebar.listing] == ["a.http"]


async def test_import_har_adds_a_file(tmp_path: Path) -> None:
    """Importing a HAR file writes its requests into a new .http file of the collection."""
    har = {
        "log": {
            "version": "1.2",
            "creator": {"name": "test", "version": "1"},
            "entries": [
                {
                    "request": {
                        "method": "POST",
                        "url": "http://127.0.0.1:9/submit?q=1",
                        "httpVersion": "HTTP/1.1",
                        "headers": [{"name": "X-From", "value": "har"}],
                        "queryString": [],
                        "cookies": [],
                        "headersSize": -1,
                        "bodySize": 2,
                        "postData": {"mimeType": "text/plain", "text": "hi"},
                    }
                }
            ],
        }
    }
    source = tmp_path / "outside" / "capture.har"
    source.parent.mkdir()
    source.write_text(json.dumps(har))
    root = tmp_path / "collection"
    app = InspectorApp(collection=root)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        app.action_import()
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one("#field-0", Input).value = str(source)
        await pilot.press("enter")
        await _settle(app, pilot)
        assert "imported 1 request into capture.http" in str(app.query_one("#statusline").render())
        assert [f.file.rel for f in app.query_one(Sidebar).listing] == ["capture.http"]
    saved = parse_http_file((root / "capture.http").read_text()).requests
    assert len(saved) == 1 and saved[0].method == "POST" and saved[0].body == "hi"
    assert ("X-From", "har") in saved[0].headers
    assert os.listdir(root) == ["capture.http"]


async def test_without_a_collection_saving_is_off(server: ServerHandle) -> None:
    """No collection injected: the sidebar stays hidden and ctrl+s says why nothing happens."""
    app = InspectorApp(url=f"{server.url}/get")
    async with app.run_test(size=SIZE) as pilot:
        assert not app.query_one(Sidebar).display
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "saving is off" in str(app.query_one("#statusline").render())


async def test_secrets_are_masked_in_the_raw_and_parsed_panels_until_revealed(
    server: ServerHandle, tmp_path: Path
) -> None:
    """A secret sent (and echoed back by /anything) never shows on screen: the raw panel
    draws its bytes as '*', the parsed body as the mask; ctrl+r shows them everywhere."""
    from inspector.tui.lines import LinesView
    from inspector.tui.rawview import RawView

    _env_files(tmp_path, server.url.split("://")[1])
    (tmp_path / "echo.http").write_text(
        "### echo\nGET http://{{host}}/anything\nAuthorization: Bearer {{token}}\n"
    )
    app = InspectorApp(collection=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await _open(app, pilot, "echo.http", 0)
        await pilot.press("ctrl+j")
        await _settle(app, pilot)
        assert app.exchange is not None and b"s3cr3t" in app.exchange.transcript.sent.read()
        raw = app.query_one(RawView)

        def raw_text() -> str:
            return "\n".join(raw.row_text(i).plain for i in range(raw.virtual_size.height))

        def body_text() -> str:
            return "\n".join(app.query_one("#resp-body", LinesView).lines)

        assert "s3cr3t" not in raw_text() and "Bearer ******" in raw_text()
        assert "s3cr3t" not in body_text() and "Bearer ••••" in body_text()
        await pilot.press("ctrl+r")
        await _settle(app, pilot)
        assert "Bearer s3cr3t" in raw_text() and "Bearer s3cr3t" in body_text()


async def test_an_empty_collection_leaves_the_room_to_the_request(tmp_path: Path) -> None:
    """No .http files yet: the sidebar starts hidden; ctrl+b shows it; a file appearing
    later does not override the user's choice."""
    app = InspectorApp(collection=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        sidebar = app.query_one(Sidebar)
        assert not sidebar.display
        await pilot.press("ctrl+b")
        await _settle(app, pilot)
        assert sidebar.display
        await pilot.press("ctrl+b")
        (tmp_path / "new.http").write_text("### n\nGET http://x.test/\n")
        app.scan_collection()
        await _settle(app, pilot)
        assert not sidebar.display and [f.file.rel for f in sidebar.listing] == ["new.http"]
