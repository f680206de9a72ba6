"""A SQLite connection that SQLAlchemy's async engine drives without a thread hop.

aiosqlite runs every call on a thread of its own, so each statement costs two hops between the
event loop and that thread (48-252 µs each on a loaded machine) for work that takes SQLite about
a microsecond. The single writer (:mod:`restman_core.adapters.sql.writer`) owns its connection
and holds the file's write lock while it runs statements, so a statement there never waits on
another writer: it runs inline, on the event loop's thread, as a plain :mod:`sqlite3` call.

Only the two calls that can block run on a worker thread: ``BEGIN IMMEDIATE`` when another
connection (another process, or another engine of this one) holds the lock, which waits in
SQLite's busy handler, and ``COMMIT``, which writes the log (and, only when the checkpoints of
:mod:`restman_core.adapters.sql.wal_checkpoints` fall far behind, checkpoints: an fsync).

The classes mimic the part of aiosqlite's interface that SQLAlchemy's ``aiosqlite`` dialect
uses (see ``sqlalchemy.connectors.asyncio``); they are handed to it as ``async_creator``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from restman_core.adapters.sql.wal_checkpoints import WRITER_AUTOCHECKPOINT_PAGES

BUSY_TIMEOUT_MS = 5000


class InlineCursor:
    """A :class:`sqlite3.Cursor` behind coroutine methods that never suspend."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        if parameters is None:
            self._cursor.execute(sql)
        else:
            self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """A :class:`sqlite3.Connection` in autocommit mode (transactions are begun explicitly)
    behind aiosqlite's coroutine interface; see the module docstring."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._conn = raw
        # SQLAlchemy's adapter checks ``_connection`` before committing or rolling back.
        self._connection: sqlite3.Connection | None = raw
        # sqlite3's total_changes when the transaction began (BEGIN IMMEDIATE); -1: unknown.
        self._changes_at_begin = -1

    @property
    def wrote(self) -> bool:
        """Whether a row was inserted, updated or deleted since :meth:`begin_immediate`
        (rows a savepoint rolled back count too); True when that is not known."""
        return self._changes_at_begin < 0 or self._conn.total_changes != self._changes_at_begin

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version``: changes when another connection commits. Inside a
        transaction it starts the snapshot that its next statements read."""
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    async def begin_immediate(self) -> None:
        """Take the file's write lock: at once when it is free, otherwise on a worker thread
        that waits in SQLite's busy handler (up to :data:`BUSY_TIMEOUT_MS`), so the event loop
        never blocks on another process. Raises ``sqlite3.OperationalError`` (database is
        locked) when the lock stayed taken for the whole timeout."""
        self._changes_at_begin = -1
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() and "busy" not in str(exc).lower():
                raise
            await asyncio.to_thread(self._begin_waiting)
        self._changes_at_begin = self._conn.total_changes

    def _begin_waiting(self) -> None:
        self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        finally:
            self._conn.execute("PRAGMA busy_timeout=0")

    async def commit(self) -> None:
        if not self._conn.in_transaction:
            return
        if not self.wrote:
            # A transaction that wrote nothing (the relay's poll of an empty outbox, ten times
            # a second) commits without touching the log: no thread hop for it.
            self._conn.commit()
            return
        await asyncio.to_thread(self._conn.commit)

    # Savepoints for the single writer's units, sent as they are: through SQLAlchemy each costs
    # about what one of the unit's statements does. Raise ``sqlite3.Error``.
    def savepoint(self, name: str) -> None:
        self._conn.execute(f"SAVEPOINT {name}")

    def release(self, name: str) -> None:
        self._conn.execute(f"RELEASE {name}")

    def rollback_to(self, name: str) -> None:
        """Undo everything since the savepoint ``name`` and drop it."""
        self._conn.execute(f"ROLLBACK TO {name}")
        self._conn.execute(f"RELEASE {name}")

    async def rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def stop(self) -> None:
        """SQLAlchemy's forced termination (a connection garbage-collected unclosed)."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def open_inline(path: Path) -> InlineConnection:
    """A writer connection on ``path`` with RestMan's durability settings (WAL,
    ``synchronous=NORMAL``, foreign keys on). Its busy timeout is 0: only
    :meth:`InlineConnection.begin_immediate` waits, and off the event loop."""
    raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    raw.execute("PRAGMA foreign_keys=ON")
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=NORMAL")
    raw.execute("PRAGMA busy_timeout=0")
    # Checkpoints run on a thread of their own (wal_checkpoints): a commit runs one only if
    # those fall far behind.
    raw.execute(f"PRAGMA wal_autocheckpoint={WRITER_AUTOCHECKPOINT_PAGES}")
    return InlineConnection(raw)


class InlineReadConnection(InlineConnection):
    """A read-only :class:`InlineConnection` (``query_only``): its transactions only read, so
    ending one releases a snapshot and never checkpoints; it ends inline too. In WAL mode a
    reader never waits for the writer; the rare moment a reader cannot start (the WAL being
    recovered) is an immediate "database is locked", which the unit of work retries."""

    async def commit(self) -> None:
        if self._conn.in_transaction:
            self._conn.commit()


def open_inline_reader(path: Path) -> InlineReadConnection:
    """A read-only connection on ``path`` whose statements run inline (see
    :class:`InlineReadConnection`); busy timeout 0, so it never sleeps on the event loop."""
    raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    raw.execute("PRAGMA busy_timeout=0")
    raw.execute("PRAGMA query_only=ON")
    return InlineReadConnection(raw)
