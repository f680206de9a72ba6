"""The SQL unit of work: engines, transactions, and retry of serialization failures.

PostgreSQL and CockroachDB run every unit at SERIALIZABLE (CockroachDB's only isolation); a
failure with SQLSTATE 40001 (or a deadlock, 40P01) retries the whole unit with capped, jittered
exponential backoff. On SQLite every unit of a process goes through one writer
(:mod:`restman_core.adapters.sql.writer`): units queue, run one after the other on one connection,
each in a savepoint, and commit together; a still-locked database is retried the same way.

No connection is pinged before use: a pooled connection found dead by a unit's first statements
(the server restarted, a proxy dropped it) is discarded by the pool and the unit runs again on a
fresh one. Only a failure during ``COMMIT`` itself is never retried (it may have committed).

The retry budget is bounded twice: at most :data:`MAX_ATTEMPTS` attempts and at most
:data:`RETRY_BUDGET_SECONDS` since the first. Eight or more units contending for one row (one
customer's concurrent orders, one food's stock) each lose a few rounds before winning; the
budget lets every one of them finish, so contention ends in success or a business refusal
(409), and "busy" (503) only when the database is genuinely overloaded for seconds on end.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import uuid
import weakref
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from restman_core.adapters.sql.failures import (
    MAX_ATTEMPTS,
    RETRY_BUDGET_SECONDS,
    backoff_delay,
    classify,
    is_retryable,
    refusal_of,
)
from restman_core.adapters.sql.log_signal import LogSignal
from restman_core.adapters.sql.readers import open_reader_engine, transaction_on
from restman_core.adapters.sql.schema import metadata
from restman_core.adapters.sql.transaction import RetryUnit, SqlTransaction
from restman_core.adapters.sql.turns import takes_turns, transaction_in_turn
from restman_core.adapters.sql.urls import async_url
from restman_core.adapters.sql.wal_checkpoints import checkpointer_for
from restman_core.adapters.sql.writer import (
    QUEUE_TIMEOUT_SECONDS,
    SqliteWriter,
    open_writer_engine,
    register_runner,
)
from restman_core.errors import ConfigurationError, Unavailable
from restman_core.ports.storage import Transaction

T = TypeVar("T")
log = logging.getLogger(__name__)

__all__ = [
    "MAX_ATTEMPTS",
    "RETRY_BUDGET_SECONDS",
    "SqlDatabase",
    "backoff_delay",
    "create_engine_for",
    "is_retryable",
    "open_database",
    "refusal_of",
]

_IN_MEMORY = ("", ":memory:")


class _StaleConnection(Exception):
    """A unit's statement found its pooled connection dead before anything committed."""


