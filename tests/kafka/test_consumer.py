"""Consuming with retries, dead letters and at-least-once stops, against the real broker."""

from __future__ import annotations

import asyncio
import threading
import uuid

import pytest

from restman_core.adapters.kafka import (
    ConsumerMetric,
    dlq_topic,
)
from restman_core.adapters.kafka.batch_consumer import BatchingKafkaEventConsumer
from restman_core.adapters.kafka.delivery import OutgoingRecord
from restman_core.errors import Unavailable
from restman_core.ports.events import ReceivedEvent
from tests.kafka.helpers import (
    OutageThenBuffer,
    RunningConsumers,
    as_record,
    committed,
    fast_consumer,
    headers_of,
    order_event,
    produce_raw,
    publish,
    read_topic,
)
from tests.support.services import free_port, wait_for
from tests.support.tansu import FAST_GROUP_SETTINGS

pytestmark = pytest.mark.kafka


async def test_a_failing_handler_is_retried_until_it_succeeds(
    bootstrap: str, prefix: str, order_topic: str, consumers: RunningConsumers
) -> None:
    event = order_event(uuid.uuid4(), 1)
    await publish(bootstrap, prefix, event)
    attempts: list[ReceivedEvent] = []

    async def flaky(received: ReceivedEvent) -> None:
        attempts.append(received)
        if received.attempt < 3:
            raise RuntimeError("the kitchen printer is jammed")

    metrics: list[ConsumerMetric] = []
    group = f"{prefix}flaky"
    consumer = fast_consumer(
        bootstrap, group, [order_topic], flaky, max_attempts=5, on_metric=metrics.append
    )
    consumers.start(consumer)

    async def processed() -> int:
        return consumer.stats.processed

    await wait_for(processed, until=lambda n: n == 1, what="one event processed", timeout=60)
    await consumers.stop(consumer)

    assert [r.attempt for r in attempts] == [1, 2, 3]
    assert {r.event.event_id for r in attempts} == {event.event_id}
    assert (consumer.stats.failed_attempts, consumer.stats.dead_lettered) == (2, 0)
    counters = [m.name for m in metrics if m.name != "lag"]
    assert counters == ["failed_attempt", "failed_attempt", "processed"]
    assert all(m.group == group and m.topic == order_topic for m in metrics)
    assert committed(bootstrap, group, order_topic) == {
        attempts[0].partition: attempts[0].offset + 1
    }


async def test_an_outage_longer_than_the_attempts_is_waited_out_not_dead_lettered(
    bootstrap: str, prefix: str, order_topic: str, consumers: RunningConsumers
) -> None:
    event = order_event(uuid.uuid4(), 1)
    await publish(bootstrap, prefix, event)
    calls: list[ReceivedEvent] = []

    async def behind_an_outage(received: ReceivedEvent) -> None:
        calls.append(received)
        if len(calls) <= 6:
            raise Unavailable("The database is unreachable")

    group = f"{prefix}outage"
    consumer = fast_consumer(bootstrap, group, [order_topic], behind_an_outage, max_attempts=3)
    consumers.start(consumer)

    async def processed() -> int:
        return consumer.stats.processed

    await wait_for(processed, until=lambda n: n == 1, what="one event processed", timeout=60)
    await consumers.stop(consumer)

    assert len(calls) == 7
    assert {r.attempt for r in calls} == {1}  # an outage uses up no attempt
    assert consumer.stats.dead_lettered == 0
    assert committed(bootstrap, group, order_topic) == {calls[0].partition: calls[0].offset + 1}
    assert read_topic(bootstrap, dlq_topic(order_topic), 1, timeout=2.0) == []


