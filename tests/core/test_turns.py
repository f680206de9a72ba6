"""Turns across processes (``Database.run(..., turn=...)``) on a real PostgreSQL: units with one
turn run one at a time, each waiting before its transaction begins (so it reads what the one
before it committed); units with other turns do not wait; a turn is given back when its unit
fails."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from restman_core.adapters.sql.database import SqlDatabase, open_database
from restman_core.adapters.sql.transaction import SqlTransaction
from restman_core.adapters.sql.turns import turn_key
from restman_core.ports.storage import Transaction
from tests.support.services import wait_for


@given(st.uuids())
def test_a_turn_key_is_a_signed_64_bit_integer_in_the_projects_namespace(turn: uuid.UUID) -> None:
    key = turn_key(turn)
    assert -(2**63) <= key < 2**63
    assert (key & ((1 << 64) - 1)) >> 48 == 0x524D
    assert turn_key(turn) == key


@pytest.fixture
async def databases(postgres_url: str) -> AsyncIterator[list[SqlDatabase]]:
    """Two databases on one server, as two processes would have."""
    opened = [open_database(postgres_url, pool_size=2) for _ in range(2)]
    yield opened
    for db in opened:
        await db.close()


async def _waiting_turns(db: SqlDatabase) -> int:
    async def count(tx: Transaction) -> int:
        assert isinstance(tx, SqlTransaction)
        query = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return int((await tx.conn.execute(query)).scalar_one())

    return await db.read(count)


async def test_units_with_one_turn_run_one_at_a_time(databases: list[SqlDatabase]) -> None:
    first_db, second_db = databases
    turn = uuid.uuid4()
    inside = asyncio.Event()
    release = asyncio.Event()
    order: list[str] = []

    async def first(tx: Transaction) -> None:
        order.append("first in")
        inside.set()
        await release.wait()
        order.append("first out")

    async def second(tx: Transaction) -> None:
        order.append("second in")

    holder = asyncio.ensure_future(first_db.run(first, turn=turn))
    async with asyncio.timeout(30):
        await inside.wait()
    waiter = asyncio.ensure_future(second_db.run(second, turn=turn))
    await wait_for(
        lambda: _waiting_turns(first_db), what="the second unit waiting for its turn", until=bool
    )
    assert order == ["first in"]
    release.set()
    await asyncio.gather(holder, waiter)
    assert order == ["first in", "first out", "second in"]


async def test_units_with_other_turns_do_not_wait(databases: list[SqlDatabase]) -> None:
    both_in = asyncio.Barrier(2)

    async def meet(tx: Transaction) -> None:
        async with asyncio.timeout(30):  # each needs the other inside at once
            await both_in.wait()

    await asyncio.gather(
        databases[0].run(meet, turn=uuid.uuid4()), databases[1].run(meet, turn=uuid.uuid4())
    )


async def test_a_failed_unit_gives_its_turn_back(databases: list[SqlDatabase]) -> None:
    turn = uuid.uuid4()

    async def fail(tx: Transaction) -> None:
        raise LookupError("the unit's own error")

    with pytest.raises(LookupError):
        await databases[0].run(fail, turn=turn)

    async def took(tx: Transaction) -> bool:
        return True

    async with asyncio.timeout(30):
        assert await databases[1].run(took, turn=turn)
