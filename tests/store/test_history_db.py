"""The history file: pragmas, schema versions, damaged files set aside, a crash mid-write."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from inspector.store.history import SCHEMA_VERSION, History, HistoryError
from tests.store.history_helpers import assert_same, synthetic

ROOT = Path(__file__).resolve().parents[2]


def asides(folder: Path) -> list[Path]:
    """The set-aside database files (their -wal and -shm companions left out)."""
    return sorted(
        p
        for p in folder.iterdir()
        if ".corrupt-" in p.name and not p.name.endswith(("-wal", "-shm"))
    )


def test_a_new_history_is_wal_with_the_current_schema_version(tmp_path: Path) -> None:
    """A fresh file is created in WAL mode, incremental auto-vacuum, user_version = 1."""
    path = tmp_path / "sub" / "history.sqlite"
    with History.open(path) as history:
        assert history.notice is None
        history.add(synthetic(0))
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
            assert conn.execute("PRAGMA auto_vacuum").fetchone() == (2,)
    with History.open(path) as again:  # reopening migrates nothing and keeps the data
        assert again.count() == 1


def test_a_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    """user_version 99: HistoryError naming both versions; the file's bytes do not change."""
    path = tmp_path / "history.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE future (x)")
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(HistoryError, match="version 99.*knows \\(1\\)"):
        History.open(path)
    assert path.read_bytes() == before
    assert asides(tmp_path) == []


def test_a_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    """An SQLite file with other tables and no version is not ours: refused, not set aside."""
    path = tmp_path / "history.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (x)")
    conn.close()
    with pytest.raises(HistoryError, match="not an inspector history"):
        History.open(path)
    assert asides(tmp_path) == []


def test_a_path_that_cannot_be_opened_is_not_mistaken_for_damage(tmp_path: Path) -> None:
    """A folder where the file should be: HistoryError, and nothing is renamed."""
    path = tmp_path / "history.sqlite"
    path.mkdir()
    with pytest.raises(HistoryError):
        History.open(path)
    assert path.is_dir() and asides(tmp_path) == []


def _check_set_aside(tmp_path: Path, path: Path, before: bytes) -> None:
    with History.open(path) as history:
        (aside,) = asides(tmp_path)
        assert history.notice is not None and str(aside) in history.notice
        assert "\n" not in history.notice
        assert aside.read_bytes() == before  # moved, byte for byte
        entry = history.add(synthetic(7))  # and the new history works
        assert_same(synthetic(7), history.load(entry))


def test_a_garbage_file_is_set_aside_and_a_new_history_started(tmp_path: Path) -> None:
    """Random bytes: renamed to history.sqlite.corrupt-<time>, reported, a new file works."""
    path = tmp_path / "history.sqlite"
    before = os.urandom(8192)
    path.write_bytes(before)
    _check_set_aside(tmp_path, path, before)


def test_a_truncated_database_is_set_aside(tmp_path: Path) -> None:
    """A real history cut in half is detected as damaged and moved, never deleted."""
    path = tmp_path / "history.sqlite"
    with History.open(path) as history:
        for i in range(20):
            history.add(synthetic(i, size=20_000))
    assert not Path(f"{path}-wal").exists()  # closing checkpointed everything
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _check_set_aside(tmp_path, path, data[: len(data) // 2])


def test_a_damaged_page_behind_a_sound_header_is_found_by_quick_check(tmp_path: Path) -> None:
    """Page 2 (the pointer map) zeroed: the header reads fine, quick_check finds it; set aside."""
    path = tmp_path / "history.sqlite"
    with History.open(path) as history:
        for i in range(5):
            history.add(synthetic(i, size=20_000))
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[page_size : page_size + 100] = bytes(100)
    path.write_bytes(data)
    with sqlite3.connect(path) as conn:  # nothing looks wrong at first sight
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    conn.close()
    _check_set_aside(tmp_path, path, bytes(data))


def test_a_damaged_file_takes_its_wal_along(tmp_path: Path) -> None:
    """The -wal file moves with the database, under SQLite's naming, its bytes unchanged."""
    path = tmp_path / "history.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    Path(f"{path}-wal").write_bytes(b"wal bytes")
    with History.open(path) as history:
        assert history.notice is not None
    (aside,) = asides(tmp_path)
    assert Path(f"{aside}-wal").read_bytes() == b"wal bytes"


_CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import inspector.store.history as H
    from tests.store.history_helpers import synthetic

    real_write_blob = H._write_blob
    target = {"i": -1}

    def write_blob(conn, column, row, stream, total):
        real_write_blob(conn, column, row, stream, total)
        if target["i"] == 5 and column == "received":
            print("MID", flush=True)  # the transaction is open, its pages partly written
            time.sleep(60)

    H._write_blob = write_blob
    history = H.History.open(Path(sys.argv[1]))
    for i in range(10):
        target["i"] = i
        size = 6 * 1024 * 1024 if i == 5 else 100_000  # past the page cache: spills to WAL
        entry = history.add(synthetic(i, size=size))
        print(entry, i, flush=True)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_crash_in_the_middle_of_a_write_loses_nothing_committed(tmp_path: Path) -> None:
    """SIGKILL during the 6th add: the 5 committed entries are intact, the 6th absent, sound."""
    path = tmp_path / "history.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert child.stdout is not None
    committed: dict[int, int] = {}
    try:
        for line in child.stdout:
            if line.strip() == "MID":
                break
            entry, i = map(int, line.split())
            committed[entry] = i
        # Uncommitted pages of the open transaction reached the WAL file on disk.
        assert Path(f"{path}-wal").stat().st_size > 6 * 1024 * 1024
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    assert sorted(committed.values()) == [0, 1, 2, 3, 4]
    with History.open(path) as history:
        assert history.notice is None  # quick_check passed
        assert sorted(e.id for e in history.list()) == sorted(committed)
        for entry, i in committed.items():
            assert_same(synthetic(i, size=100_000), history.load(entry))
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
