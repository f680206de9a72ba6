"""Publishing events to the real broker and reading them back through a consumer group."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict

import pytest

from restman_core.adapters.kafka import KafkaEventPublisher, ensure_topics
from restman_core.domain.events import TOPIC_ORDER, DomainEvent
from restman_core.errors import Unavailable
from restman_core.ports.events import ReceivedEvent
from tests.kafka.helpers import RunningConsumers, committed, fast_consumer, order_event
from tests.support.services import free_port, wait_for
from tests.support.tansu import start_broker

pytestmark = pytest.mark.kafka


async def test_events_arrive_once_each_in_key_order(
    bootstrap: str, prefix: str, order_topic: str, consumers: RunningConsumers
) -> None:
    keys = [uuid.uuid4() for _ in range(4)]
    events = [order_event(keys[n % 4], n) for n in range(40)]
    publisher = KafkaEventPublisher(bootstrap, topic_prefix=prefix)
    try:
        await publisher.publish(events[:25])
        await publisher.publish(events[25:])
    finally:
        await publisher.close()

    received: list[ReceivedEvent] = []

    async def record(delivery: ReceivedEvent) -> None:
        received.append(delivery)

    async def arrived() -> int:
        return len(received)

    group = f"{prefix}roundtrip"
    consumer = fast_consumer(bootstrap, group, [order_topic], record)
    consumers.start(consumer)
    await wait_for(
        arrived, until=lambda n: n >= len(events), what=f"{len(events)} events", timeout=60
    )
    await consumers.stop(consumer)

    assert sorted(r.event.event_id for r in received) == sorted(e.event_id for e in events)
    by_key: defaultdict[uuid.UUID, list[ReceivedEvent]] = defaultdict(list)
    for delivery in received:
        by_key[delivery.event.key].append(delivery)
    for key, deliveries in by_key.items():
        sent = [e.event_id for e in events if e.key == key]
        assert [d.event.event_id for d in deliveries] == sent
        assert len({d.partition for d in deliveries}) == 1
    assert all(r.topic == order_topic and r.attempt == 1 for r in received)
    assert all(r.headers["event_id"] == str(r.event.event_id) for r in received)
    assert all(r.headers["event_type"] == r.event.event_type for r in received)
    assert received[0].event == next(e for e in events if e.event_id == received[0].event.event_id)
    assert consumer.stats.processed == len(events)
    assert sum(committed(bootstrap, group, order_topic).values()) == len(events)


async def test_an_absent_broker_makes_publishing_unavailable() -> None:
    publisher = KafkaEventPublisher(f"127.0.0.1:{free_port()}", delivery_timeout_seconds=1.0)
    try:
        with pytest.raises(Unavailable):
            await asyncio.wait_for(publisher.publish([order_event(uuid.uuid4(), 1)]), timeout=15)
    finally:
        await publisher.close()


async def test_publishing_recovers_once_the_broker_is_back() -> None:
    with start_broker() as broker:
        topic = f"r{uuid.uuid4().hex[:8]}."
        await ensure_topics(broker.bootstrap, [topic + TOPIC_ORDER], partitions=1, dlq=False)
        publisher = KafkaEventPublisher(
            broker.bootstrap, delivery_timeout_seconds=1.5, topic_prefix=topic
        )
        try:
            await publisher.publish([order_event(uuid.uuid4(), 1)])
            broker.kill()
            with pytest.raises(Unavailable):
                await publisher.publish([order_event(uuid.uuid4(), 2)])
            broker.start()
            # The restarted broker starts empty (memory storage): the relay's startup would
            # create the topics again.
            await ensure_topics(broker.bootstrap, [topic + TOPIC_ORDER], partitions=1, dlq=False)
            # The new broker forgot the producer's id, which fails the idempotent producer
            # for good; like the outbox relay, retry: the publisher must rebuild its client.
            assert await publish_with_retries(publisher, order_event(uuid.uuid4(), 3))
        finally:
            await publisher.close()


async def publish_with_retries(publisher: KafkaEventPublisher, event: DomainEvent) -> bool:
    """Publish as the outbox relay does: retry after Unavailable (three tries here)."""
    for _ in range(3):
        try:
            await publisher.publish([event])
        except Unavailable:
            continue
        return True
    return False
