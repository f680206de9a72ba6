"""What a consumer reads: a batching consumer's poll window, and records of types its handler
ignores passed over undecoded, against the real broker."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from restman_core.adapters.kafka import KafkaEventConsumer, dlq_topic
from restman_core.adapters.kafka.batch_consumer import BatchingKafkaEventConsumer
from restman_core.adapters.kafka.delivery import OutgoingRecord
from tests.kafka.helpers import (
    OutageThenBuffer,
    as_record,
    committed,
    order_event,
    produce_raw,
    publish,
    read_topic,
)
from tests.support.services import wait_for
from tests.support.tansu import FAST_GROUP_SETTINGS

pytestmark = pytest.mark.kafka


async def test_the_batching_consumer_fills_one_flush_over_its_poll_window(
    bootstrap: str, prefix: str, order_topic: str
) -> None:
    # Once the consumer is live (its first event flushed), events published one at a time
    # (each publish waits for the broker's acknowledgement) reach it apart; a poll waits for
    # them up to its window, so the handler is flushed once with all three, as soon as the
    # batch is full.
    first = order_event(uuid.uuid4(), 0)
    events = [order_event(uuid.uuid4(), number) for number in range(1, 4)]
    handler = OutageThenBuffer(outage=0)
    batches: list[int] = []
    flush = handler.flush

    async def counted_flush() -> None:
        if handler.buffer:
            batches.append(len(handler.buffer))
        await flush()

    handler.flush = counted_flush  # type: ignore[method-assign]
    consumer = BatchingKafkaEventConsumer(
        bootstrap,
        f"{prefix}batch-window",
        [order_topic],
        handler,
        batch_size=len(events),
        poll_timeout_seconds=5.0,
        consumer_overrides=FAST_GROUP_SETTINGS,
        dlq_delivery_timeout_seconds=5.0,
    )

    async def flushed() -> list[uuid.UUID]:
        return list(handler.flushed)

    task = asyncio.create_task(consumer.run())
    try:
        await publish(bootstrap, prefix, first)
        await wait_for(flushed, until=[first.event_id].__eq__, what="the first event", timeout=60)
        for event in events:
            await publish(bootstrap, prefix, event)
        await wait_for(flushed, until=lambda ids: len(ids) == 4, what="the events", timeout=60)
    finally:
        consumer.stop()
        await asyncio.wait_for(task, timeout=20)
    assert sorted(map(str, handler.flushed[1:])) == sorted(str(e.event_id) for e in events)
    assert batches == [1, 3]


@pytest.mark.parametrize("batching", [False, True])
async def test_messages_of_types_the_handler_ignores_are_passed_over_undecoded(
    bootstrap: str, prefix: str, order_topic: str, batching: bool
) -> None:
    # The middle record's header names a type outside event_types and its body is no event:
    # decoded, it would be dead-lettered; passed over, its offset is stored like the others'.
    key = uuid.uuid4()
    before, after = order_event(key, 1), order_event(key, 2)
    foreign = OutgoingRecord(
        order_topic, str(key).encode(), b"{not an event", (("event_type", b"ticket.created"),)
    )
    await produce_raw(
        bootstrap, as_record(order_topic, before), foreign, as_record(order_topic, after)
    )
    handler = OutageThenBuffer(outage=0)
    group = f"{prefix}passed-over-{batching}"
    options: dict[str, Any] = {
        "max_attempts": 1,
        "consumer_overrides": FAST_GROUP_SETTINGS,
        "dlq_delivery_timeout_seconds": 5.0,
        "event_types": frozenset({before.event_type}),
    }
    consumer: KafkaEventConsumer | BatchingKafkaEventConsumer
    if batching:
        consumer = BatchingKafkaEventConsumer(bootstrap, group, [order_topic], handler, **options)
    else:
        consumer = KafkaEventConsumer(bootstrap, group, [order_topic], handler, **options)
    task = asyncio.create_task(consumer.run())
    try:

        async def seen() -> list[uuid.UUID]:
            return [*handler.flushed, *handler.buffer]

        await wait_for(seen, until=lambda ids: len(ids) == 2, what="both events", timeout=60)
    finally:
        consumer.stop()
        await asyncio.wait_for(task, timeout=20)
    assert [*handler.flushed, *handler.buffer] == [before.event_id, after.event_id]
    assert consumer.stats.dead_lettered == 0
    assert read_topic(bootstrap, dlq_topic(order_topic), 1, timeout=2.0) == []
    offsets = committed(bootstrap, group, order_topic)
    assert list(offsets.values()) == [3]
