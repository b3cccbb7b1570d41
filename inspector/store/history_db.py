"""Opening the history database: pragmas, schema versions, damaged files set aside.

Schema (version 1):

- ``exchange``: one row per Exchange. Top-level rows have ``parent_id`` NULL;
  the engines it was compared with are rows whose ``parent_id`` is its id, in
  ``position`` order. Summary columns for listing and searching (``method``,
  ``url``, ``status``, ``reason``, ``engine``, ``error_kind``, sizes, total time,
  ``created`` wall-clock start); the rest as JSON (spec without body, events,
  timings, TLS, error, connection, library report, anomalies); ``parse`` says how
  to re-parse the response, ``response`` holds it only when a re-parse would
  not reproduce it (see :mod:`inspector.store.history_codec`). ``tree_bytes``
  counts the row's stored bytes plus its children's, for retention.
- ``payload``: the BLOBs of each row: ``sent``, ``received``, the request
  ``body`` and ``raw`` bytes. Rows of both tables go with their parent
  (``ON DELETE CASCADE``).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SCHEMA_VERSION = 1
"""The schema this code writes; kept in ``PRAGMA user_version``."""
BUSY_TIMEOUT = 10.0
"""Seconds a connection waits for another one's lock (another inspector, say)."""
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024
"""Bytes the WAL file is truncated to after a checkpoint (large adds grow it)."""


class HistoryError(Exception):
    """The history cannot be used: opened, read or written. The message is one line."""


_SCHEMA_V1 = """
CREATE TABLE exchange (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id INTEGER REFERENCES exchange(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    created REAL NOT NULL,
    engine TEXT NOT NULL,
    method TEXT NOT NULL,
    url TEXT NOT NULL,
    name TEXT,
    status INTEGER,
    reason TEXT NOT NULL,
    error_kind TEXT,
    sent_size INTEGER NOT NULL,
    received_size INTEGER NOT NULL,
    total_time REAL,
    anomaly_count INTEGER NOT NULL,
    comparison_count INTEGER NOT NULL,
    tree_bytes INTEGER NOT NULL,
    started REAL NOT NULL,
    spec TEXT NOT NULL,
    events TEXT NOT NULL,
    timings TEXT NOT NULL,
    tls TEXT NOT NULL,
    error TEXT NOT NULL,
    connection TEXT NOT NULL,
    library TEXT NOT NULL,
    anomalies TEXT NOT NULL,
    parse TEXT,
    response TEXT
);
CREATE INDEX exchange_parent ON exchange(parent_id, position);
CREATE TABLE payload (
    exchange_id INTEGER PRIMARY KEY REFERENCES exchange(id) ON DELETE CASCADE,
    sent BLOB NOT NULL,
    received BLOB NOT NULL,
    body BLOB NOT NULL,
    raw BLOB
);
"""


def _create_v1(conn: sqlite3.Connection) -> None:
    for statement in _SCHEMA_V1.split(";"):
        if statement.strip():
            conn.execute(statement)


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {0: _create_v1}
"""Schema version -> the step that brings it to the next version (0 is an empty file)."""


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), usable from any thread."""
    return sqlite3.connect(
        path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
    )


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One stored exchange as the history list shows it (no transcript)."""

    id: int
    """The entry's id, for :meth:`History.load` and :meth:`History.delete`."""
    created: float
    """When the exchange started, in seconds since the epoch."""
    engine: str
    """``inspector``, ``http.client`` or ``httpx``."""
    method: str
    """The request method (from the raw bytes for a raw request)."""
    url: str
    """The request URL."""
    name: str | None
    """The saved request's name (``spec.meta["name"]``), if any."""
    status: int | None
    """The response status, or None when none was read."""
    reason: str
    """The reason phrase (bytes read as ISO-8859-1)."""
    error_kind: str | None
    """The ``ErrorKind`` value when the exchange failed."""
    sent_size: int
    """Bytes written."""
    received_size: int
    """Bytes read."""
    total_time: float | None
    """Seconds from start to end."""
    anomaly_count: int
    """How many anomalies were found."""
    comparison_count: int
    """How many other engines ran the same request."""


# Top-level entries past the newest max_entries, or past max_bytes counted from the
# newest; the newest entry always stays.
OVER_LIMITS = """
SELECT id FROM (
    SELECT id, ROW_NUMBER() OVER w AS n, SUM(tree_bytes) OVER w AS running
    FROM exchange WHERE parent_id IS NULL
    WINDOW w AS (ORDER BY id DESC ROWS UNBOUNDED PRECEDING)
) WHERE n > 1 AND (n > ? OR running > ?)
"""


