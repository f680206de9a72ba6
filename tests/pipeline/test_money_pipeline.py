"""Split payments, discounts and refunds flowing to analytics through the embedded pipeline:
the workers are killed in the middle (nothing flushed or saved) and restarted, and afterwards
revenue net of discounts and refunds, the refund and discount totals and the tips per payment
method equal the SQL truth, each payment and refund counted once; a rebuild from SQL says the
same."""

from __future__ import annotations

import asyncio
import random
from decimal import Decimal

from restman_core.bootstrap import Platform
from restman_core.bootstrap_ops import rebuild_analytics_now
from restman_core.domain.access import SYSTEM_ACTOR
from restman_core.domain.orders import Order
from tests.pipeline.checks import applied_count, embedded_lag
from tests.pipeline.conftest import FAST, PlatformFactory, WorkerStarter
from tests.pipeline.world import World, analytics_differences, place_orders, seed, sql_totals
from tests.support.services import wait_for


async def bill_opened(platform: Platform, order: Order) -> bool:
    return await platform.db.run(lambda tx: tx.bills.get_by_order(order.id)) is not None


async def settle(platform: Platform, world: World, order: Order, n: int) -> None:
    """The n-th order's table: a discount on some, a split in two on others, paid in parts
    with tips by different methods, and a partial refund on every third."""
    owner = world.owners[order.restaurant_id]
    customer = next(c for c in world.customers if c.user_id == order.user_id)
    await wait_for(lambda: bill_opened(platform, order), what=f"the bill of {order.id}", timeout=60)
    if n % 2 == 0:
        await platform.money.add_discount(owner, order.id, "percent", "10", "regular")
    book = await platform.money.split(customer, order.id, {"by": "equal", "parts": 2})
    for part, method in zip(book.parts, ("card", "cash" if n % 3 else "upi"), strict=True):
        body = {
            "amount": f"{part.amount}",
            "payment_method": method,
            "tip_amount": f"{n % 4}.50",
            "part_id": str(part.id),
        }
        await platform.money.pay(customer, order.id, body, f"pay-{order.id}-{part.position}")
    if n % 3 == 0:
        await platform.money.refund(owner, order.id, {"amount": "1.25", "reason": "cold"})


async def test_money_reaches_analytics_once_through_a_crash(
    make_platform: PlatformFactory, start_workers: WorkerStarter
) -> None:
    platform = await make_platform()
    world = await seed(platform, restaurants=2, customers=4)
    await place_orders(platform, world, 24, random.Random(20261201))
    workers = await start_workers(platform, ["all"], FAST)

    async def settle_first() -> None:
        for n, order in enumerate(world.placed[:12]):
            await settle(platform, world, order, n)

    settling = asyncio.create_task(settle_first())
    try:
        await wait_for(
            lambda: applied_count(workers, "billing"),
            until=lambda n: n >= 20,
            what="the billing consumer to apply 20 events",
            timeout=90,
        )
        await workers.kill()  # mid-batch: positions and the analytics buffer are not saved
    finally:
        await settling
    workers = await start_workers(platform, ["all"], FAST)
    for n, order in enumerate(world.placed[12:18], start=12):
        await settle(platform, world, order, n)
    await wait_for(
        lambda: embedded_lag(platform),
        until=lambda lag: not lag,
        what="every consumer at the end of the log",
        timeout=90,
    )
    await wait_for(
        lambda: analytics_differences(platform),
        until=lambda differences: not differences,
        what="analytics equal to SQL",
        timeout=90,
    )
    await workers.shutdown()
    totals = await sql_totals(platform)
    assert totals["refunds"] == Decimal("7.50")
    assert totals["discounts"] > 0
    assert set(totals["tips_by_method"]) == {"card", "cash", "upi"}

    await (await platform.analytics()).truncate_all()
    assert await analytics_differences(platform)
    report = await rebuild_analytics_now(platform, SYSTEM_ACTOR)
    assert report.payments == 36
    assert report.refunds == 6
    assert await analytics_differences(platform) == {}
