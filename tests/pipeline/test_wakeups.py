"""Embedded wake-ups along the outbox: a committed order wakes this process's relay, and the
relay's numbering wakes a kitchen feed waiting for changes, so neither waits for its poll. Both
poll once an hour here: only the wake-up can move them within the bound."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

from restman_core.adapters.sql.relay import OutboxRelay
from restman_core.adapters.sql.ticket_feed import open_ticket_feed
from tests.pipeline.checks import unpublished
from tests.pipeline.conftest import PlatformFactory
from tests.pipeline.world import place_orders, seed
from tests.support.services import wait_for

HOUR = 3600.0


async def test_a_committed_order_wakes_the_relay_which_wakes_the_feed(
    make_platform: PlatformFactory,
) -> None:
    platform = await make_platform()
    world = await seed(platform, restaurants=1, customers=1)
    relay = OutboxRelay(platform.db, platform.clock, None, poll_interval=HOUR)
    feed = open_ticket_feed(platform.db)
    running = asyncio.create_task(relay.run())
    try:
        await wait_for(lambda: _batches(relay), what="the relay's first pass", until=_after(0))
        await wait_for(lambda: unpublished(platform), what="an empty outbox", until=_is(0))
        waiting = asyncio.create_task(feed.wait(HOUR))
        await place_orders(platform, world, 1, random.Random(14))
        await wait_for(lambda: unpublished(platform), what="the order relayed", until=_is(0))
        await wait_for(lambda: _done(waiting), what="the feed woken by the relay")
    finally:
        relay.stop()
        await running
        await feed.close()


async def _batches(relay: OutboxRelay) -> int:
    return relay.stats.batches + int(relay.active)


async def _done(task: asyncio.Task[None]) -> bool:
    return task.done()


def _after(n: int) -> Callable[[int], bool]:
    return lambda value: value > n


def _is(n: int) -> Callable[[int], bool]:
    return lambda value: value == n