async def test_the_batching_consumer_waits_out_an_outage_too(
    bootstrap: str, prefix: str, order_topic: str
) -> None:
    event = order_event(uuid.uuid4(), 1)
    await publish(bootstrap, prefix, event)
    handler = OutageThenBuffer(outage=6)
    consumer = BatchingKafkaEventConsumer(
        bootstrap,
        f"{prefix}batch-outage",
        [order_topic],
        handler,
        max_attempts=3,
        backoff_base_seconds=0.01,
        backoff_max_seconds=0.05,
        consumer_overrides=FAST_GROUP_SETTINGS,
        dlq_delivery_timeout_seconds=5.0,
    )
    task = asyncio.create_task(consumer.run())
    try:

        async def flushed() -> list[uuid.UUID]:
            return list(handler.flushed)

        await wait_for(flushed, until=[event.event_id].__eq__, what="the event flushed", timeout=60)
    finally:
        consumer.stop()
        await asyncio.wait_for(task, timeout=20)
    assert consumer.stats.dead_lettered == 0
    assert read_topic(bootstrap, dlq_topic(order_topic), 1, timeout=2.0) == []


async def test_poison_and_malformed_messages_go_to_the_dead_letter_topic(
    bootstrap: str, prefix: str, order_topic: str, consumers: RunningConsumers
) -> None:
    key = uuid.uuid4()
    poison, after = order_event(key, 1), order_event(key, 2)
    garbage = OutgoingRecord(order_topic, str(key).encode(), b"{not an event", (("origin", b"x"),))
    await produce_raw(
        bootstrap, as_record(order_topic, poison), garbage, as_record(order_topic, after)
    )
    calls: list[ReceivedEvent] = []

    async def handler(received: ReceivedEvent) -> None:
        calls.append(received)
        if received.event.event_id == poison.event_id:
            raise LookupError("menu item 42 vanished")

    group = f"{prefix}poison"
    consumer = fast_consumer(bootstrap, group, [order_topic], handler, max_attempts=3)
    consumers.start(consumer)

    async def after_handled() -> bool:
        return any(r.event.event_id == after.event_id for r in calls)

    await wait_for(after_handled, what="the event after the poison handled", timeout=60)
    await consumers.stop(consumer)

    assert [r.event.event_id for r in calls] == [poison.event_id] * 3 + [after.event_id]
    assert (consumer.stats.dead_lettered, consumer.stats.processed) == (2, 1)
    partition, first_offset = calls[0].partition, calls[0].offset
    assert committed(bootstrap, group, order_topic) == {partition: calls[-1].offset + 1}

    dead = read_topic(bootstrap, dlq_topic(order_topic), 2)
    assert [m.value() for m in dead] == [poison.to_bytes(), b"{not an event"]
    assert all(m.key() == str(key).encode() for m in dead)
    first, second = headers_of(dead[0]), headers_of(dead[1])
    assert first["event_id"] == str(poison.event_id)
    assert first["dlq.original_topic"] == order_topic
    assert first["dlq.original_partition"] == str(partition)
    assert first["dlq.original_offset"] == str(first_offset)
    assert first["dlq.attempts"] == "3"
    assert first["dlq.reason"] == "handler_failed"
    assert "menu item 42 vanished" in first["dlq.error"]
    assert second["origin"] == "x"
    assert second["dlq.reason"] == "malformed"
    assert second["dlq.attempts"] == "0"
    assert second["dlq.original_offset"] == str(first_offset + 1)


async def test_without_a_dead_letter_topic_a_poison_message_is_dropped(
    bootstrap: str, prefix: str, order_topic: str, consumers: RunningConsumers
) -> None:
    key = uuid.uuid4()
    poison, after = order_event(key, 1), order_event(key, 2)
    await publish(bootstrap, prefix, poison, after)
    handled: list[uuid.UUID] = []

    async def handler(received: ReceivedEvent) -> None:
        if received.event.event_id == poison.event_id:
            raise LookupError("menu item 42 vanished")
        handled.append(received.event.event_id)

    consumer = fast_consumer(bootstrap, f"{prefix}drop", [order_topic], handler, dlq=False)
    consumers.start(consumer)

    async def after_handled() -> bool:
        return handled == [after.event_id]

    await wait_for(after_handled, what="the event after the poison handled", timeout=60)
    await consumers.stop(consumer)
    assert (consumer.stats.dropped, consumer.stats.failed_attempts) == (1, 3)
    assert read_topic(bootstrap, dlq_topic(order_topic), 1, timeout=1.0) == []


