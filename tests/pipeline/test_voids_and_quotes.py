"""Voids and quotes through the real embedded pipeline into the analytics store: a voided item
leaves top foods, each ready order's quote error is recorded once, and replaying the whole log
or rebuilding the store from SQL gives the same figures."""

from __future__ import annotations

import random
import statistics
import uuid
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from restman_core.adapters.sql.tables import order_status_history, orders
from restman_core.bootstrap import Platform
from restman_core.bootstrap_ops import rebuild_analytics_now, replay_events
from restman_core.domain.access import SYSTEM_ACTOR
from restman_core.domain.analytics import AnalyticsScope
from restman_core.domain.analytics_changes import QuoteError
from restman_core.domain.kitchen import TicketStatus
from tests.pipeline.checks import ticket_count
from tests.pipeline.conftest import FAST, PlatformFactory, WorkerStarter
from tests.pipeline.world import analytics_differences, cook, place_orders, rows, seed
from tests.support.services import wait_for


async def quote_errors_in_sql(platform: Platform) -> dict[uuid.UUID, list[float]]:
    """Each restaurant's ready-minus-quoted seconds, from the orders and their histories."""
    first_ready: dict[uuid.UUID, datetime] = {}
    history = await rows(
        platform,
        select(order_status_history.c.order_id, order_status_history.c.changed_at).where(
            order_status_history.c.status.in_(("READY", "COMPLETED"))
        ),
    )
    for order_id, changed_at in history:
        first_ready[order_id] = min(changed_at, first_ready.get(order_id, changed_at))
    found: dict[uuid.UUID, list[float]] = {}
    quoted = await rows(
        platform, select(orders.c.id, orders.c.restaurant_id, orders.c.quoted_ready_at)
    )
    for order_id, restaurant_id, quote in quoted:
        if quote is not None and order_id in first_ready:
            error = (first_ready[order_id] - quote).total_seconds()
            found.setdefault(restaurant_id, []).append(error)
    return found


def p50(values: list[float]) -> float:
    """The median rounded half-up to a tenth, as the report rounds."""
    median = Decimal(repr(statistics.median(values)))
    return float(median.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


async def test_voids_and_quote_errors_flow_once_and_rebuild_the_same(
    make_platform: PlatformFactory,
    start_workers: WorkerStarter,
    database_overrides: dict[str, Any],
) -> None:
    """On SQLite and on PostgreSQL, with the embedded analytics engine."""
    platform = await make_platform(**database_overrides)
    world = await seed(platform, restaurants=2, customers=2)
    await place_orders(platform, world, 8, random.Random(23))
    workers = await start_workers(platform, ["all"], FAST)
    await wait_for(
        lambda: ticket_count(platform, world.placed[-1].id),
        what="the last order's tickets",
        timeout=60,
    )
    # Void the first line of three orders still being cooked; cook five orders to READY.
    for order in world.placed[:3]:
        owner = world.owners[order.restaurant_id]
        await platform.orders.changes.void_item(owner, order.id, order.items[0].id)
    for order in world.placed[3:8]:
        await cook(platform, world, order, TicketStatus.READY)
    expected = await wait_for(
        lambda: quote_errors_in_sql(platform),
        until=lambda found: sum(len(v) for v in found.values()) == 5,
        what="five ready orders with a quote",
        timeout=60,
    )
    store = await platform.analytics()
    everyone = AnalyticsScope.everything()
    await wait_for(
        lambda: analytics_differences(platform),
        until=lambda differences: not differences,
        what="analytics (voids included) equal to SQL",
        timeout=90,
    )
    errors = await wait_for(
        lambda: store.quote_errors(everyone),
        until=lambda found: found[0].orders == 5,
        what="five quote facts",
        timeout=90,
    )
    await workers.shutdown()
    everything = [e for values in expected.values() for e in values]
    assert errors[0].p50_seconds == p50(everything)
    assert {e.restaurant_id: (e.orders, e.p50_seconds) for e in errors[1:]} == {
        r: (len(v), p50(v)) for r, v in expected.items()
    }
    top = await store.top_foods(everyone, limit=1000)

    replayed = await replay_events(platform, SYSTEM_ACTOR, "analytics", 0)
    assert replayed.failed == 0
    assert await store.quote_errors(everyone) == errors
    assert await store.top_foods(everyone, limit=1000) == top

    await store.truncate_all()
    assert await store.quote_errors(everyone) == [QuoteError(None, 0, None, None)]
    await rebuild_analytics_now(platform, SYSTEM_ACTOR)
    assert await analytics_differences(platform) == {}
    assert await store.quote_errors(everyone) == errors
    assert await store.top_foods(everyone, limit=1000) == top
