"""The embedded pipeline's parts: dead letters, the relay lease, graceful stops, housekeeping."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from restman_core.adapters.sql.dead_letters import list_dead_letters
from restman_core.adapters.sql.housekeeping import Housekeeper
from restman_core.adapters.sql.leases import LeaseLost, SqlLease, confirm_in
from restman_core.adapters.sql.relay import RELAY_LEASE, OutboxRelay
from restman_core.adapters.sql.sqlwork import run_sql
from restman_core.adapters.sql.tables import (
    bills,
    consumer_positions,
    idempotency_keys,
    outbox,
    processed_events,
)
from restman_core.bootstrap import Platform
from restman_core.bootstrap_events import build_workers
from restman_core.domain.events import ORDER_PLACED, DomainEvent
from restman_core.ports.storage import IdempotencyRecord, Transaction
from tests.pipeline.checks import ticket_count, unpublished
from tests.pipeline.conftest import FAST, PlatformFactory
from tests.pipeline.world import place_orders, rows, seed
from tests.support.services import wait_for


class SteppingClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


async def test_poison_event_is_dead_lettered_and_the_next_events_flow(
    make_platform: PlatformFactory, database_overrides: dict[str, Any]
) -> None:
    platform = await make_platform(**database_overrides)
    world = await seed(platform, restaurants=1, customers=1)
    poison = DomainEvent(
        ORDER_PLACED, uuid.uuid4(), platform.clock.now(), {"order_id": str(uuid.uuid4())}
    )
    await platform.db.run(lambda tx: tx.outbox.add([poison]))
    await place_orders(platform, world, 3, random.Random(1))

    workers = await build_workers(platform, ["relay", "kitchen"], FAST)
    workers.start()
    try:
        await wait_for(
            lambda: ticket_count(platform, world.placed[-1].id),
            what="the last order's tickets",
            timeout=30,
        )
        kitchen = workers.worker("kitchen")
        assert kitchen is not None
        stats = getattr(kitchen, "stats")  # noqa: B009 - Worker exposes stats dynamically
        assert stats.dead_lettered == 1
        assert stats.failed_attempts == FAST.max_attempts
    finally:
        await workers.shutdown()
    letters = await run_sql(platform.db, lambda conn: list_dead_letters(conn, "kitchen"))
    assert [(d.event_id, d.attempts) for d in letters] == [(poison.event_id, FAST.max_attempts)]
    assert "KeyError" in letters[0].error
    for order in world.placed:
        assert await ticket_count(platform, order.id)


async def test_graceful_stop_saves_the_position_and_restart_resumes_there(
    make_platform: PlatformFactory, database_overrides: dict[str, Any]
) -> None:
    platform = await make_platform(**database_overrides)
    world = await seed(platform, restaurants=1, customers=2)
    await place_orders(platform, world, 5, random.Random(2))
    workers = await build_workers(platform, ["relay", "billing"], FAST)
    workers.start()
    await wait_for(
        lambda: _bill_count(platform), until=lambda n: n == 5, what="5 bills", timeout=30
    )
    await wait_for(
        lambda: _billing_lag(platform),
        until=lambda lag: lag == (0, 0),
        what="billing saved at the end of the published log (unpublished, behind)",
        timeout=30,
    )
    await workers.shutdown()
    assert await _billing_lag(platform) == (0, 0)

    await place_orders(platform, world, 2, random.Random(3))
    workers = await build_workers(platform, ["relay", "billing"], FAST)
    workers.start()
    try:
        await wait_for(
            lambda: _bill_count(platform), until=lambda n: n == 7, what="7 bills", timeout=30
        )
    finally:
        await workers.shutdown()
    billing = workers.worker("billing")
    handler = getattr(billing, "handler")  # noqa: B009
    assert handler.applied == 2  # only the new orders: nothing before the position again
    assert handler.duplicates == 0


async def _billing_lag(platform: Platform) -> tuple[int, int]:
    """(unpublished outbox rows, how far the billing consumer's saved position is behind the
    end of the log): (0, 0) when billing has saved the end of the fully published log. The
    unpublished rows are counted first: counted last, the relay could publish the bills'
    own events between reading the log's end and the count, and a lag of (0, 0) would be seen
    while billing still had those events to pass."""
    waiting = await unpublished(platform)
    [(last,)] = await rows(platform, select(func.max(outbox.c.log_seq)))
    saved = await rows(
        platform,
        select(consumer_positions.c.position).where(consumer_positions.c.consumer == "billing"),
    )
    position = saved[0][0] if saved else 0
    return waiting, (last or 0) - position


async def _bill_count(platform: Platform) -> int:
    [(found,)] = await rows(platform, select(func.count()).select_from(bills))
    return int(found)


async def test_two_relays_only_the_lease_holder_publishes(
    make_platform: PlatformFactory, database_overrides: dict[str, Any]
) -> None:
    platform = await make_platform(**database_overrides)
    world = await seed(platform, restaurants=1, customers=2)
    relays = [
        OutboxRelay(
            platform.db, platform.clock, None, lease_seconds=2.0, batch_size=7, poll_interval=0.02
        )
        for _ in range(2)
    ]
    tasks = [asyncio.create_task(relay.run()) for relay in relays]
    try:
        await place_orders(platform, world, 30, random.Random(4))
        await wait_for(
            lambda: unpublished(platform),
            until=lambda n: n == 0,
            what="an empty outbox",
            timeout=30,
        )
        assert sorted(r.stats.published > 0 for r in relays) == [False, True]
        active = next(r for r in relays if r.stats.published)
        standby = next(r for r in relays if r is not active)
        active.stop()  # a graceful stop releases the lease: the standby takes over
        # Wait until it has stopped: a batch already in flight could otherwise take the new rows.
        await tasks[relays.index(active)]
        await place_orders(platform, world, 5, random.Random(5))
        await wait_for(
            lambda: unpublished(platform),
            until=lambda n: n == 0,
            what="an empty outbox",
            timeout=30,
        )
        assert standby.stats.published > 0
    finally:
        for relay in relays:
            relay.stop()
        await asyncio.gather(*tasks)
    seqs = [
        r.log_seq
        for r in await rows(platform, select(outbox.c.log_seq).order_by(outbox.c.position))
    ]
    assert seqs == list(range(1, len(seqs) + 1))  # every row once, numbered in commit order


async def test_lease_is_taken_over_only_after_it_expires(
    make_platform: PlatformFactory, database_overrides: dict[str, Any]
) -> None:
    platform = await make_platform(**database_overrides)
    clock = SteppingClock()
    first = SqlLease(platform.db, clock, "duty", "first", ttl_seconds=10)
    second = SqlLease(platform.db, clock, "duty", "second", ttl_seconds=10)
    assert await first.hold()
    assert not await second.hold()
    clock.advance(seconds=9)
    assert await first.hold()  # renewed until 12:00:19
    clock.advance(seconds=9)
    assert not await second.hold()
    clock.advance(seconds=2)  # first did not renew in time (it hung or died)
    assert await second.hold()
    assert not await first.hold()
    # The stale holder cannot act under the lease any more.
    try:
        await run_sql(
            platform.db,
            lambda conn: confirm_in(conn, "duty", "first", clock.now(), timedelta(seconds=10)),
        )
    except LeaseLost:
        pass
    else:
        raise AssertionError("a stale holder confirmed a lease it lost")


async def test_housekeeping_prunes_old_rows_once_under_a_lease(
    make_platform: PlatformFactory, database_overrides: dict[str, Any]
) -> None:
    platform = await make_platform(**database_overrides)
    clock = SteppingClock()
    old, recent = clock.now() - timedelta(days=10), clock.now() - timedelta(days=1)
    events = [DomainEvent(ORDER_PLACED, uuid.uuid4(), old, {"n": n}) for n in range(4)]
    await platform.db.run(lambda tx: tx.outbox.add(events))
    relay = OutboxRelay(platform.db, clock, None)
    clock.moment = old
    relay_task = asyncio.create_task(relay.run())
    await wait_for(
        lambda: unpublished(platform), until=lambda n: n == 0, what="an empty outbox", timeout=30
    )
    relay.stop()
    await relay_task
    # One embedded consumer has read only the first two rows: the other two must stay.
    await run_sql(
        platform.db,
        lambda conn: conn.execute(
            consumer_positions.insert().values(consumer="kitchen", position=2, updated_at=old)
        ),
    )
    user = uuid.uuid4()

    async def seed_marks(tx: Transaction) -> None:
        await tx.processed.mark("kitchen", uuid.uuid4(), old)
        await tx.processed.mark("kitchen", uuid.uuid4(), recent)
        await tx.idempotency.add(IdempotencyRecord(user, "s", "old", "f", uuid.uuid4(), old))
        await tx.idempotency.add(IdempotencyRecord(user, "s", "new", "f", uuid.uuid4(), recent))

    await platform.db.run(seed_marks)
    clock.moment = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    keepers = [
        Housekeeper(platform.db, clock, retention_days=7, idempotency_ttl_hours=24)
        for _ in range(2)
    ]
    first = await keepers[0].run_once()
    second = await keepers[1].run_once()
    assert first.ran
    assert not second.ran
    assert (first.outbox, first.processed_events, first.idempotency_keys) == (2, 1, 1)
    left = await rows(platform, select(outbox.c.log_seq).order_by(outbox.c.log_seq))
    assert [r.log_seq for r in left] == [3, 4]
    assert len(await rows(platform, select(processed_events.c.event_id))) == 1
    assert [r.key for r in await rows(platform, select(idempotency_keys.c.key))] == ["new"]


async def test_housekeeping_keeps_rows_an_embedded_consumer_has_not_started_on(
    make_platform: PlatformFactory,
) -> None:
    platform = await make_platform()
    old = datetime.now(UTC) - timedelta(days=30)
    clock = SteppingClock()
    clock.moment = old
    events = [DomainEvent(ORDER_PLACED, uuid.uuid4(), old, {"n": n}) for n in range(3)]
    await platform.db.run(lambda tx: tx.outbox.add(events))
    relay = OutboxRelay(platform.db, clock, None)
    relay_task = asyncio.create_task(relay.run())
    await wait_for(
        lambda: unpublished(platform), until=lambda n: n == 0, what="an empty outbox", timeout=30
    )
    relay.stop()
    await relay_task
    # Kitchen has read everything; notifications has never run, so it has no position yet.
    await run_sql(
        platform.db,
        lambda conn: conn.execute(
            consumer_positions.insert().values(consumer="kitchen", position=3, updated_at=old)
        ),
    )

    workers = await build_workers(platform, ["scheduler"], FAST)
    workers.start()
    try:

        async def rounds() -> int:
            keeper = workers.worker("scheduler")
            return 0 if keeper is None else int(getattr(keeper, "stats").rounds)  # noqa: B009

        await wait_for(rounds, what="one housekeeping round", timeout=30)
    finally:
        await workers.shutdown()
    assert len(await rows(platform, select(outbox.c.position))) == 3

    # Distributed mode has no embedded readers: Kafka holds the log, old rows go.
    keeper = Housekeeper(
        platform.db, platform.clock, retention_days=7, idempotency_ttl_hours=24, readers=()
    )
    assert (await keeper.run_once()).outbox == 3


# Only PostgreSQL: SQLite has one writer at a time, so its commits cannot overtake each other.
@pytest.mark.parametrize("database_overrides", ["postgres"], indirect=True)
async def test_a_row_committed_after_a_later_position_was_published_is_still_published(
    make_platform: PlatformFactory, database_overrides: dict[str, Any]
) -> None:
    platform = await make_platform(**database_overrides)
    early = DomainEvent(ORDER_PLACED, uuid.uuid4(), platform.clock.now(), {"n": 1})
    late = DomainEvent(ORDER_PLACED, uuid.uuid4(), platform.clock.now(), {"n": 2})
    relay = OutboxRelay(platform.db, platform.clock, None, poll_interval=0.02)
    relay_task = asyncio.create_task(relay.run())
    try:
        async with platform.db.engine.connect() as slow:
            transaction = await slow.begin()
            await slow.execute(outbox.insert(), [_outbox_row(early)])  # the lower position...
            await platform.db.run(lambda tx: tx.outbox.add([late]))  # ...commits last
            await wait_for(
                lambda: unpublished(platform),
                until=lambda n: n == 0,
                what="an empty outbox",
                timeout=30,
            )
            await transaction.commit()
        await wait_for(
            lambda: unpublished(platform),
            until=lambda n: n == 0,
            what="an empty outbox",
            timeout=30,
        )
    finally:
        relay.stop()
        await relay_task
    found = await rows(
        platform, select(outbox.c.event_id, outbox.c.log_seq).order_by(outbox.c.log_seq)
    )
    # Both published, numbered without a gap in the order they became visible.
    assert [(r.event_id, r.log_seq) for r in found] == [(late.event_id, 1), (early.event_id, 2)]


def _outbox_row(event: DomainEvent) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "topic": event.topic,
        "event_key": event.key,
        "payload": json.dumps(event.envelope()),
        "occurred_at": event.occurred_at,
    }


async def test_sigterm_stops_the_workers_cleanly_with_their_progress_saved(
    make_platform: PlatformFactory,
) -> None:
    platform = await make_platform()
    world = await seed(platform, restaurants=1, customers=1)
    await place_orders(platform, world, 3, random.Random(12))
    workers = await build_workers(platform, ["relay", "billing"], FAST)
    running = asyncio.create_task(workers.run_until_signal())
    await wait_for(
        lambda: _billing_lag(platform),
        until=lambda lag: lag == (0, 0),
        what="billing saved at the end of the published log (unpublished, behind)",
        timeout=30,
    )
    os.kill(os.getpid(), signal.SIGTERM)  # what `kill <pid>` does to `restman worker`
    await asyncio.wait_for(running, timeout=20)
    # The relay handed its lease back on the way out: a successor takes it at once.
    successor = SqlLease(platform.db, platform.clock, RELAY_LEASE, "successor", ttl_seconds=60)
    assert await successor.hold()
