"""A counter kept in ``consumer_positions`` (a table with no business rules), bumped by
read-then-write units of work: the single writer's tests count lost or doubled updates."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.adapters.sql.sqlwork import run_sql
from restman_core.adapters.sql.tables import consumer_positions
from restman_core.adapters.sql.writer import SqliteWriter


async def read_counter(conn: AsyncConnection, name: str) -> int:
    value = await conn.scalar(
        select(consumer_positions.c.position).where(consumer_positions.c.consumer == name)
    )
    return int(value or 0)


async def write_counter(conn: AsyncConnection, name: str, value: int) -> None:
    now = datetime.now(UTC)
    insert = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
    statement = insert(consumer_positions).values(consumer=name, position=value, updated_at=now)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["consumer"], set_={"position": value, "updated_at": now}
        )
    )


async def bump(db: SqlDatabase, name: str) -> None:
    """Read the counter and write it back plus one, in one unit of work."""

    async def work(conn: AsyncConnection) -> None:
        await write_counter(conn, name, await read_counter(conn, name) + 1)

    await run_sql(db, work)


async def counter(db: SqlDatabase, name: str) -> int:
    return await run_sql(db, lambda conn: read_counter(conn, name))


def writer_of(db: SqlDatabase) -> SqliteWriter:
    """The database's single SQLite writer."""
    return db._writer()
