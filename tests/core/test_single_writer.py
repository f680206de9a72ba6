"""SQLite's single writer: units queued together commit in one group, a failing unit rolls back
alone, many concurrent orders lose nothing and keep stock exact, and two processes on one file
still serialise their units (see :mod:`restman_core.adapters.sql.writer`)."""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.database import SqlDatabase, open_database
from restman_core.adapters.sql.sqlwork import run_sql
from restman_core.adapters.sql.writer import NestedUnitOfWork
from restman_core.domain.access import Role
from restman_core.errors import Conflict
from restman_core.ports.storage import Page, Transaction
from tests.core.builders import Core, add_user, build_restaurant, order_body
from tests.core.properties import PROPERTY
from tests.core.writer_counter import bump, counter, write_counter, writer_of
from tests.support.processes import Child
from tests.support.services import wait_for

ROOT = Path(__file__).resolve().parents[2]


class Refused(Exception):
    """A unit's own failure, raised after it wrote."""


def key() -> str:
    return f"w-{uuid.uuid4().hex[:12]}"


async def write(db: SqlDatabase, name: str, value: int, *, then_fail: bool = False) -> int:
    async def work(conn: AsyncConnection) -> int:
        await write_counter(conn, name, value)
        if then_fail:
            raise Refused(name)
        return value

    return await run_sql(db, work)


async def test_units_queued_together_commit_in_one_group(db: SqlDatabase) -> None:
    await counter(db, key())  # the writer is running and idle
    writer = writer_of(db)
    groups = writer.groups
    names = [key() for _ in range(10)]
    assert await asyncio.gather(*(write(db, n, i) for i, n in enumerate(names))) == list(range(10))
    assert writer.groups == groups + 1
    assert [await counter(db, n) for n in names] == list(range(10))


async def test_a_failing_unit_in_a_group_rolls_back_alone(db: SqlDatabase) -> None:
    await counter(db, key())
    writer = writer_of(db)
    groups = writer.groups
    first, failing, last, duplicate = key(), key(), key(), key()

    async def twice(conn: AsyncConnection) -> None:
        await write_counter(conn, duplicate, 1)
        await conn.execute(
            text(
                "INSERT INTO consumer_positions (consumer, position, updated_at) "
                "VALUES (:c, 2, '2026-01-01 00:00:00')"
            ),
            {"c": duplicate},
        )

    outcomes = await asyncio.gather(
        write(db, first, 1),
        write(db, failing, 2, then_fail=True),
        run_sql(db, twice),
        write(db, last, 3),
        return_exceptions=True,
    )
    assert outcomes[0] == 1
    assert outcomes[3] == 3
    assert isinstance(outcomes[1], Refused)
    assert isinstance(outcomes[2], Conflict)
    assert writer.groups == groups + 1, "the four units ran in one group"
    assert [await counter(db, n) for n in (first, failing, last, duplicate)] == [1, 0, 3, 0]


async def test_a_unit_cannot_start_another(db: SqlDatabase) -> None:
    async def nested(tx: Transaction) -> int:
        return await db.run(lambda inner: asyncio.sleep(0, 1))

    with pytest.raises(NestedUnitOfWork):
        await db.run(nested)
    assert await counter(db, key()) == 0, "the writer goes on after the refusal"


async def test_a_caller_cancelled_as_its_result_arrives_stays_cancelled(
    db: SqlDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed just as its unit's result is delivered must end: the cancellation is
    not traded for the result (Python 3.11's ``wait_for`` did that, and a killed consumer then
    ran on for ever)."""
    writer = writer_of(db)
    queued: list[Any] = []
    enqueue = writer._enqueue

    def noting(request: Any) -> None:
        queued.append(request)
        enqueue(request)

    monkeypatch.setattr(writer, "_enqueue", noting)

    async def work(tx: Transaction) -> int:
        return 42

    caller = asyncio.create_task(db.run(work))
    await wait_for(lambda: asyncio.sleep(0, queued), what="the unit to be queued")
    # Cancel the caller in the very loop turn its result is set, before it runs again.
    queued[0].future.add_done_callback(lambda _: caller.cancel())
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert await db.run(work) == 42, "the writer goes on"


async def test_read_then_write_units_lose_no_update(db: SqlDatabase) -> None:
    name = key()
    await asyncio.gather(*(bump(db, name) for _ in range(200)))
    assert await counter(db, name) == 200


async def test_many_concurrent_orders_lose_nothing_and_keep_stock_exact(db: SqlDatabase) -> None:
    core = Core.on(db)
    owner = await add_user(db, Role.OWNER, "owner")
    kitchen = await build_restaurant(core, owner)
    steak = kitchen.foods["Steak"].id
    await core.menus.set_availability(owner, kitchen.id, steak, True, 25)
    customers = [await add_user(db, Role.CUSTOMER, f"c{n}") for n in range(60)]
    body = order_body(kitchen, [("Steak", 1), ("Cola", 2)])

    outcomes = await asyncio.wait_for(
        asyncio.gather(
            *(core.orders.place_order(c, body) for c in customers), return_exceptions=True
        ),
        timeout=120,
    )
    won = [o for o in outcomes if not isinstance(o, BaseException)]
    lost = [o for o in outcomes if isinstance(o, BaseException)]
    assert all(isinstance(o, Conflict) for o in lost), lost
    assert len(won) == 25

    async def stock(tx: Transaction) -> int | None:
        food = await tx.foods.get(steak)
        return food.stock_remaining if food else None

    assert await db.run(stock) == 0
    sold = await core.orders.list_orders(owner, restaurant_id=kitchen.id, page=Page(limit=100))
    assert sorted(o.id for o in sold) == sorted(p.order.id for p in won)


async def test_two_processes_on_one_file_lose_no_update(
    db: SqlDatabase, sqlite_file_url: str, tmp_path: Path
) -> None:
    name, times = key(), 150
    child = Child(
        [sys.executable, "-m", "tests.core.writer_process", sqlite_file_url, name, str(times)],
        log=tmp_path / "writer.log",
        cwd=ROOT,
    )
    with child:
        await asyncio.gather(*(bump(db, name) for _ in range(times)))

        async def ended() -> bool:
            return not child.running()

        await wait_for(ended, what="the second writer process to finish", timeout=120)
        assert child.process is not None
        assert child.process.returncode == 0, child.output()
    assert await counter(db, name) == 2 * times


@settings(PROPERTY, max_examples=30)
@given(st.lists(st.booleans(), min_size=1, max_size=12))
def test_exactly_the_units_that_succeed_are_committed(
    sqlite_file_url: str, fails: list[bool]
) -> None:
    async def scenario() -> None:
        db = open_database(sqlite_file_url)
        try:
            names = [key() for _ in fails]
            outcomes = await asyncio.gather(
                *(write(db, n, 1, then_fail=f) for n, f in zip(names, fails, strict=True)),
                return_exceptions=True,
            )
            for outcome, failed in zip(outcomes, fails, strict=True):
                assert isinstance(outcome, Refused) if failed else outcome == 1
            stored = [await counter(db, n) for n in names]
            assert stored == [0 if f else 1 for f in fails]
        finally:
            await db.close()

    asyncio.run(scenario())
