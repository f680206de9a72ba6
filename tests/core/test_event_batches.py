"""Consumers apply a whole read in one transaction (``TransactionalHandler.handle_batch``):
every event once, with one multi-row mark; a failing event rolls the batch back and the consumer
goes one by one, so nothing is lost or applied twice. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from typing import cast

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.adapters.sql.dead_letters import list_dead_letters
from restman_core.adapters.sql.event_log import EmbeddedLogConsumer
from restman_core.adapters.sql.sqlwork import run_sql
from restman_core.adapters.sql.tables import outbox, processed_events
from restman_core.adapters.sql.transaction import SqlTransaction
from restman_core.domain.clock import SystemClock
from restman_core.domain.events import DomainEvent
from restman_core.ports.events import ReceivedEvent
from restman_core.ports.storage import Transaction
from restman_core.services.pipeline.base import TransactionalHandler
from tests.core.writer_counter import counter, read_counter, write_counter
from tests.support.services import wait_for

PROBE = "order.batch_probe"


class Poisoned(Exception):
    """The effect refuses an event marked poison."""


class CountingHandler(TransactionalHandler):
    """Adds 1 to the counter an event names; refuses events whose payload says poison."""

    def __init__(self, db: SqlDatabase, name: str, topic: str) -> None:
        self.name = name
        self.topics = (topic,)
        self.batches = 0
        super().__init__(db, SystemClock(), {PROBE: self._bump})

    async def _bump(self, tx: Transaction, event: DomainEvent) -> None:
        if event.payload.get("poison"):
            raise Poisoned(str(event.event_id))
        conn = cast(SqlTransaction, tx).conn
        name = str(event.payload["counter"])
        await write_counter(conn, name, await read_counter(conn, name) + 1)

    async def handle_batch(self, batch: Sequence[ReceivedEvent]) -> None:
        self.batches += 1
        await super().handle_batch(batch)


def probe(counter_name: str, *, poison: bool = False) -> DomainEvent:
    payload = {"counter": counter_name, "poison": poison}
    return DomainEvent(PROBE, uuid.uuid4(), SystemClock().now(), payload)


def received(event: DomainEvent) -> ReceivedEvent:
    return ReceivedEvent(event, "probe", 0, 0, 1)


def fresh() -> str:
    return f"b-{uuid.uuid4().hex[:12]}"


async def marks(db: SqlDatabase, consumer: str) -> int:
    async def count(conn: AsyncConnection) -> int:
        query = select(func.count()).where(processed_events.c.consumer == consumer)
        return int(await conn.scalar(query) or 0)

    return await run_sql(db, count)


async def test_a_batch_applies_each_event_once(database: SqlDatabase) -> None:
    handler = CountingHandler(database, fresh(), "probe")
    names = [fresh() for _ in range(3)]
    events = [probe(n) for n in names]
    await handler.handle_batch([received(e) for e in events[:1]])
    # The first is a redelivery; the last comes twice in one poll.
    await handler.handle_batch([received(e) for e in [*events, events[2]]])
    assert [await counter(database, n) for n in names] == [1, 1, 1]
    assert (handler.applied, handler.duplicates) == (3, 2)
    assert await marks(database, handler.name) == 3


async def test_a_failing_event_rolls_the_whole_batch_back(database: SqlDatabase) -> None:
    handler = CountingHandler(database, fresh(), "probe")
    good = fresh()
    with pytest.raises(Poisoned):
        await handler.handle_batch([received(probe(good)), received(probe(good, poison=True))])
    assert await counter(database, good) == 0
    assert await marks(database, handler.name) == 0


async def append(db: SqlDatabase, topic: str, events: Sequence[DomainEvent]) -> None:
    """Put ``events`` on the log as the relay would: published, with the next log_seqs."""
    rows = [
        {
            "published_at": e.occurred_at,
            "event_id": e.event_id,
            "event_type": e.event_type,
            "topic": topic,
            "event_key": e.key,
            "payload": json.dumps(e.envelope(), sort_keys=True),
            "occurred_at": e.occurred_at,
        }
        for e in events
    ]

    async def work(conn: AsyncConnection) -> None:
        last = int(await conn.scalar(select(func.max(outbox.c.log_seq))) or 0)
        for n, row in enumerate(rows, start=1):
            row["log_seq"] = last + n
        await conn.execute(outbox.insert(), rows)

    await run_sql(db, work)


@pytest.mark.parametrize("with_poison", [False, True])
async def test_the_log_consumer_batches_and_falls_back_one_by_one(
    database: SqlDatabase, with_poison: bool
) -> None:
    topic, consumer_name = f"probe-{uuid.uuid4().hex[:8]}", fresh()
    names = [fresh() for _ in range(5)]
    events = [probe(n) for n in names]
    if with_poison:
        events.insert(2, probe(fresh(), poison=True))
    await append(database, topic, events)
    handler = CountingHandler(database, consumer_name, topic)
    consumer = EmbeddedLogConsumer(
        database,
        SystemClock(),
        consumer_name,
        [topic],
        handler,
        max_attempts=2,
        backoff_base_seconds=0.01,
        backoff_max_seconds=0.02,
        batch_size=1000,
        poll_interval=0.05,
    )
    task = asyncio.create_task(consumer.run())
    try:

        async def settled() -> int:
            return consumer.stats.processed + consumer.stats.dead_lettered

        await wait_for(
            settled, what="every probe handled", until=lambda n: n >= len(events), timeout=10
        )
    finally:
        consumer.stop()
        await asyncio.wait_for(task, timeout=30)
    assert [await counter(database, n) for n in names] == [1] * 5
    assert handler.batches >= 1
    assert await marks(database, consumer_name) == 5
    letters = await run_sql(database, lambda conn: list_dead_letters(conn, consumer_name))
    assert len(letters) == (1 if with_poison else 0)


class DeliveryCounter(CountingHandler):
    """Counts deliveries: a batch or a lone event each."""

    def __init__(self, db: SqlDatabase, name: str, topic: str) -> None:
        super().__init__(db, name, topic)
        self.deliveries = 0

    async def __call__(self, received: ReceivedEvent) -> None:
        self.deliveries += 1
        await super().__call__(received)

    async def handle_batch(self, batch: Sequence[ReceivedEvent]) -> None:
        self.deliveries += 1
        await super().handle_batch(batch)


async def test_a_lazy_consumer_reads_a_steady_trickle_once_per_interval(
    database: SqlDatabase,
) -> None:
    """Events committed one by one every 20 ms: a lazy consumer (no wake-up, a 0.4 s interval)
    waits after each short read, so it takes them in about one batch per interval (an eager
    one reads again after every batch and takes them a few at a time). None is lost or
    applied twice."""
    topic, consumer_name = f"probe-{uuid.uuid4().hex[:8]}", fresh()
    names = [fresh() for _ in range(60)]
    handler = DeliveryCounter(database, consumer_name, topic)
    interval = 0.4
    consumer = EmbeddedLogConsumer(
        database,
        SystemClock(),
        consumer_name,
        [topic],
        handler,
        batch_size=1000,
        poll_interval=interval,
        lazy=True,
    )
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(consumer.run())
    try:
        started = loop.time()
        for name in names:
            await append(database, topic, [probe(name)])
            await asyncio.sleep(0.02)  # the trickle's pace, not a wait for a condition

        async def settled() -> int:
            return await marks(database, consumer_name)

        await wait_for(settled, what="every probe handled", until=lambda n: n == len(names))
        elapsed = loop.time() - started
    finally:
        consumer.stop()
        await asyncio.wait_for(task, timeout=30)
    assert [await counter(database, n) for n in names] == [1] * len(names)
    assert handler.deliveries <= elapsed / interval + 2, (handler.deliveries, elapsed)