def search_clause(query: str) -> tuple[str, dict[str, str]]:
    """The search clause: a case-insensitive substring of url, method, status, reason, name."""
    q = query.strip()
    if not q:
        return "", {}
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    cols = ("url", "method", "CAST(status AS TEXT)", "reason", "name")
    clause = " OR ".join(f"{c} LIKE :q ESCAPE '\\'" for c in cols)
    return f" AND ({clause})", {"q": pattern}


class _Damaged(Exception):
    """The file is not a sound SQLite database."""


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    # OperationalError (locked, cannot open, disk I/O) is a DatabaseError too: not damage.
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith("SQLITE_CORRUPT") or name == "SQLITE_NOTADB"


def _first_problem(rows: list[tuple[str]]) -> str:
    """quick_check's first finding, on one line (its report spans many)."""
    lines = [ln for r in rows for ln in str(r[0]).splitlines() if not ln.startswith("***")]
    more = f" (and {len(lines) - 1} more problems)" if len(lines) > 1 else ""
    return (lines[0] if lines else "quick_check failed") + more


def _inspect(conn: sqlite3.Connection, path: Path, check: bool) -> int:
    """The file's schema version, after making sure it is ours and sound."""
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"{path} has history schema version {version}, newer than this inspector "
                f"knows ({SCHEMA_VERSION}); it was left untouched (use a newer inspector)"
            )
        if check:
            rows = conn.execute("PRAGMA quick_check").fetchall()
            if [r[0] for r in rows] != ["ok"]:
                raise _Damaged(_first_problem(rows))
        if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise HistoryError(f"{path} is an SQLite database but not an inspector history")
    except sqlite3.DatabaseError as exc:
        if _is_damage(exc):
            raise _Damaged(str(exc)) from exc
        raise HistoryError(f"{path}: {exc}") from exc
    return version


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    """Bring the schema to :data:`SCHEMA_VERSION`, one transaction per step."""
    if version == 0:
        conn.execute("PRAGMA auto_vacuum = INCREMENTAL")  # only before the first table
    conn.execute("PRAGMA journal_mode = WAL")
    while version < SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the lock.
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version < SCHEMA_VERSION:
                MIGRATIONS[version](conn)
                version += 1
                conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.rollback()
            raise


def _set_aside(path: Path) -> Path:
    """Rename the file (and its -wal, -shm, -journal) to ``<name>.corrupt-<time>``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while any(os.path.lexists(f"{aside}{s}") for s in ("", "-wal", "-shm", "-journal")):
        n += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.rename(path, aside)
    for suffix in ("-wal", "-shm", "-journal"):
        # SQLite's own naming, so the pair can still be opened together by a tool.
        if os.path.lexists(f"{path}{suffix}"):
            os.rename(f"{path}{suffix}", f"{aside}{suffix}")
    return aside


def _open_once(path: Path, check: bool) -> sqlite3.Connection:
    version = 0
    if path.exists():
        # Look through a read-only connection first: closing it never checkpoints or
        # removes a -wal file, so a damaged database and its WAL are set aside as found.
        try:
            probe = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise HistoryError(f"{path}: {exc}") from exc
        try:
            version = _inspect(probe, path, check)
        finally:
            probe.close()
    try:
        conn = connect(path)
    except sqlite3.Error as exc:
        raise HistoryError(f"{path}: {exc}") from exc
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        _migrate(conn, version)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
    except sqlite3.DatabaseError as exc:
        conn.close()
        if _is_damage(exc):
            raise _Damaged(str(exc)) from exc
        raise HistoryError(f"{path}: {exc}") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def open_checked(path: Path, check: bool) -> tuple[sqlite3.Connection, str | None]:
    """Open the database for writing, setting a damaged one aside.

    Returns:
        The writer connection and a one-line notice when a file was set aside.

    Raises:
        HistoryError: A newer or foreign database, or one that cannot be opened or moved.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HistoryError(f"{path.parent}: {exc.strerror or exc}") from exc
    try:
        return _open_once(path, check), None
    except _Damaged as damage:
        reason = str(damage)
    try:
        aside = _set_aside(path)
    except OSError as exc:
        raise HistoryError(
            f"{path} is damaged ({reason}) and could not be moved aside: {exc.strerror or exc}"
        ) from exc
    notice = (
        f"The history database was damaged ({reason}); it was moved to {aside} "
        "and a new history was started."
    )
    try:
        return _open_once(path, check), notice
    except _Damaged as damage:
        raise HistoryError(f"{path}: a new history could not be started ({damage})") from None
