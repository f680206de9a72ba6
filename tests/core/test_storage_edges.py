"""Edges of the unit of work: pooled SQLite connections keep their settings, values the columns
cannot hold surface as InvalidInput, and money parsing never escapes with a decimal error."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from restman_core.adapters.sql.database import SqlDatabase, open_database
from restman_core.adapters.sql.transaction import SqlTransaction
from restman_core.adapters.sql.urls import async_url, sqlite_url
from restman_core.domain.access import Actor, Role
from restman_core.domain.clock import SystemClock
from restman_core.domain.money import format_money, parse_money
from restman_core.errors import ConfigurationError, InvalidInput, Unavailable
from restman_core.ports.storage import Transaction
from restman_core.services.users import UserDirectory
from tests.core.builders import Core, Kitchen, place_and_open


async def test_every_pooled_sqlite_connection_enforces_foreign_keys(tmp_path: Path) -> None:
    db = open_database(sqlite_url(tmp_path / "pool.db"), pool_size=4)
    try:

        async def pragmas(tx: Transaction) -> tuple[int, str]:
            conn = tx.conn if isinstance(tx, SqlTransaction) else None
            assert conn is not None
            await asyncio.sleep(0.01)  # hold the connection so the others open their own
            keys = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar_one()
            journal = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar_one()
            return int(keys), str(journal)

        first = await asyncio.gather(*(db.run(pragmas) for _ in range(4)))
        again = await asyncio.gather(*(db.run(pragmas) for _ in range(8)))
        assert set(first) == set(again) == {(1, "wal")}
    finally:
        await db.close()


@pytest.mark.parametrize("url", ["sqlite:///:memory:", "sqlite://"])
def test_an_in_memory_sqlite_url_is_a_configuration_error(url: str) -> None:
    # Each pooled connection would see its own empty database: refused with a clear message.
    with pytest.raises(ConfigurationError, match="in-memory"):
        open_database(url)


async def test_a_tip_that_overflows_the_bill_is_invalid_input(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    order = await place_and_open(core, customer, kitchen, [("Burger", 1)])
    with pytest.raises(InvalidInput, match="too large"):
        await core.billing.finalize(customer, order.id, "cash", "9999999999.99")
    bill = await core.billing.get_bill(customer, order.id)
    assert bill.paid_at is None


async def test_a_unit_that_overflows_a_column_is_invalid_input(
    postgresql_database: SqlDatabase,
) -> None:
    # PostgreSQL bounds NUMERIC(12,2); SQLite stores whatever it is given.
    database = postgresql_database

    async def work(tx: Transaction) -> None:
        assert isinstance(tx, SqlTransaction)
        await tx.conn.exec_driver_sql("SELECT CAST(12345678901 AS NUMERIC(12,2))")

    with pytest.raises(InvalidInput):
        await database.run(work)


@pytest.mark.parametrize(
    "value", ["12345678901234567890123456789.001", "1" * 40 + ".123", Decimal("9" * 30 + ".999")]
)
def test_huge_amounts_with_many_places_are_invalid_input(value: object) -> None:
    with pytest.raises(InvalidInput):
        parse_money(value)


@pytest.mark.parametrize("value", ["-0", "-0.00", Decimal("-0"), -0.0])
def test_negative_zero_is_plain_zero(value: object) -> None:
    assert format_money(parse_money(value)) == "0.00"


async def test_waiting_too_long_for_the_sqlite_writer_is_unavailable(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "busy.db")
    engine = create_async_engine(async_url(url), pool_size=1, max_overflow=0, pool_timeout=0.2)
    db = SqlDatabase(engine, writer_queue_timeout=0.2)
    holding, release = asyncio.Event(), asyncio.Event()

    async def hold(tx: Transaction) -> None:
        holding.set()
        await release.wait()

    async def quick(tx: Transaction) -> int:
        return 1

    try:
        holder = asyncio.create_task(db.run(hold))
        await holding.wait()
        with pytest.raises(Unavailable):
            await db.run(quick)
        release.set()
        await holder
        assert await db.run(quick) == 1
    finally:
        await db.close()


async def test_two_first_sign_ups_with_one_email_make_one_user(database: SqlDatabase) -> None:
    directory = UserDirectory(database, SystemClock())
    email = f"twin-{uuid.uuid4().hex[:8]}@example.com"
    first, second = await asyncio.gather(
        directory.ensure(email, Role.CUSTOMER), directory.ensure(email, Role.CUSTOMER)
    )
    assert first.id == second.id
