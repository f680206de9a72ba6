"""The SQLite writer's urgent lane, its units stepped in their callers' contexts, and the WAL
checkpoints taken off the commit's path (see :mod:`restman_core.adapters.sql.writer`,
:mod:`restman_core.adapters.sql.unit_steps`, :mod:`restman_core.adapters.sql.wal_checkpoints`)."""

from __future__ import annotations

import asyncio
import contextvars
import sqlite3
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.database import SqlDatabase, open_database
from restman_core.adapters.sql.sqlwork import run_sql
from restman_core.adapters.sql.wal_checkpoints import WRITER_AUTOCHECKPOINT_PAGES
from restman_core.adapters.sql.writer import urgent_units
from restman_core.domain.events import DomainEvent
from restman_core.ports.storage import Transaction
from tests.core.writer_counter import counter, write_counter, writer_of
from tests.support.services import wait_for

CALLER: contextvars.ContextVar[str] = contextvars.ContextVar("test_caller", default="none")


def key() -> str:
    return f"l-{uuid.uuid4().hex[:12]}"


async def test_urgent_units_commit_alone_before_units_queued_earlier(db: SqlDatabase) -> None:
    await counter(db, key())  # the writer is running and idle
    writer = writer_of(db)
    release = asyncio.Event()
    started = asyncio.Event()

    async def blocker(conn: AsyncConnection) -> None:
        started.set()
        await release.wait()  # a unit that suspends: the writer waits with it

    async def noted(conn: AsyncConnection, name: str) -> int:
        await write_counter(conn, name, 1)
        return writer.groups  # groups committed before this unit's own

    first = asyncio.create_task(run_sql(db, blocker))
    await started.wait()
    before = writer.groups
    normal = [asyncio.create_task(run_sql(db, lambda c: noted(c, key()))) for _ in range(5)]
    with urgent_units():
        urgent = asyncio.create_task(run_sql(db, lambda c: noted(c, key())))
    await wait_for(lambda: asyncio.sleep(0, len(writer._urgent) == 1), what="the urgent unit")
    release.set()
    await first
    urgent_group = await urgent
    normal_groups = await asyncio.gather(*normal)
    assert urgent_group == before + 1, "the urgent unit runs in the group after the blocker's"
    assert set(normal_groups) == {before + 2}, "the earlier units run after it, together"
    assert writer.groups == before + 3


async def test_the_relay_woken_by_a_commit_queues_ahead_of_the_next_group(
    sqlite_file_url: str, tmp_path: Path
) -> None:
    """A commit that added outbox rows wakes the relay, which queues an urgent unit: it runs
    before the units that were already waiting, since the writer gives the loop a turn between
    groups (its units run without one)."""
    url = make_url(sqlite_file_url).set(database=str(tmp_path / "woken.db")).render_as_string()
    db = open_database(url)
    try:
        await db.create_all()
        await counter(db, key())
        writer = writer_of(db)
        release = asyncio.Event()
        started = asyncio.Event()
        written = db.log_signal.on_written()

        async def blocker(tx: Transaction) -> None:
            started.set()
            await release.wait()
            await tx.outbox.add([DomainEvent("order.probe", uuid.uuid4(), datetime.now(UTC), {})])

        async def noted(conn: AsyncConnection) -> int:
            await write_counter(conn, key(), 1)
            return writer.groups

        async def relay_like() -> int:
            await written.wait()
            with urgent_units():
                return await run_sql(db, noted)

        first = asyncio.create_task(db.run(blocker))
        await started.wait()
        follower = asyncio.create_task(relay_like())
        before = writer.groups
        waiting = [asyncio.create_task(run_sql(db, noted)) for _ in range(5)]
        await wait_for(lambda: asyncio.sleep(0, len(writer._queue) == 5), what="queued units")
        release.set()
        await first
        assert await follower == before + 1, "the woken task's unit runs in the next group"
        assert set(await asyncio.gather(*waiting)) == {before + 2}
    finally:
        await db.close()


