"""Operators' tools on the real embedded pipeline: dead letters replayed and purged, the log
replayed into a consumer, and the analytics store rebuilt from SQL."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from restman_core.adapters.sql.tables import bills
from restman_core.bootstrap import Platform
from restman_core.bootstrap_ops import dead_letter_service, rebuild_analytics_now, replay_events
from restman_core.domain.access import SYSTEM_ACTOR
from restman_core.domain.analytics import AnalyticsScope
from restman_core.domain.kitchen import TicketStatus
from restman_core.errors import Forbidden, NotFound
from tests.pipeline.checks import ticket_count, unpublished
from tests.pipeline.conftest import FAST, PlatformFactory, WorkerStarter
from tests.pipeline.world import (
    analytics_differences,
    cancel_orders,
    cook,
    place_orders,
    rows,
    seed,
)
from tests.support.poison import (
    dead_letter_count,
    malformed_placement,
    orphan_placement,
    supply_missing_order,
)
from tests.support.services import wait_for


async def bill_count(platform: Platform, order_id: uuid.UUID) -> int:
    found = await rows(
        platform, select(func.count()).select_from(bills).where(bills.c.order_id == order_id)
    )
    return int(found[0][0])


async def test_dead_letters_replay_once_fixed_and_purge(
    make_platform: PlatformFactory,
    start_workers: WorkerStarter,
    database_overrides: dict[str, Any],
) -> None:
    platform = await make_platform(**database_overrides)
    world = await seed(platform, restaurants=1, customers=1)
    await place_orders(platform, world, 2, random.Random(3))
    real = world.placed[0].id
    orphan = await orphan_placement(platform, real)
    bad = await malformed_placement(platform)
    workers = await start_workers(platform, ["relay", "kitchen", "billing"], FAST)
    await wait_for(
        lambda: dead_letter_count(platform),
        until=lambda n: n == 4,
        what="kitchen and billing dead letters of both poison events",
        timeout=60,
    )
    await workers.shutdown()
    attempts = FAST.max_attempts
    assert attempts is not None
    service = dead_letter_service(platform)
    letters = await service.list(SYSTEM_ACTOR, consumer="billing")
    assert {d.event.event_id for d in letters} == {orphan.event_id, bad.event_id}
    assert all(d.attempts == attempts for d in letters)
    with pytest.raises(Forbidden):
        await service.list(world.customers[0])

    still = await service.replay(SYSTEM_ACTOR, "billing", orphan.event_id)
    assert not still.replayed
    assert still.letter.attempts == attempts + 1
    assert still.letter.error

    await supply_missing_order(platform, real, orphan.key)
    for consumer in ("billing", "kitchen"):
        assert (await service.replay(SYSTEM_ACTOR, consumer, orphan.event_id)).replayed
        with pytest.raises(NotFound):
            await service.show(SYSTEM_ACTOR, consumer, orphan.event_id)
    assert await bill_count(platform, orphan.key) == 1
    assert await ticket_count(platform, orphan.key) > 0

    for consumer in ("billing", "kitchen"):
        await service.purge(SYSTEM_ACTOR, consumer, bad.event_id)
    assert await service.count() == 0
    with pytest.raises(NotFound):
        await service.purge(SYSTEM_ACTOR, "kitchen", bad.event_id)


async def test_replaying_the_log_applies_what_is_missing_once(
    make_platform: PlatformFactory, start_workers: WorkerStarter
) -> None:
    platform = await make_platform()
    world = await seed(platform, restaurants=1, customers=2)
    await place_orders(platform, world, 4, random.Random(5))
    workers = await start_workers(platform, ["relay"], FAST)  # numbered, never consumed
    await wait_for(
        lambda: unpublished(platform), until=lambda n: n == 0, what="an empty outbox", timeout=30
    )
    await workers.shutdown()
    first = await replay_events(platform, SYSTEM_ACTOR, "billing", 0)
    assert (first.read, first.handled, first.failed) == (4, 4, 0)
    again = await replay_events(platform, SYSTEM_ACTOR, "billing", 0)
    assert (again.read, again.failed) == (4, 0)
    for order in world.placed:
        assert await bill_count(platform, order.id) == 1


async def test_rebuild_restores_analytics_equal_to_sql(
    make_platform: PlatformFactory, start_workers: WorkerStarter
) -> None:
    platform = await make_platform()
    world = await seed(platform, restaurants=2, customers=3)
    await place_orders(platform, world, 12, random.Random(11))
    await cancel_orders(platform, world, world.placed[::5])
    workers = await start_workers(platform, ["all"], FAST)
    live = [o for o in world.placed if o.id not in world.cancelled]
    await wait_for(
        lambda: ticket_count(platform, live[-1].id), what="the last order's tickets", timeout=60
    )
    await cook(platform, world, live[0], TicketStatus.DELIVERED_TO_SERVICE)
    await cook(platform, world, live[1], TicketStatus.READY)
    await wait_for(
        lambda: analytics_differences(platform),
        until=lambda differences: not differences,
        what="analytics equal to SQL",
        timeout=90,
    )
    await workers.shutdown()

    await (await platform.analytics()).truncate_all()
    assert await analytics_differences(platform)
    report = await rebuild_analytics_now(platform, SYSTEM_ACTOR)
    assert report.orders == len(world.placed)
    assert await analytics_differences(platform) == {}


async def test_replaying_the_whole_log_into_analytics_changes_no_report(
    make_platform: PlatformFactory, start_workers: WorkerStarter
) -> None:
    platform = await make_platform()
    world = await seed(platform, restaurants=2, customers=3)
    await place_orders(platform, world, 10, random.Random(19))
    await cancel_orders(platform, world, world.placed[::4])
    workers = await start_workers(platform, ["all"], FAST)
    live = [o for o in world.placed if o.id not in world.cancelled]
    await wait_for(
        lambda: ticket_count(platform, live[-1].id), what="the last order's tickets", timeout=60
    )
    await cook(platform, world, live[0], TicketStatus.READY)
    await wait_for(
        lambda: analytics_differences(platform),
        until=lambda differences: not differences,
        what="analytics equal to SQL",
        timeout=90,
    )
    await workers.shutdown()
    store = await platform.analytics()
    everyone = AnalyticsScope.everything()
    before = (await store.kitchen_times(everyone), await store.orders_by_status(everyone))

    replayed = await replay_events(platform, SYSTEM_ACTOR, "analytics", 0)
    assert replayed.handled > len(world.placed)
    assert replayed.failed == 0
    assert await analytics_differences(platform) == {}
    assert (await store.kitchen_times(everyone), await store.orders_by_status(everyone)) == before
    assert sum(row.tickets for row in before[0]) >= 1
