"""Plain reads that never take SQLite's write lock.

The unit of work (and :func:`restman_core.adapters.sql.auth_state.run_short`) begins every
SQLite transaction ``BEGIN IMMEDIATE``: the file's one write lock, held until commit. A read on
those engines therefore queues behind every writer, and every writer behind it. A reader engine
is a second pool on the same file whose connections never begin a transaction of their own: each
SELECT runs alone on the latest committed snapshot (WAL lets readers run beside the writer), and
``query_only`` makes any write through it an error rather than a lock.

On PostgreSQL and CockroachDB reads never block writers, so the reader is the engine itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

READER_BUSY_TIMEOUT_MS = 5000


def open_reader_engine(engine: AsyncEngine) -> AsyncEngine:
    """A read-only engine beside ``engine`` on SQLite (the caller disposes of it), otherwise
    ``engine`` itself (which the caller must then not dispose of twice)."""
    if engine.dialect.name != "sqlite":
        return engine
    pool_size = getattr(engine.pool, "size", lambda: 5)()
    reader = create_async_engine(engine.url, pool_size=pool_size, max_overflow=pool_size)

    @event.listens_for(reader.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's default (legacy) transaction handling begins nothing before a SELECT,
        # and SQLAlchemy's pysqlite dialect emits no BEGIN of its own.
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={READER_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    return reader


def owns_reader(engine: AsyncEngine, reader: AsyncEngine) -> bool:
    """Whether ``reader`` is an engine of its own (to dispose of), not ``engine`` itself."""
    return reader is not engine
