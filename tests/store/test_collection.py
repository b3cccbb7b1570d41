"""Saved requests: listing, reading without side effects, atomic writes, paths kept inside."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from inspector.model import InputError
from inspector.store import atomic
from inspector.store.collection import Collection

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under root with its bytes and mtime."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def coll(tmp_path: Path) -> Collection:
    root = tmp_path / "requests"
    (root / "b-folder" / "deep").mkdir(parents=True)
    (root / "a-folder").mkdir()
    (root / ".git").mkdir()
    (root / "zeta.http").write_text("GET http://z/\n")
    (root / "Alpha.rest").write_text("GET http://a/\n")
    (root / "notes.txt").write_text("not a request")
    (root / "a-folder" / "one.http").write_bytes(b"GET http://one/\r\n")
    (root / "b-folder" / "deep" / "two.http").write_text("GET http://two/\n")
    (root / "b-folder" / "bad.http").write_bytes(b"GET /\n\xff\xfe")
    (root / ".git" / "hidden.http").write_text("GET http://hidden/\n")
    return Collection(root)


def test_files_are_sorted_by_folder_then_name_with_errors_listed(coll: Collection) -> None:
    """Root files first, then folders in order; a non-UTF-8 file carries its error."""
    files = coll.files()
    assert [f.rel for f in files] == [
        "Alpha.rest",
        "zeta.http",
        "a-folder/one.http",
        "b-folder/bad.http",
        "b-folder/deep/two.http",
    ]
    by_rel = {f.rel: f for f in files}
    assert by_rel["b-folder/bad.http"].error == "b-folder/bad.http: not UTF-8 text (byte 6)"
    assert by_rel["zeta.http"].error is None
    assert (by_rel["a-folder/one.http"].folder, by_rel["a-folder/one.http"].name) == (
        "a-folder",
        "one.http",
    )
    assert by_rel["zeta.http"].mtime_ns == (coll.root / "zeta.http").stat().st_mtime_ns
    assert by_rel["zeta.http"].size == len("GET http://z/\n")


def test_listing_and_reading_change_nothing(coll: Collection) -> None:
    """files(), read() and a failed read leave every byte and mtime as it was."""
    before = snapshot(coll.root)
    coll.files()
    assert coll.read("a-folder/one.http") == "GET http://one/\r\n"  # CRLF kept
    with pytest.raises(InputError, match="not UTF-8"):
        coll.read("b-folder/bad.http")
    assert coll.read_bytes("b-folder/bad.http") == b"GET /\n\xff\xfe"
    assert snapshot(coll.root) == before


@posix_only
@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else False, reason="root reads all")
def test_an_unreadable_file_is_listed_with_its_error(coll: Collection) -> None:
    """Permission denied: listed with the OS's reason, not skipped, not changed."""
    path = coll.root / "zeta.http"
    path.chmod(0)
    try:
        (entry,) = [f for f in coll.files() if f.rel == "zeta.http"]
        assert entry.error is not None and entry.error.startswith("zeta.http: ")
        assert "ermission" in entry.error
    finally:
        path.chmod(0o644)


@posix_only
def test_a_dangling_link_is_listed_with_its_error(coll: Collection) -> None:
    """A .http link to nothing is listed with the OS's reason and left in place."""
    (coll.root / "gone.http").symlink_to(coll.root / "nowhere.http")
    (entry,) = [f for f in coll.files() if f.rel == "gone.http"]
    assert entry.error == "gone.http: No such file or directory"
    assert (coll.root / "gone.http").is_symlink()


def test_write_replaces_atomically_and_keeps_permission_bits(coll: Collection) -> None:
    """The new content is in place, the mode is unchanged, no temporary file remains."""
    path = coll.root / "zeta.http"
    path.chmod(0o640)
    mtime = coll.write("zeta.http", "POST http://z/\n\nbody é\n")
    assert path.read_bytes() == "POST http://z/\n\nbody é\n".encode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert mtime == path.stat().st_mtime_ns
    assert not coll.changed_since("zeta.http", mtime)
    assert sorted(p.name for p in coll.root.iterdir() if atomic.is_temporary(p.name)) == []


