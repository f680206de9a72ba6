"""Plain reads that never take SQLite's write lock, and never leave the event loop's thread.

The unit of work (and :func:`restman_core.adapters.sql.auth_state.run_short`) runs every SQLite
write through the single writer. A reader engine is a pool of connections of its own on the
same file: each read runs on the latest committed snapshot (WAL lets readers run beside the
writer), and ``query_only`` makes any write through it an error rather
than a lock. Its statements run inline, as plain :mod:`sqlite3` calls on the event loop's
thread (:class:`~restman_core.adapters.sql.inline_sqlite.InlineReadConnection`): a read is a
few statements on an index, far cheaper than the two thread hops per statement of aiosqlite,
and a WAL reader has nothing to wait for.

On PostgreSQL and CockroachDB reads never block writers, so the reader is the engine itself.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from restman_core.adapters.sql.inline_sqlite import InlineReadConnection, open_inline_reader


def open_reader_engine(engine: AsyncEngine, *, snapshot: bool = False) -> AsyncEngine:
    """A read-only engine beside ``engine`` on SQLite (the caller disposes of it), otherwise
    ``engine`` itself (which the caller must then not dispose of twice). With ``snapshot``
    each transaction begins a deferred ``BEGIN``, so that all its statements see one
    snapshot; without, each statement runs alone on the latest one (a single lookup needs no
    more, and sends nothing but its SELECT)."""
    if engine.dialect.name != "sqlite":
        return engine
    pool_size = getattr(engine.pool, "size", lambda: 5)()
    path = Path(engine.url.database or "")

    async def connect() -> InlineReadConnection:
        # Inline too: opening a read-only connection with no busy timeout waits for nothing,
        # and a read that never suspends needs only one connection at a time.
        return open_inline_reader(path)

    reader = create_async_engine(
        engine.url, async_creator=connect, pool_size=pool_size, max_overflow=pool_size
    )
    _INLINE.add(reader)

    if snapshot:

        @event.listens_for(reader.sync_engine, "begin")
        def _on_begin(conn: Any) -> None:
            # The driver runs in autocommit and SQLAlchemy's dialect emits no BEGIN: without
            # one each statement of a read would see its own snapshot.
            conn.exec_driver_sql("BEGIN")

    return reader


_INLINE: weakref.WeakSet[AsyncEngine] = weakref.WeakSet()


@contextlib.asynccontextmanager
async def connection_on(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection of ``engine`` for the block, back in its pool as the block ends.

    SQLAlchemy's own ``async with`` returns a connection from a task of its own (so that a
    cancellation cannot cut the return short): the connection stays out of the pool for a
    turn of the event loop, and with many requests in one turn a reader's pool overflows and
    opens and closes a connection on nearly every read. A reader of this module returns it at
    once, in the caller's task: its close never suspends, so nothing can cut it short. Any
    other engine keeps SQLAlchemy's way."""
    if engine not in _INLINE:
        async with engine.connect() as conn:
            yield conn
        return
    conn = await engine.connect()
    try:
        yield conn
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def transaction_on(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """``engine.begin()``: a transaction for the block, committed when it ends normally, on a
    connection returned as :func:`connection_on` returns it."""
    if engine not in _INLINE:
        async with engine.begin() as conn:
            yield conn
        return
    async with connection_on(engine) as conn, conn.begin():
        yield conn


def owns_reader(engine: AsyncEngine, reader: AsyncEngine) -> bool:
    """Whether ``reader`` is an engine of its own (to dispose of), not ``engine`` itself."""
    return reader is not engine
