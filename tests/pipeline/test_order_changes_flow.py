"""Changes to open orders flow through the real pipeline exactly once: embedded (SQLite and
PostgreSQL) and distributed (the relay to a Kafka-protocol broker). Items are added to dine-in
orders twice and voided, the consumers are killed mid-way and restarted, and in the end every
order has exactly one ticket per station of each of its additions and a bill equal to its
items (additions billed, voided items not); orders the owner then completes or cancels leave
no ticket open."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from restman_core.adapters.sql.tables import bills, kitchen_tickets, order_items
from restman_core.bootstrap import Platform
from restman_core.bootstrap_events import PipelineOptions
from restman_core.domain.kitchen import OPEN_TICKET_STATUSES
from restman_core.domain.orders import Order, OrderStatus
from tests.pipeline.checks import applied_count
from tests.pipeline.conftest import FAST, PlatformFactory, WorkerStarter
from tests.pipeline.world import World, rows, seed
from tests.support.services import wait_for
from tests.support.tansu import FAST_GROUP_SETTINGS, Broker, running_broker


async def seated_orders(platform: Platform, world: World, count: int) -> list[Order]:
    """``count`` dine-in orders, each with two additions and its first item voided."""
    rng = random.Random(5)
    (restaurant_id,) = world.foods
    owner = world.owners[restaurant_id]
    foods = world.foods[restaurant_id]
    placed = []
    for n in range(count):
        order = (
            await platform.orders.place_order(
                rng.choice(world.customers),
                {
                    "restaurant_id": str(restaurant_id),
                    "order_type": "dine_in",
                    "table": str(n),
                    "items": [{"food_id": str(f), "quantity": 1} for f in rng.sample(foods, 2)],
                },
            )
        ).order
        for _ in range(2):
            lines = [{"food_id": str(f), "quantity": 1} for f in rng.sample(foods, 2)]
            await platform.orders.changes.add_items(owner, order.id, {"items": lines})
        changed = await platform.orders.changes.void_item(owner, order.id, order.items[0].id)
        placed.append(changed.order)
    return placed


def expected_tickets(orders: list[Order]) -> Counter[tuple[uuid.UUID, str, int]]:
    return Counter({(o.id, i.station, i.batch): 1 for o in orders for i in o.items})


async def tickets(platform: Platform) -> list[Any]:
    return await rows(
        platform,
        select(
            kitchen_tickets.c.order_id,
            kitchen_tickets.c.station,
            kitchen_tickets.c.batch,
            kitchen_tickets.c.status,
        ),
    )


async def run_changes(
    platform: Platform, start_workers: WorkerStarter, kinds: list[str], options: PipelineOptions
) -> None:
    # The whole flow has a bound: once, under the stress check, it waited on something without
    # one for minutes; a bound turns that into a failure with a traceback instead of a stall.
    async with asyncio.timeout(FLOW_BOUND_SECONDS):
        await _run_changes(platform, start_workers, kinds, options)


FLOW_BOUND_SECONDS = 240


async def _run_changes(
    platform: Platform, start_workers: WorkerStarter, kinds: list[str], options: PipelineOptions
) -> None:
    world = await seed(platform, restaurants=1, customers=3)
    orders = await seated_orders(platform, world, 12)
    workers = await start_workers(platform, kinds, options)
    await wait_for(
        lambda: applied_count(workers, "kitchen"),
        until=lambda n: n >= 6,
        what="the kitchen consumer to apply 6 events",
        timeout=60,
    )
    await workers.kill()  # mid-way: the rest is redelivered to the next workers
    workers = await start_workers(platform, kinds, options)
    want = expected_tickets(orders)

    async def opened() -> Counter[tuple[uuid.UUID, str, int]]:
        return Counter((t.order_id, t.station, t.batch) for t in await tickets(platform))

    await wait_for(
        opened, until=want.__eq__, what="one ticket per addition and station", timeout=90
    )
    owner = world.owners[orders[0].restaurant_id]
    for order in orders[:4]:
        await platform.orders.change_status(owner, order.id, OrderStatus.CANCELLED)
    for order in orders[4:8]:
        for step in (
            OrderStatus.ACCEPTED,
            OrderStatus.IN_PROGRESS,
            OrderStatus.READY,
            OrderStatus.COMPLETED,
        ):
            await platform.orders.change_status(owner, order.id, step)
    # Every bill follows its order's items: additions billed, the voided items not.
    billed = select(bills.c.order_id, bills.c.subtotal)
    counted = select(order_items.c.order_id, order_items.c.subtotal).where(
        order_items.c.voided.is_(False)
    )

    async def bills_behind() -> list[uuid.UUID]:
        owed: Counter[uuid.UUID] = Counter()
        for item in await rows(platform, counted):
            owed[item.order_id] += item.subtotal
        subtotals = {b.order_id: b.subtotal for b in await rows(platform, billed)}
        return [o.id for o in orders if subtotals.get(o.id) != owed[o.id]]

    await wait_for(
        bills_behind, until=lambda behind: not behind, what="bills equal to their orders' items"
    )
    closed = {o.id for o in orders[:8]}
    left_open = [t for t in await tickets(platform) if t.order_id in closed]
    assert [t for t in left_open if t.status in OPEN_TICKET_STATUSES] == []
    assert await opened() == want  # nothing duplicated by the closing either
    await workers.shutdown()


@pytest.mark.slow
async def test_changes_reach_the_kitchen_once_embedded(
    make_platform: PlatformFactory, start_workers: WorkerStarter, database_overrides: Any
) -> None:
    platform = await make_platform(**database_overrides)
    await run_changes(platform, start_workers, ["all"], FAST)


@pytest.fixture(scope="module")
def broker() -> Iterator[Broker]:
    with running_broker() as running:
        yield running


@pytest.mark.kafka
@pytest.mark.slow
async def test_changes_reach_the_kitchen_once_distributed(
    make_platform: PlatformFactory, start_workers: WorkerStarter, broker: Broker
) -> None:
    options = dataclasses.replace(
        FAST, consumer_overrides=FAST_GROUP_SETTINGS, topic_prefix=f"t{uuid.uuid4().hex[:8]}."
    )
    platform = await make_platform(kafka_brokers=broker.bootstrap)
    await run_changes(platform, start_workers, ["relay", "kitchen", "orders", "billing"], options)
