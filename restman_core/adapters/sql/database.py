"""The SQL unit of work: engines, transactions, and retry of serialization failures.

PostgreSQL and CockroachDB run every unit at SERIALIZABLE (CockroachDB's only isolation); a
failure with SQLSTATE 40001 (or a deadlock, 40P01) retries the whole unit with capped, jittered
exponential backoff. SQLite runs each unit as ``BEGIN IMMEDIATE`` so writers queue on the file
lock instead of failing half-way; a still-locked database is retried the same way.

The retry budget is bounded twice: at most :data:`MAX_ATTEMPTS` attempts and at most
:data:`RETRY_BUDGET_SECONDS` since the first. Eight or more units contending for one row (one
customer's concurrent orders, one food's stock) each lose a few rounds before winning; the
budget lets every one of them finish, so contention ends in success or a business refusal
(409), and "busy" (503) only when the database is genuinely overloaded for seconds on end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from restman_core.adapters.sql.schema import metadata
from restman_core.adapters.sql.transaction import RetryUnit, SqlTransaction
from restman_core.adapters.sql.urls import async_url
from restman_core.errors import ConfigurationError, Conflict, InvalidInput, Unavailable
from restman_core.ports.storage import Transaction

T = TypeVar("T")
log = logging.getLogger(__name__)

MAX_ATTEMPTS = 40
RETRY_BUDGET_SECONDS = 20.0
BACKOFF_BASE = 0.01
BACKOFF_CAP = 0.5
_RETRY_SQLSTATES = {"40001", "40P01"}
READ_ONLY_SQLSTATE = "25006"
_IN_MEMORY = ("", ":memory:")


def _sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def is_retryable(exc: BaseException) -> bool:
    """Serialization failures, deadlocks, and a locked SQLite file."""
    if isinstance(exc, RetryUnit):
        return True
    if isinstance(exc, DBAPIError):
        if _sqlstate(exc) in _RETRY_SQLSTATES:
            return True
        text = str(getattr(exc, "orig", exc)).lower()
        if "database is locked" in text or "restart transaction" in text:
            return True
    return False


def backoff_delay(attempt: int) -> float:
    """Jittered exponential backoff, capped: between half and all of ``base * 2**attempt``, so
    contenders spread out (the jitter) yet never spin back at once (the floor)."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** min(attempt, 20)))
    return random.uniform(ceiling / 2, ceiling)


def _configure_sqlite(engine: AsyncEngine) -> None:
    """Let SQLAlchemy, not the driver, begin transactions, and begin them IMMEDIATE."""

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
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine_for(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    """An async engine for any supported URL (see :func:`async_url`)."""
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
        _configure_sqlite(engine)
        return engine
    return create_async_engine(
        target,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=5,
        isolation_level="SERIALIZABLE",
        echo=echo,
    )


class SqlDatabase:
    """Implements :class:`restman_core.ports.storage.Database` on one async engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    async def run(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """Run ``work`` as one transaction (see :meth:`_run`). A caller cancelled meanwhile does
        not cut the unit short: it finishes (commits or rolls back) first and the cancellation
        is honoured after. Cut short, a connection could be left inside its transaction,
        holding SQLite's write lock (or PostgreSQL row locks) for everyone else."""
        unit = asyncio.ensure_future(self._run(work))
        try:
            return await asyncio.shield(unit)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await unit
            raise

    async def _run(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """Run ``work`` as one transaction and commit it. Serialization failures, deadlocks and
        a locked SQLite file retry the whole unit; a refused statement (duplicate, missing
        referenced row, value out of range) is Conflict or InvalidInput (see
        :func:`refusal_of`); an unreachable, exhausted or persistently busy database is
        Unavailable. Other errors, including the core's own, propagate unchanged."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + RETRY_BUDGET_SECONDS
        for attempt in range(MAX_ATTEMPTS):
            try:
                async with self.engine.begin() as conn:
                    return await work(SqlTransaction(conn))
            except (DBAPIError, RetryUnit) as exc:
                if isinstance(exc, IntegrityError | DataError):
                    raise refusal_of(exc) from exc
                if not is_retryable(exc):
                    if _sqlstate(exc) == READ_ONLY_SQLSTATE:
                        # A server turned read-only (a replica promoted away, a full disk's
                        # guard) is a database the write cannot use now, not a bug.
                        raise Unavailable("The database is read-only; try again later") from exc
                    if isinstance(exc, OperationalError | RetryUnit) or _is_connection_error(exc):
                        raise Unavailable("The database is unavailable; try again") from exc
                    raise
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
        await self.engine.dispose()


def refusal_of(exc: DBAPIError) -> Conflict | InvalidInput:
    """The core's error for a statement the database refused because of the data: a duplicate
    is a Conflict; a missing referenced row, a refused check or a value out of a column's range
    is InvalidInput. The driver's text (SQL, values) never goes into the message."""
    state = _sqlstate(exc) or ""
    text = str(getattr(exc, "orig", "")).lower()
    if state == "23505" or "unique constraint" in text:
        return Conflict("That already exists")
    if state == "23503" or "foreign key" in text:
        return InvalidInput("The request refers to something that does not exist")
    if isinstance(exc, DataError):
        return InvalidInput("A value is out of range or malformed")
    return InvalidInput("The request breaks a storage rule")


def _is_connection_error(exc: DBAPIError) -> bool:
    return bool(exc.connection_invalidated) or (_sqlstate(exc) or "").startswith("08")


def open_database(url: str, *, pool_size: int = 10, echo: bool = False) -> SqlDatabase:
    """A :class:`SqlDatabase` for ``url``; nothing connects until first use."""
    return SqlDatabase(create_engine_for(url, pool_size=pool_size, echo=echo))
