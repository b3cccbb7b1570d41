"""History: every exchange with its full transcript, in one SQLite database.

The database runs in WAL mode with ``synchronous=NORMAL``: each :meth:`History.add`
is one transaction, so a crash of the process in the middle of a write loses
nothing already committed (a power cut may lose the last few commits, never the
database). The schema version lives in ``PRAGMA user_version``; a newer version
than this code knows is refused and the file left alone. A damaged database is
set aside under a new name (never deleted) and a fresh one started;
:attr:`History.notice` says where the old one went.

The schema is described in :mod:`inspector.store.history_db`.

Threads: one writer connection behind a lock serves :meth:`~History.add`,
:meth:`~History.delete` and :meth:`~History.clear` (the TUI calls ``add`` from
worker threads); reads use a small pool of read-only connections, so listing
from the UI thread does not wait for a large write (WAL lets them run together).
"""

from __future__ import annotations

import builtins
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from inspector.model import ByteStream, Exchange
from inspector.paths import data_dir
from inspector.store import history_codec as C
from inspector.store.history_db import (
    OVER_LIMITS,
    SCHEMA_VERSION,
    HistoryEntry,
    HistoryError,
    connect,
    open_checked,
    search_clause,
)
from inspector.store.settings import Settings, load_settings

HISTORY_FILE = "history.sqlite"
"""The history's file name inside the data folder."""
DEFAULT_MAX_ENTRIES = 1000
DEFAULT_MAX_BYTES = 512 * 1024 * 1024

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ENTRIES",
    "HISTORY_FILE",
    "SCHEMA_VERSION",
    "History",
    "HistoryEntry",
    "HistoryError",
]

_SUMMARY = (
    "id, created, engine, method, url, name, status, reason, error_kind, "
    "sent_size, received_size, total_time, anomaly_count, comparison_count"
)
_DETAIL = (
    "engine, started, spec, events, timings, tls, error, connection, library, "
    "anomalies, parse, response, sent_size, received_size"
)
_COLUMNS = (
    "parent_id, position, created, engine, method, url, name, status, reason, error_kind, "
    "sent_size, received_size, total_time, anomaly_count, comparison_count, tree_bytes, "
    "started, spec, events, timings, tls, error, connection, library, anomalies, parse, response"
)


@dataclass
class _Prepared:
    """An exchange's columns, worked out before the write transaction starts."""

    exchange: Exchange
    values: dict[str, object]
    """Column values of the ``exchange`` row (without parent and position)."""
    children: builtins.list[_Prepared]
    tree_bytes: int
    """Stored bytes of this exchange and its comparisons."""


def _prepare(exchange: Exchange, created: float) -> _Prepared:
    spec, tr, resp = exchange.spec, exchange.transcript, exchange.response
    children = [_prepare(c, created) for c in exchange.comparisons]
    parse, response = C.response_columns(exchange)
    values: dict[str, object] = {
        "created": created,
        "engine": exchange.engine,
        "method": C.request_method(spec).decode("latin-1"),
        "url": spec.url,
        "name": spec.meta.get("name"),
        "status": None if resp is None else resp.status,
        "reason": "" if resp is None else resp.reason.decode("latin-1"),
        "error_kind": None if exchange.error is None else exchange.error.kind.value,
        "sent_size": len(tr.sent),
        "received_size": len(tr.received),
        "total_time": exchange.timings.total,
        "anomaly_count": len(exchange.anomalies),
        "comparison_count": len(children),
        "started": tr.started,
        "spec": C.dumps(C.spec_doc(spec)),
        "events": C.dumps(C.events_doc(tr.events)),
        "timings": C.dumps(C.timings_doc(exchange.timings)),
        "tls": C.dumps(C.tls_doc(exchange.tls)),
        "error": C.dumps(C.error_doc(exchange.error)),
        "connection": C.dumps(C.connection_doc(exchange.connection)),
        # JSON-ready by contract; repr() keeps a stray value rather than losing the entry.
        "library": json.dumps(exchange.library, ensure_ascii=False, default=repr),
        "anomalies": C.dumps(C.anomalies_doc(exchange.anomalies)),
        "parse": parse,
        "response": response,
    }
    own = len(tr.sent) + len(tr.received) + len(spec.body) + len(spec.raw or b"")
    own += sum(len(v) for v in values.values() if isinstance(v, str))
    tree = own + sum(c.tree_bytes for c in children)
    values["tree_bytes"] = tree
    return _Prepared(exchange, values, children, tree)


def _write_blob(
    conn: sqlite3.Connection, column: str, row: int, stream: ByteStream, total: int
) -> None:
    """Stream ``total`` bytes of a transcript into a zeroblob, without holding them all."""
    if not total:
        return
    with conn.blobopen("payload", column, row) as blob:
        pos = 0
        while pos < total:
            piece = stream.read(pos, min(total, pos + C.READ_CHUNK))
            if not piece:
                break  # the transcript was closed under us: the rest stays zeros
            blob.write(piece)
            pos += len(piece)


