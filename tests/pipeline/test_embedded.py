"""The pipeline in embedded mode: the outbox is the log, consumers run in-process.

The end-to-end test places a few hundred orders across restaurants while the relay and every
consumer run, kills all of them in the middle (task cancellation: nothing is flushed or saved),
restarts them, and proves that nothing was lost or applied twice.
"""

from __future__ import annotations

import asyncio
import random

from restman_core.bootstrap import Platform
from restman_core.bootstrap_events import build_workers
from restman_core.domain.kitchen import TicketStatus
from restman_core.domain.orders import Order, OrderStatus
from restman_core.services.pipeline import Workers
from tests.pipeline.checks import applied, embedded_caught_up, mails
from tests.pipeline.conftest import FAST, PlatformFactory
from tests.pipeline.world import (
    analytics_match_sql,
    analytics_totals,
    assert_exact_tickets_and_bills,
    cancel_orders,
    cook,
    order_status,
    place_orders,
    seed,
    sql_totals,
    tickets_and_bills_complete,
)
from tests.support.services import wait_for


async def test_embedded_pipeline_survives_a_crash_mid_batch(
    make_platform: PlatformFactory,
) -> None:
    platform = await make_platform()
    world = await seed(platform)
    rng = random.Random(20261124)
    await place_orders(platform, world, 120, rng)
    await cancel_orders(platform, world, world.placed[::7])

    workers = await build_workers(platform, ["all"], FAST)
    workers.start()
    placing = asyncio.create_task(place_orders(platform, world, 130, rng))
    await wait_for(lambda: _at_least(workers, "kitchen", 30), timeout=30)
    await workers.kill()  # mid-batch: positions and the analytics buffer are not saved
    await placing
    await cancel_orders(platform, world, world.placed[120::9])
    assert not await tickets_and_bills_complete(platform, world)

    workers = await build_workers(platform, ["all"], FAST)
    workers.start()
    try:
        await wait_for(lambda: tickets_and_bills_complete(platform, world), timeout=60)
        await assert_exact_tickets_and_bills(platform, world)

        live = [o for o in world.placed if o.id not in world.cancelled]
        ready, completed = live[:10], live[:5]
        for order in ready:
            await cook(platform, world, order, TicketStatus.READY)
        await wait_for(lambda: _statuses(platform, ready, OrderStatus.READY), timeout=30)
        for order in completed:
            await cook(platform, world, order, TicketStatus.DELIVERED_TO_SERVICE)
        await wait_for(lambda: _statuses(platform, completed, OrderStatus.COMPLETED), timeout=30)

        await wait_for(lambda: embedded_caught_up(platform), timeout=30)
        await wait_for(lambda: analytics_match_sql(platform), timeout=30)
    finally:
        await workers.shutdown()

    assert len(mails(platform)) == len(ready)  # one ready mail per order, none twice
    totals = await sql_totals(platform)
    assert totals["bills"] == len(world.placed) - len(world.cancelled) == 250 - len(world.cancelled)
    assert totals["statuses"]["CANCELLED"] == len(world.cancelled)
    assert totals["statuses"]["COMPLETED"] == 5
    assert totals["statuses"]["READY"] == 5
    assert await analytics_totals(platform) == totals


async def _at_least(workers: Workers, name: str, count: int) -> bool:
    return applied(workers, name) >= count


async def _statuses(platform: Platform, orders: list[Order], status: OrderStatus) -> bool:
    for order in orders:
        if await order_status(platform, order.id) is not status:
            return False
    return True
