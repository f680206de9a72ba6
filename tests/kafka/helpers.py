"""Helpers for the Kafka adapter tests: events, publishing and raw records, fast consumers, a
buffering handler with an outage, reading topics without a group."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, Message, TopicPartition

from restman_core.adapters.kafka import KafkaEventConsumer, KafkaEventPublisher
from restman_core.adapters.kafka.config import producer_config
from restman_core.adapters.kafka.delivery import DeliveringProducer, OutgoingRecord
from restman_core.adapters.kafka.headers import event_headers, raw_headers, text_headers
from restman_core.domain.events import ORDER_PLACED, DomainEvent
from restman_core.errors import Unavailable
from restman_core.ports.events import EventHandler, ReceivedEvent
from tests.support.tansu import FAST_GROUP_SETTINGS


def order_event(key: uuid.UUID, number: int) -> DomainEvent:
    """An ``order.placed`` event for order ``key``; ``number`` tells events apart."""
    return DomainEvent(
        event_type=ORDER_PLACED,
        key=key,
        occurred_at=datetime.now(UTC),
        payload={"order_id": str(key), "number": number},
    )


def fast_consumer(
    bootstrap: str, group: str, topics: list[str], handler: EventHandler, **options: Any
) -> KafkaEventConsumer:
    """A consumer with tansu-friendly group timings and quick retries."""
    options.setdefault("backoff_base_seconds", 0.01)
    options.setdefault("backoff_max_seconds", 0.05)
    options.setdefault("max_attempts", 3)
    options.setdefault("stop_grace_seconds", 0.0)
    options.setdefault("dlq_delivery_timeout_seconds", 5.0)
    return KafkaEventConsumer(
        bootstrap, group, topics, handler, consumer_overrides=FAST_GROUP_SETTINGS, **options
    )


class RunningConsumers:
    """Runs consumers as tasks; :meth:`stop_all` stops them and waits for a clean exit."""

    def __init__(self) -> None:
        self._running: list[tuple[KafkaEventConsumer, asyncio.Task[None]]] = []

    def start(self, consumer: KafkaEventConsumer) -> asyncio.Task[None]:
        task = asyncio.create_task(consumer.run())
        self._running.append((consumer, task))
        return task

    async def stop(self, consumer: KafkaEventConsumer) -> None:
        """Stop one consumer and wait until it has committed and left its group."""
        consumer.stop()
        for running, task in self._running:
            if running is consumer:
                await asyncio.wait_for(task, timeout=20)

    async def stop_all(self) -> None:
        for consumer, _task in self._running:
            consumer.stop()
        tasks = [task for _consumer, task in self._running]
        if tasks:
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=20)


def read_topic(bootstrap: str, topic: str, count: int, timeout: float = 15.0) -> list[Message]:
    """Up to ``count`` messages of ``topic`` from the beginning, by assignment (no group join).

    Returns what arrived within ``timeout``; callers assert on the number.
    """
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{uuid.uuid4()}"})
    try:
        partitions = consumer.list_topics(topic, timeout=5).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        found: list[Message] = []
        deadline = time.monotonic() + timeout
        while len(found) < count and time.monotonic() < deadline:
            message = consumer.poll(0.2)
            if message is not None and message.error() is None:
                found.append(message)
        return found
    finally:
        consumer.close()


def committed(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    """The group's committed offset per partition (partitions without one are left out)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        partitions = consumer.list_topics(topic, timeout=5).topics[topic].partitions
        result = consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=10)
        return {tp.partition: tp.offset for tp in result if tp.offset >= 0}
    finally:
        consumer.close()


def headers_of(message: Message) -> dict[str, str]:
    """A message's headers as text."""
    return text_headers(raw_headers(message.headers()))


async def publish(bootstrap: str, prefix: str, *events: DomainEvent) -> None:
    publisher = KafkaEventPublisher(bootstrap, topic_prefix=prefix)
    try:
        await publisher.publish(events)
    finally:
        await publisher.close()


async def produce_raw(bootstrap: str, *records: OutgoingRecord) -> None:
    """Append records as given (same key: same partition, in this order)."""
    producer = DeliveringProducer(producer_config(bootstrap, "test", delivery_timeout_seconds=5))
    try:
        await producer.deliver(records)
    finally:
        await producer.close()


def as_record(topic: str, event: DomainEvent) -> OutgoingRecord:
    """The record the publisher would write for ``event``."""
    return OutgoingRecord(topic, str(event.key).encode(), event.to_bytes(), event_headers(event))


class OutageThenBuffer:
    """A batching handler whose store is down for the first ``outage`` events handed over."""

    def __init__(self, outage: int) -> None:
        self.left = outage
        self.buffer: list[uuid.UUID] = []
        self.flushed: list[uuid.UUID] = []

    async def __call__(self, received: ReceivedEvent) -> None:
        if self.left > 0:
            self.left -= 1
            raise Unavailable("the analytics store is unavailable")
        self.buffer.append(received.event.event_id)

    async def flush(self) -> None:
        self.flushed.extend(self.buffer)
        self.buffer.clear()