async def test_a_unit_runs_in_its_callers_context_and_keeps_its_own_changes(
    db: SqlDatabase,
) -> None:
    async def work(tx: Transaction) -> str:
        seen = CALLER.get()
        CALLER.set("changed inside")
        await asyncio.sleep(0)  # a suspension: the next step still runs in the caller's context
        return f"{seen}/{CALLER.get()}"

    async def caller(name: str) -> tuple[str, str]:
        CALLER.set(name)
        outcome = await db.run(work)
        return outcome, CALLER.get()

    results = await asyncio.gather(*(caller(f"c{i}") for i in range(4)))
    assert results == [(f"c{i}/changed inside", f"c{i}") for i in range(4)]
    assert CALLER.get() == "none"


async def test_a_failing_suspended_unit_rolls_back_and_the_writer_goes_on(
    db: SqlDatabase,
) -> None:
    name = key()

    async def failing(conn: AsyncConnection) -> None:
        await write_counter(conn, name, 7)
        await asyncio.sleep(0.01)
        raise LookupError("refused after a pause")

    with pytest.raises(LookupError):
        await run_sql(db, failing)
    assert await counter(db, name) == 0


async def test_checkpoints_run_beside_the_writer(sqlite_file_url: str, tmp_path: Path) -> None:
    path = tmp_path / "checkpointed.db"
    url = make_url(sqlite_file_url).set(database=str(path)).render_as_string()
    db = open_database(url)
    try:
        await db.create_all()
        for round_ in range(20):
            await asyncio.gather(*(run_sql(db, _writes(f"r{round_}-{i}")) for i in range(5)))
        writer = writer_of(db)
        checkpointer = writer._checkpointer
        assert checkpointer is not None
        await wait_for(lambda: asyncio.sleep(0, checkpointer.checkpoints >= 1), what="a checkpoint")
        inline = await _pragma(db, "PRAGMA wal_autocheckpoint")
        assert inline == WRITER_AUTOCHECKPOINT_PAGES, "commits do not checkpoint on their own"
    finally:
        await db.close()
    # Every committed row is in the file and readable by a fresh connection.
    with sqlite3.connect(path) as raw:
        (count,) = raw.execute("SELECT count(*) FROM consumer_positions").fetchone()
    assert count == 100


async def test_a_group_that_writes_nothing_starts_no_checkpoint(
    sqlite_file_url: str, tmp_path: Path
) -> None:
    # The relay polls an empty outbox ten times a second: an idle server must not checkpoint.
    url = make_url(sqlite_file_url).set(database=str(tmp_path / "idle.db")).render_as_string()
    db = open_database(url)
    try:
        await db.create_all()
        checkpointer = writer_of(db)._checkpointer
        assert checkpointer is not None
        checkpointer._interval = 0.0  # every commit that asks starts one (one at a time)
        await run_sql(db, _writes("before"))
        await wait_for(lambda: asyncio.sleep(0, checkpointer.checkpoints >= 1), what="a checkpoint")
        await asyncio.to_thread(checkpointer.join)
        taken = checkpointer.checkpoints
        for _ in range(20):
            assert await _pragma(db, "SELECT count(*) FROM consumer_positions") == 1
        await asyncio.sleep(0.05)
        assert checkpointer.checkpoints == taken
        await run_sql(db, _writes("after"))
        await wait_for(
            lambda: asyncio.sleep(0, checkpointer.checkpoints > taken), what="another checkpoint"
        )
        assert await counter(db, "after") == 1
    finally:
        await db.close()


def _writes(name: str) -> Callable[[AsyncConnection], Awaitable[None]]:
    async def work(conn: AsyncConnection) -> None:
        await write_counter(conn, name, 1)

    return work


async def _pragma(db: SqlDatabase, statement: str) -> int:
    async def work(conn: AsyncConnection) -> int:
        return int((await conn.execute(text(statement))).scalar_one())

    return await run_sql(db, work)
