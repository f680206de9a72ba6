"""The reconciler: committed events that a consumer never received (the log lost them) are
found in the outbox and re-applied through the consumer's own handler, once.

The loss is made the way a broker makes it: the relay publishes (numbers) the events, and the
consumers' positions then jump past them, as if the messages had vanished from the log. Runs on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import func, select

from restman_core.adapters.sql.sqlwork import run_sql
from restman_core.adapters.sql.tables import consumer_positions, outbox
from restman_core.bootstrap import Platform
from restman_core.bootstrap_events import build_workers, drain, reconcile_now
from restman_core.services.pipeline import CONSUMERS
from tests.pipeline.checks import unpublished
from tests.pipeline.conftest import FAST, PlatformFactory
from tests.pipeline.world import (
    analytics_differences,
    assert_exact_tickets_and_bills,
    place_orders,
    rows,
    seed,
    tickets_and_bills_problems,
)
from tests.support.services import wait_for


async def _publish_then_lose_everything(platform: Platform) -> None:
    """Run the relay alone until the outbox is published, then move every consumer's position
    to the end of the log: the published events never reach them."""
    workers = await build_workers(platform, ["relay"], FAST)
    workers.start()
    try:
        await wait_for(
            lambda: unpublished(platform), until=lambda n: n == 0, what="an empty outbox"
        )
    finally:
        await workers.shutdown()
    [(last,)] = await rows(platform, select(func.max(outbox.c.log_seq)))
    now = platform.clock.now()

    async def skip(conn: Any) -> None:
        for name in CONSUMERS:
            await conn.execute(
                consumer_positions.insert().values(consumer=name, position=last, updated_at=now)
            )

    await run_sql(platform.db, skip)


async def test_lost_events_are_found_and_reapplied_once(
    make_platform: PlatformFactory, database_overrides: dict[str, Any]
) -> None:
    platform = await make_platform(**database_overrides)
    world = await seed(platform, restaurants=2, customers=4)
    await place_orders(platform, world, 30, random.Random(13))
    await _publish_then_lose_everything(platform)
    await drain(platform)  # the consumers see nothing: the events are gone from their log
    assert len(await tickets_and_bills_problems(platform, world)) > 0

    # Within the grace the events count as in flight: nothing is touched yet.
    early = await reconcile_now(platform, grace_seconds=3600)
    assert [c.missing for c in early.consumers] == [0] * len(CONSUMERS)

    report = await reconcile_now(platform, grace_seconds=0)
    by_name = {c.consumer: c for c in report.consumers}
    assert [c.consumer for c in report.consumers] == list(CONSUMERS)
    assert by_name["kitchen"].missing == by_name["kitchen"].repaired == 30
    assert by_name["billing"].missing == by_name["billing"].repaired == 30
    assert by_name["analytics"].missing == by_name["analytics"].repaired == 30
    assert by_name["orders"].missing == 0  # no ticket event had been written yet
    assert report.failed == 0
    await assert_exact_tickets_and_bills(platform, world)

    # The repairs wrote new events (tickets created, bills generated); the consumers apply
    # them as usual, and the analytics then equal SQL.
    await drain(platform)
    await assert_exact_tickets_and_bills(platform, world)
    await wait_for(
        lambda: analytics_differences(platform),
        until=lambda differences: not differences,
        what="analytics equal to SQL",
        timeout=60,
    )
    again = await reconcile_now(platform, grace_seconds=0, full=True)
    assert again.repaired == 0, "a repaired event was applied twice"
    assert [c.missing for c in again.consumers] == [0] * len(CONSUMERS)


async def test_the_checkpoint_skips_what_was_checked_but_not_late_rows(
    make_platform: PlatformFactory,
) -> None:
    platform = await make_platform()
    world = await seed(platform, restaurants=1, customers=2)
    await place_orders(platform, world, 5, random.Random(5))
    await _publish_then_lose_everything(platform)
    first = await reconcile_now(platform, grace_seconds=0)
    assert {c.consumer: c.repaired for c in first.consumers}["billing"] == 5
    checked = {c.consumer: c.checked_through for c in first.consumers}
    await drain(platform)
    [(last,)] = await rows(platform, select(func.max(outbox.c.position)))
    assert checked["billing"] > 0

    # A later unit that is not yet published holds the checkpoint back.
    await place_orders(platform, world, 2, random.Random(6))
    held = await reconcile_now(platform, grace_seconds=0)
    assert {c.consumer: c.checked_through for c in held.consumers}["billing"] == last