async def test_a_message_abandoned_on_stop_is_delivered_again(
    bootstrap: str, prefix: str, order_topic: str, consumers: RunningConsumers
) -> None:
    key = uuid.uuid4()
    first, stuck, last = (order_event(key, n) for n in range(3))
    await publish(bootstrap, prefix, first, stuck, last)
    group = f"{prefix}restart"
    seen: list[ReceivedEvent] = []
    blocked = asyncio.Event()

    async def blocks_on_stuck(received: ReceivedEvent) -> None:
        seen.append(received)
        if received.event.event_id == stuck.event_id:
            blocked.set()
            await asyncio.Event().wait()  # until the consumer gives up on it

    early = fast_consumer(bootstrap, group, [order_topic], blocks_on_stuck, stop_grace_seconds=0.1)
    consumers.start(early)

    async def is_blocked() -> bool:
        return blocked.is_set()

    await wait_for(is_blocked, what="the handler blocked on the stuck event", timeout=60)
    await consumers.stop(early)
    assert [r.event.event_id for r in seen] == [first.event_id, stuck.event_id]
    assert early.stats.processed == 1
    assert committed(bootstrap, group, order_topic) == {seen[0].partition: seen[0].offset + 1}

    again: list[ReceivedEvent] = []

    async def record(received: ReceivedEvent) -> None:
        again.append(received)

    late = fast_consumer(bootstrap, group, [order_topic], record)
    consumers.start(late)

    async def caught_up() -> int:
        return len(again)

    await wait_for(caught_up, until=lambda n: n >= 2, what="two events redelivered", timeout=60)
    await consumers.stop(late)
    assert [r.event.event_id for r in again] == [stuck.event_id, last.event_id]
    assert again[0].offset == seen[1].offset


async def test_a_message_finishing_within_the_stop_grace_is_committed(
    bootstrap: str, prefix: str, order_topic: str, consumers: RunningConsumers
) -> None:
    event = order_event(uuid.uuid4(), 1)
    await publish(bootstrap, prefix, event)
    started, release = asyncio.Event(), asyncio.Event()
    done: list[ReceivedEvent] = []

    async def slow(received: ReceivedEvent) -> None:
        started.set()
        await release.wait()
        done.append(received)

    group = f"{prefix}grace"
    consumer = fast_consumer(bootstrap, group, [order_topic], slow, stop_grace_seconds=20.0)
    task = consumers.start(consumer)

    async def is_started() -> bool:
        return started.is_set()

    await wait_for(is_started, what="the slow handler started", timeout=60)
    consumer.stop()
    # The handler needs a moment more after the stop request; the grace must cover it.
    asyncio.get_running_loop().call_later(0.3, release.set)
    await asyncio.wait_for(task, timeout=20)
    assert consumer.stats.processed == 1
    assert committed(bootstrap, group, order_topic) == {done[0].partition: done[0].offset + 1}


async def test_stop_from_another_thread_ends_the_run() -> None:
    async def never_called(received: ReceivedEvent) -> None:
        raise AssertionError(received)

    consumer = fast_consumer(f"127.0.0.1:{free_port()}", "nobody", ["order.events"], never_called)
    task = asyncio.create_task(consumer.run())
    stopper = threading.Timer(0.2, consumer.stop)
    stopper.start()
    try:
        # Fails with TimeoutError if the stop request from the timer thread is lost.
        await asyncio.wait_for(task, timeout=20)
    finally:
        stopper.cancel()
    assert consumer.stats.processed == 0