def _configure_sqlite(engine: AsyncEngine, *, immediate: bool) -> None:
    """Let SQLAlchemy, not the driver, begin transactions: IMMEDIATE when ``immediate``, else
    DEFERRED.

    Every unit of work on SQLite runs on the single writer's own engine
    (:mod:`restman_core.adapters.sql.writer`), which takes the write lock with ``BEGIN
    IMMEDIATE``. What is left on the pool reads (a ping, the settled check, tests' queries) or
    creates the schema: a deferred transaction reads the last committed snapshot beside the
    writer (WAL) instead of queueing for its lock, where the writer's back-to-back groups would
    starve it past the busy timeout. Migrations write from several processes at once (every
    server worker upgrades on start): their engine begins IMMEDIATE, so the second waits for
    the first in the busy handler instead of failing to upgrade a stale read snapshot."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_engine_for(
    url: str, *, pool_size: int = 10, echo: bool = False, write_lock_first: bool = False
) -> AsyncEngine:
    """An async engine for any supported URL (see :func:`async_url`); on SQLite its
    transactions take the write lock first when ``write_lock_first`` (see
    :func:`_configure_sqlite`)."""
    target = async_url(url)
    backend = target.get_backend_name()
    if backend == "sqlite":
        if (target.database or "") in _IN_MEMORY or target.query.get("mode") == "memory":
            # Every pooled connection would open its own empty database.
            raise ConfigurationError(
                "An in-memory SQLite database cannot back RestMan; use a file "
                "(sqlite:///path/to/restman.db)"
            )
        Path(target.database or "").parent.mkdir(parents=True, exist_ok=True)
        # A small pool of file connections: opening one (a driver thread plus the PRAGMAs) costs
        # more than most units of work.
        engine = create_async_engine(target, pool_size=pool_size, max_overflow=0, echo=echo)
        _configure_sqlite(engine, immediate=write_lock_first)
        return engine
    return create_async_engine(
        target,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=5,
        isolation_level="SERIALIZABLE",
        echo=echo,
    )


class SqlDatabase:
    """Implements :class:`restman_core.ports.storage.Database` on one async engine."""

    def __init__(
        self, engine: AsyncEngine, *, writer_queue_timeout: float = QUEUE_TIMEOUT_SECONDS
    ) -> None:
        self.engine = engine
        self._writer_queue_timeout = writer_queue_timeout
        self.dialect = engine.dialect.name
        self._writer_engine: AsyncEngine | None = None
        self._reader_engine: AsyncEngine | None = None
        # This process's wake-ups along the outbox (see log_signal): commit, relay, streams.
        self.log_signal = LogSignal()
        self._writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SqliteWriter] = (
            weakref.WeakKeyDictionary()
        )
        if self.dialect == "sqlite":
            register_runner(engine, self.run)

    async def run(
        self, work: Callable[[Transaction], Awaitable[T]], *, turn: uuid.UUID | None = None
    ) -> T:
        """Run ``work`` as one transaction (see :meth:`_run`; on SQLite
        :meth:`SqliteWriter.run`, which runs one unit at a time, so ``turn`` changes nothing
        there). A caller cancelled meanwhile does not cut the unit short: it finishes (commits
        or rolls back) first and the cancellation is honoured after. Cut short, a connection
        could be left inside its transaction, holding SQLite's write lock (or PostgreSQL row
        locks, or a turn) for everyone else."""
        if self.dialect == "sqlite":
            return await self._writer().run(work)
        unit = asyncio.ensure_future(self._run(work, turn=turn))
        try:
            return await asyncio.shield(unit)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await unit
            raise

    async def read(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """Run a read-only ``work`` (see :meth:`Database.read`): on SQLite a deferred
        transaction on the reader engine (:mod:`restman_core.adapters.sql.readers`), which
        reads the last commit without the write lock and without a thread hop; elsewhere on
        the pool."""
        if self.dialect == "sqlite":
            if self._reader_engine is None:
                self._reader_engine = open_reader_engine(self.engine, snapshot=True)
            return await self._run(work, self._reader_engine)
        return await self._run(work)

    def _writer(self) -> SqliteWriter:
        """This event loop's writer (a process has one loop, tests and the CLI may have more)."""
        loop = asyncio.get_running_loop()
        writer = self._writers.get(loop)
        if writer is None:
            if self._writer_engine is None:
                self._writer_engine = open_writer_engine(self.engine.url)
            writer = self._writers[loop] = SqliteWriter(
                self._writer_engine,
                queue_timeout=self._writer_queue_timeout,
                on_outbox_commit=self.log_signal.written,
                checkpointer=checkpointer_for(self.engine.url.database),
            )
        return writer

    @property
    def engines(self) -> tuple[AsyncEngine, ...]:
        """Every engine that runs this database's statements (the pool, and on SQLite the
        writer's): what a statement counter listens on."""
        if self.dialect == "sqlite":
            if self._writer_engine is None:
                self._writer_engine = open_writer_engine(self.engine.url)
            if self._reader_engine is None:
                self._reader_engine = open_reader_engine(self.engine, snapshot=True)
            return (self.engine, self._writer_engine, self._reader_engine)
        return (self.engine,)

    async def _run(
        self,
        work: Callable[[Transaction], Awaitable[T]],
        engine: AsyncEngine | None = None,
        *,
        turn: uuid.UUID | None = None,
    ) -> T:
        """Run ``work`` as one transaction and commit it. Serialization failures, deadlocks, a
        locked SQLite file and a connection found dead before the commit retry the whole unit;
        a refused statement (duplicate, missing referenced row, value out of range) is Conflict
        or InvalidInput (see :func:`refusal_of`); an unreachable, exhausted or persistently
        busy database is Unavailable. Other errors, including the core's own, propagate
        unchanged. With a ``turn`` (see :mod:`restman_core.adapters.sql.turns`) each attempt
        waits for it before its transaction begins."""
        loop = asyncio.get_running_loop()
        engine = engine or self.engine
        if turn is not None and takes_turns(engine):
            begin = functools.partial(transaction_in_turn, engine, turn)
        else:
            begin = functools.partial(transaction_on, engine)
        deadline = loop.time() + RETRY_BUDGET_SECONDS
        stale_retried = False
        for attempt in range(MAX_ATTEMPTS):
            try:
                async with begin() as conn:
                    try:
                        return await work(SqlTransaction(conn))
                    except DBAPIError as exc:
                        if exc.connection_invalidated:
                            raise _StaleConnection() from exc
                        raise
            except _StaleConnection as stale:
                if stale_retried:  # a fresh connection died too: the server is down
                    raise Unavailable("The database is unavailable; try again") from stale
                # SQLAlchemy invalidated the whole pool with it: the next checkout is fresh.
                stale_retried = True
                log.info("a pooled connection was dead; running the unit on a fresh one")
                continue
            except (DBAPIError, RetryUnit) as exc:
                error = classify(exc)
                if error is not None:
                    if error is exc:
                        raise
                    raise error from exc
                delay = backoff_delay(attempt)
                if loop.time() + delay > deadline:
                    break
                log.debug("retrying unit of work after %s (attempt %d)", exc, attempt + 1)
                await asyncio.sleep(delay)
            except PoolTimeout as exc:
                # Every pooled connection stayed busy for the pool's whole timeout.
                raise Unavailable("The database is busy; try again shortly") from exc
            except OSError as exc:
                raise Unavailable("The database is unreachable") from exc
        log.warning("a unit of work gave up after %d attempts of contention", attempt + 1)
        raise Unavailable("The database is busy; try again shortly")

    async def connect(self) -> AsyncConnection:
        """A raw connection for adapters that run their own statements (callers close it)."""
        return await self.engine.connect()

    async def ping(self) -> None:
        try:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
        except (DBAPIError, OSError) as exc:
            raise Unavailable("The database is unreachable") from exc

    async def create_all(self) -> None:
        """Create every table directly from the models (tests; production uses migrations)."""
        async with self.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    async def close(self) -> None:
        """Finish this loop's queued units, then release every connection."""
        writers, self._writers = self._writers, weakref.WeakKeyDictionary()
        loop = asyncio.get_running_loop()
        for owner, writer in list(writers.items()):
            if owner is loop:
                await writer.close()
            elif owner.is_running() and not owner.is_closed():
                # A writer of a loop still running on another thread: it finishes its queue and
                # releases its connection there. Not waited for: that loop may itself be
                # waiting on this one.
                asyncio.run_coroutine_threadsafe(writer.close(), owner)
            else:
                # A writer of a loop that has ended: its task is gone, its connection is not.
                await writer.release_connection()
        await self.engine.dispose()
        if self._writer_engine is not None:
            await self._writer_engine.dispose()
            self._writer_engine = None
        if self._reader_engine is not None:
            await self._reader_engine.dispose()
            self._reader_engine = None


def open_database(url: str, *, pool_size: int = 10, echo: bool = False) -> SqlDatabase:
    """A :class:`SqlDatabase` for ``url``; nothing connects until first use."""
    return SqlDatabase(create_engine_for(url, pool_size=pool_size, echo=echo))
