"""Running raw SQL statements inside :meth:`SqlDatabase.run`'s retried unit of work.

The event plumbing (relay, embedded log, leases, housekeeping) works on tables that have no
repository in the :class:`~restman_core.ports.storage.Transaction` port, so it runs its
statements on the unit of work's connection and still gets the retry of serialization failures.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.adapters.sql.transaction import SqlTransaction
from restman_core.ports.storage import Transaction

T = TypeVar("T")


async def run_sql(db: SqlDatabase, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """Run ``work`` on one transaction's connection and commit (retried like any unit)."""

    async def unit(tx: Transaction) -> T:
        return await work(cast(SqlTransaction, tx).conn)

    return await db.run(unit)


async def read_sql(db: SqlDatabase, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """Run a read-only ``work`` beside the writer (see :meth:`SqlDatabase.read`): on SQLite it
    reads the last commit on a read-only connection instead of queueing behind every unit of
    work waiting for the single writer."""

    async def unit(tx: Transaction) -> T:
        return await work(cast(SqlTransaction, tx).conn)

    return await db.read(unit)