def test_a_failed_write_leaves_the_original_and_no_temporary_file(
    coll: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """os.replace failing midway: old bytes intact, temp file removed, InputError raised."""
    before = snapshot(coll.root)

    def broken(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(InputError, match="zeta.http: No space left on device"):
        coll.write("zeta.http", "new content")
    assert snapshot(coll.root) == before


def test_a_failed_fsync_leaves_the_original(
    coll: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure while the temp file is being made durable: nothing changes."""
    before = snapshot(coll.root)

    def broken(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(InputError):
        coll.write("a-folder/one.http", "x")
    assert snapshot(coll.root) == before


def test_changed_since_notices_an_outside_edit_and_a_removal(coll: Collection) -> None:
    """Another program rewriting or deleting the file is detected by its mtime."""
    mtime = coll.mtime_ns("zeta.http")
    assert mtime is not None and not coll.changed_since("zeta.http", mtime)
    os.utime(coll.root / "zeta.http", ns=(mtime + 1_000_000_000, mtime + 1_000_000_000))
    assert coll.changed_since("zeta.http", mtime)
    (coll.root / "zeta.http").unlink()
    assert coll.changed_since("zeta.http", mtime) and coll.mtime_ns("zeta.http") is None


def test_create_makes_folders_and_refuses_an_existing_name(coll: Collection) -> None:
    """create() adds new files (folders included) and never overwrites."""
    coll.create("new/sub/req.http", "GET http://n/\n")
    assert coll.read("new/sub/req.http") == "GET http://n/\n"
    with pytest.raises(InputError, match="exists"):
        coll.create("zeta.http", "overwrite?")
    assert coll.read("zeta.http") == "GET http://z/\n"


def test_rename_moves_and_refuses_to_overwrite(coll: Collection) -> None:
    """rename() moves across folders; onto an existing name it fails and changes nothing."""
    assert coll.rename("zeta.http", "moved/zeta2.http") == "moved/zeta2.http"
    assert not (coll.root / "zeta.http").exists()
    assert coll.read("moved/zeta2.http") == "GET http://z/\n"
    before = snapshot(coll.root)
    with pytest.raises(InputError, match="exists"):
        coll.rename("moved/zeta2.http", "a-folder/one.http")
    assert snapshot(coll.root) == before
    with pytest.raises(InputError, match="no such file"):
        coll.rename("missing.http", "x.http")


def test_duplicate_names_copies_in_order_and_keeps_bytes_and_mode(coll: Collection) -> None:
    """'name copy.http', then 'name copy 2.http'; exact bytes and permission bits."""
    (coll.root / "a-folder" / "one.http").chmod(0o600)
    assert coll.duplicate("a-folder/one.http") == "a-folder/one copy.http"
    assert coll.duplicate("a-folder/one.http") == "a-folder/one copy 2.http"
    copy = coll.root / "a-folder" / "one copy 2.http"
    assert copy.read_bytes() == b"GET http://one/\r\n"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600


def test_delete_removes_only_that_file(coll: Collection) -> None:
    """delete() removes the file; a second delete says it is missing."""
    coll.delete("b-folder/deep/two.http")
    assert "b-folder/deep/two.http" not in [f.rel for f in coll.files()]
    assert (coll.root / "b-folder" / "deep").is_dir()
    with pytest.raises(InputError, match="no such file"):
        coll.delete("b-folder/deep/two.http")


@pytest.mark.parametrize(
    "rel",
    ["../outside.http", "a-folder/../../x.http", "/etc/passwd.http", "", "a-folder/x.txt"],
)
def test_paths_outside_the_root_or_not_requests_are_refused(coll: Collection, rel: str) -> None:
    """Climbing out, absolute paths, empty names and other file types: InputError."""
    before = snapshot(coll.root.parent)
    with pytest.raises(InputError):
        coll.write(rel, "x")
    with pytest.raises(InputError):
        coll.read(rel)
    assert snapshot(coll.root.parent) == before


@posix_only
def test_a_linked_folder_that_leaves_the_root_is_refused(coll: Collection, tmp_path: Path) -> None:
    """A symlink inside the collection pointing outside does not let writes escape."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (coll.root / "link").symlink_to(outside)
    with pytest.raises(InputError, match="outside"):
        coll.write("link/evil.http", "x")
    assert list(outside.iterdir()) == []


@posix_only
def test_writing_a_linked_file_updates_its_target_and_keeps_the_link(coll: Collection) -> None:
    """Saving through a file symlink writes the target; the link stays a link."""
    target = coll.root / "a-folder" / "one.http"
    link = coll.root / "alias.http"
    link.symlink_to(target)
    coll.write("alias.http", "GET http://new/\n")
    assert link.is_symlink() and target.read_text() == "GET http://new/\n"


def test_a_missing_root_lists_nothing(tmp_path: Path) -> None:
    """A collection folder that does not exist yet is empty, and is created on first write."""
    coll = Collection(tmp_path / "none")
    assert coll.files() == []
    coll.write("first.http", "GET http://x/\n")
    assert [f.rel for f in coll.files()] == ["first.http"]