QUICK_CHECK_MAX = 32 * 1024 * 1024
"""Files up to this size get a full ``quick_check`` when opened (by default)."""


class History:
    """The exchange history. Open it with :meth:`open`; safe to share between threads."""

    def __init__(
        self,
        path: Path,
        writer: sqlite3.Connection,
        max_entries: int,
        max_bytes: int,
        notice: str | None,
    ) -> None:
        self.path = path
        """The database file."""
        self.max_entries = max_entries
        """Top-level entries kept; older ones are removed by :meth:`add`."""
        self.max_bytes = max_bytes
        """Stored bytes kept (the newest entry stays whatever its size)."""
        self.notice = notice
        """A one-line message for the user about what happened at opening, or None."""
        self._writer: sqlite3.Connection | None = writer
        self._lock = threading.Lock()
        self._pool_lock = threading.Lock()
        self._idle: builtins.list[sqlite3.Connection] = []

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_bytes: int = DEFAULT_MAX_BYTES,
        check: bool | None = None,
    ) -> History:
        """Open (or create) the history at ``path``.

        Args:
            path: The database file; its folder is created if missing.
            max_entries: Top-level entries to keep.
            max_bytes: Stored bytes to keep.
            check: Run ``PRAGMA quick_check`` (reads the whole file) to find damage;
                None (the default) runs it only on a file under 32 MiB, so that
                opening a big history does not hold up the start of a command
                or the TUI. Damage that the quick check would have found then
                surfaces as a HistoryError from the call that meets it.

        Returns:
            The history; its ``notice`` is set when a damaged file was set aside.

        Raises:
            HistoryError: The file is from a newer inspector, is not a history,
                or cannot be opened or set aside.
        """
        path = Path(path)
        if check is None:
            try:
                check = path.stat().st_size < QUICK_CHECK_MAX
            except OSError:
                check = True
        writer, notice = open_checked(path, check)
        return cls(path, writer, max_entries, max_bytes, notice)

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every connection; later calls raise HistoryError."""
        with self._pool_lock:
            idle, self._idle = self._idle, []
            writer, self._writer = self._writer, None
        for conn in idle:
            conn.close()
        if writer is not None:
            with self._lock:
                writer.close()

    # ----------------------------------------------------------- connections
    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._writer
            if conn is None:
                raise HistoryError("the history is closed")
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    conn.rollback()
                if isinstance(exc, sqlite3.Error):
                    raise HistoryError(f"{self.path}: {exc}") from exc
                raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._pool_lock:
            if self._writer is None:
                raise HistoryError("the history is closed")
            conn = self._idle.pop() if self._idle else None
        try:
            if conn is None:
                conn = connect(self.path)
                conn.execute("PRAGMA query_only = ON")
            yield conn
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: {exc}") from exc
        finally:
            if conn is not None:
                if conn.in_transaction:
                    conn.rollback()
                with self._pool_lock:
                    keep = self._writer is not None
                    if keep:
                        self._idle.append(conn)
                if not keep:
                    conn.close()

    # ----------------------------------------------------------- writing
    def add(self, exchange: Exchange, created: float | None = None) -> int:
        """Store an exchange and its comparisons in one transaction, then apply retention.

        Args:
            exchange: A finished exchange (its transcript no longer growing).
            created: Wall-clock start in seconds since the epoch; by default
                worked out from the transcript's monotonic start.

        Returns:
            The new entry's id.

        Raises:
            HistoryError: The database could not be written (nothing was stored).
        """
        if created is None:
            created = time.time() - (time.monotonic() - exchange.transcript.started)
        prepared = _prepare(exchange, created)
        with self._write() as conn:
            entry_id = self._insert(conn, prepared, None, 0)
            over = [r[0] for r in conn.execute(OVER_LIMITS, (self.max_entries, self.max_bytes))]
            conn.executemany("DELETE FROM exchange WHERE id = ?", [(i,) for i in over])
        return entry_id

    def _insert(
        self, conn: sqlite3.Connection, p: _Prepared, parent: int | None, position: int
    ) -> int:
        values = {**p.values, "parent_id": parent, "position": position}
        names = [n.strip() for n in _COLUMNS.split(",")]
        cur = conn.execute(
            f"INSERT INTO exchange ({_COLUMNS}) VALUES ({', '.join('?' * len(names))})",
            [values[n] for n in names],
        )
        row = cur.lastrowid
        assert row is not None
        tr, spec = p.exchange.transcript, p.exchange.spec
        sent, received = values["sent_size"], values["received_size"]
        assert isinstance(sent, int) and isinstance(received, int)
        conn.execute(
            "INSERT INTO payload (exchange_id, sent, received, body, raw) "
            "VALUES (?, zeroblob(?), zeroblob(?), ?, ?)",
            (row, sent, received, spec.body, spec.raw),
        )
        _write_blob(conn, "sent", row, tr.sent, sent)
        _write_blob(conn, "received", row, tr.received, received)
        for i, child in enumerate(p.children):
            self._insert(conn, child, row, i)
        return row

    def delete(self, entry_id: int) -> bool:
        """Remove a top-level entry and its comparisons; False if there was none."""
        with self._write() as conn:
            cur = conn.execute(
                "DELETE FROM exchange WHERE id = ? AND parent_id IS NULL", (entry_id,)
            )
        return cur.rowcount > 0

    def clear(self) -> None:
        """Remove every entry and give the space back to the file system."""
        with self._write() as conn:
            conn.execute("DELETE FROM exchange")
        with self._lock:
            writer = self._writer
            if writer is not None:
                writer.execute("PRAGMA incremental_vacuum")
                writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # ----------------------------------------------------------- reading
    def list(
        self, query: str = "", limit: int = 100, offset: int = 0
    ) -> builtins.list[HistoryEntry]:
        """Top-level entries, newest first.

        Args:
            query: Keep entries whose URL, method, status, reason or name holds
                this text (case-insensitive for ASCII); empty keeps all.
            limit: At most this many.
            offset: Skip this many first (for paging).
        """
        clause, args = search_clause(query)
        sql = (
            f"SELECT {_SUMMARY} FROM exchange WHERE parent_id IS NULL{clause} "
            "ORDER BY id DESC LIMIT :limit OFFSET :offset"
        )
        with self._read() as conn:
            rows = conn.execute(sql, {**args, "limit": limit, "offset": offset}).fetchall()
        return [HistoryEntry(*row) for row in rows]

    def count(self, query: str = "") -> int:
        """How many top-level entries :meth:`list` would give for ``query`` without a limit."""
        clause, args = search_clause(query)
        sql = f"SELECT COUNT(*) FROM exchange WHERE parent_id IS NULL{clause}"
        with self._read() as conn:
            (n,) = conn.execute(sql, args).fetchone()
        return int(n)

    def load(self, entry_id: int) -> Exchange:
        """Rebuild a stored exchange: transcript, response (re-parsed), comparisons.

        Raises:
            KeyError: No entry has this id.
            HistoryError: The database could not be read.
        """
        with self._read() as conn:
            conn.execute("BEGIN")  # one snapshot, whatever writers do meanwhile
            return self._load(conn, entry_id)

    def _load(self, conn: sqlite3.Connection, entry_id: int) -> Exchange:
        row = conn.execute(f"SELECT {_DETAIL} FROM exchange WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise KeyError(entry_id)
        engine, started, spec, events, timings, tls, error, connection, library = row[:9]
        anomalies, parse, response, sent_size, received_size = row[9:]
        body, raw = conn.execute(
            "SELECT body, raw FROM payload WHERE exchange_id = ?", (entry_id,)
        ).fetchone()
        with (
            conn.blobopen("payload", "sent", entry_id, readonly=True) as sent,
            conn.blobopen("payload", "received", entry_id, readonly=True) as received,
        ):
            transcript = C.rebuild_transcript(
                started,
                C.events_from(json.loads(events)),
                _reader(sent),
                _reader(received),
                (sent_size, received_size),
            )
        if response is not None:
            resp = C.response_from(json.loads(response))
        elif parse is not None:
            resp = C.reparse(json.loads(parse), transcript.received)
        else:
            resp = None
        children = conn.execute(
            "SELECT id FROM exchange WHERE parent_id = ? ORDER BY position", (entry_id,)
        ).fetchall()
        return Exchange(
            engine=engine,
            spec=C.spec_from(json.loads(spec), body, raw),
            transcript=transcript,
            response=resp,
            anomalies=C.anomalies_from(json.loads(anomalies)),
            timings=C.timings_from(json.loads(timings)),
            tls=C.tls_from(json.loads(tls)),
            error=C.error_from(json.loads(error)),
            comparisons=tuple(self._load(conn, c) for (c,) in children),
            connection=C.connection_from(json.loads(connection)),
            library=json.loads(library),
        )


def _reader(blob: sqlite3.Blob) -> Callable[[int, int], bytes]:
    def read(start: int, end: int) -> bytes:
        blob.seek(start)
        return blob.read(end - start)

    return read


def open_history(settings: Settings | None = None, *, check: bool | None = None) -> History:
    """The user's history database, bounded by the settings file.

    Args:
        settings: Already loaded settings (None: read ``settings.json``).
        check: Passed to :meth:`History.open` (None: a full check of small files only).
    """
    folder = data_dir()
    if settings is None:
        settings, _problem = load_settings(folder)
    return History.open(
        folder / HISTORY_FILE,
        max_entries=settings.history_max_entries,
        max_bytes=settings.history_max_bytes,
        check=check,
    )
