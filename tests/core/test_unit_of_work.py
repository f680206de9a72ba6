"""The unit of work itself, on SQLite and PostgreSQL: all or nothing (outbox rows included),
insert-if-absent answers that tell a duplicate apart, and unreachable databases as Unavailable."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from restman_core.adapters.sql.database import SqlDatabase, open_database
from restman_core.domain.access import Actor
from restman_core.domain.clock import SystemClock
from restman_core.domain.events import DomainEvent
from restman_core.errors import Conflict, Unavailable
from restman_core.ports.storage import Transaction
from tests.core.builders import Core, Kitchen, outbox_events


async def test_a_failed_unit_leaves_nothing_behind(core: Core, owner: Actor) -> None:
    restaurant = await core.menus.create_restaurant(owner, {"name": "Before"})
    key = uuid.uuid4()

    async def work(tx: Transaction) -> None:
        current = await tx.restaurants.get(restaurant.id)
        assert current is not None
        await tx.restaurants.save(replace(current, name="After"))
        event = DomainEvent("restaurant.updated", key, SystemClock().now(), {"name": "After"})
        await tx.outbox.add([event])
        raise Conflict("changed my mind")

    with pytest.raises(Conflict):
        await core.db.run(work)
    assert (await core.menus.get_restaurant(owner, restaurant.id)).name == "Before"
    assert await outbox_events(core.db, key) == []


async def test_processed_events_are_marked_once(database: SqlDatabase) -> None:
    event_id, now = uuid.uuid4(), SystemClock().now()

    async def mark(tx: Transaction) -> bool:
        return await tx.processed.mark("billing", event_id, now)

    assert await database.run(mark) is True
    assert await database.run(mark) is False

    async def other_consumer(tx: Transaction) -> bool:
        return await tx.processed.mark("kitchen", event_id, now)

    assert await database.run(other_consumer) is True


async def test_staff_are_added_once(core: Core, kitchen: Kitchen, customer: Actor) -> None:
    async def add(tx: Transaction) -> bool:
        return await tx.staff.add(
            kitchen.id, customer.user_id, kitchen.owner.user_id, SystemClock().now()
        )

    assert await core.db.run(add) is True
    assert await core.db.run(add) is False


@pytest.mark.parametrize(
    "url", ["postgresql://postgres@127.0.0.1:1/nothing", "cockroachdb://root@127.0.0.1:1/nothing"]
)
async def test_unreachable_database_is_unavailable(url: str) -> None:
    db = open_database(url)
    try:
        with pytest.raises(Unavailable):
            await db.ping()

        async def work(tx: Transaction) -> None:
            await tx.restaurants.get(uuid.uuid4())

        with pytest.raises(Unavailable):
            await db.run(work)
    finally:
        await db.close()
