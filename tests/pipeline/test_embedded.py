"""The pipeline in embedded mode: the outbox is the log, consumers run in-process.

The end-to-end test places a few hundred orders across restaurants while the relay and every
consumer run, kills all of them in the middle (task cancellation: nothing is flushed or saved),
restarts them, and proves that nothing was lost or applied twice.
"""

from __future__ import annotations

import asyncio
import random

from tests.pipeline.checks import applied_count, cook_through, embedded_lag, mails
from tests.pipeline.conftest import FAST, PlatformFactory, WorkerStarter
from tests.pipeline.world import (
    analytics_differences,
    analytics_totals,
    cancel_orders,
    place_orders,
    seed,
    sql_totals,
    tickets_and_bills_problems,
)
from tests.support.services import wait_for


async def test_embedded_pipeline_survives_a_crash_mid_batch(
    make_platform: PlatformFactory, start_workers: WorkerStarter
) -> None:
    platform = await make_platform()
    world = await seed(platform)
    rng = random.Random(20261124)
    await place_orders(platform, world, 120, rng)
    await cancel_orders(platform, world, world.placed[::7])

    workers = await start_workers(platform, ["all"], FAST)
    placing = asyncio.create_task(place_orders(platform, world, 130, rng))
    try:
        await wait_for(
            lambda: applied_count(workers, "kitchen"),
            until=lambda n: n >= 30,
            what="the kitchen consumer to apply 30 events",
            timeout=60,
        )
        await workers.kill()  # mid-batch: positions and the analytics buffer are not saved
    finally:
        await placing
    await cancel_orders(platform, world, world.placed[120::9])
    assert await tickets_and_bills_problems(platform, world)

    workers = await start_workers(platform, ["all"], FAST)
    ready, _ = await cook_through(platform, world, ready=10, completed=5)
    await wait_for(
        lambda: embedded_lag(platform),
        until=lambda lag: not lag,
        what="every consumer at the end of the log",
        timeout=60,
    )
    await wait_for(
        lambda: analytics_differences(platform),
        until=lambda differences: not differences,
        what="analytics equal to SQL",
        timeout=60,
    )
    await workers.shutdown()

    assert len(mails(platform)) == len(ready)  # one ready mail per order, none twice
    totals = await sql_totals(platform)
    assert totals["bills"] == len(world.placed) - len(world.cancelled) == 250 - len(world.cancelled)
    assert totals["statuses"]["CANCELLED"] == len(world.cancelled)
    assert totals["statuses"]["COMPLETED"] == 5
    assert totals["statuses"]["READY"] == 5
    assert await analytics_totals(platform) == totals
