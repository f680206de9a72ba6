"""The pipeline in distributed mode: the relay publishes to a real Kafka-protocol broker (tansu)
and consumers read it in their own groups.

The end-to-end test runs the relay as a separate process and kills it with SIGKILL while it
streams, and cancels the consumers mid-batch; after restarts every order has exactly its tickets
and one bill, ready mails go out once, and analytics equals SQL.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import random
import signal
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from restman_core.adapters.kafka import KafkaEventPublisher
from restman_core.adapters.sql.relay import OutboxRelay
from restman_core.adapters.sql.tables import outbox
from restman_core.bootstrap import Platform
from restman_core.bootstrap_events import PipelineOptions, prepare_transport
from restman_core.domain.analytics import AnalyticsScope
from restman_core.domain.events import ORDER_PLACED, TOPIC_ORDER, DomainEvent
from restman_core.domain.kitchen import TicketStatus
from restman_core.domain.orders import Order
from restman_core.services.pipeline import Workers
from tests.kafka.helpers import headers_of, read_topic
from tests.pipeline.checks import applied_count, cook_through, mail_count, mails, unpublished
from tests.pipeline.conftest import FAST, PlatformFactory, WorkerStarter
from tests.pipeline.world import (
    analytics_differences,
    cancel_orders,
    place_orders,
    rows,
    seed,
)
from tests.support.processes import Child
from tests.support.services import wait_for
from tests.support.tansu import FAST_GROUP_SETTINGS, Broker, running_broker

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def broker() -> Iterator[Broker]:
    with running_broker() as running:
        yield running


@pytest.fixture
def options() -> PipelineOptions:
    """Fast timings, tansu-friendly group settings, and topics of this test's own."""
    return dataclasses.replace(
        FAST,
        consumer_overrides=FAST_GROUP_SETTINGS,
        topic_prefix=f"t{uuid.uuid4().hex[:8]}.",
    )


class RelayProcess:
    """``restman worker relay`` in a child process of its own group."""

    def __init__(self, platform: Platform, broker: Broker, prefix: str) -> None:
        args = [str(platform.settings.data_dir), broker.bootstrap, prefix]
        self.child = Child(
            [sys.executable, "-m", "tests.pipeline.relay_process", *args],
            log=Path(platform.settings.data_dir) / "relay-process.log",
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
        )

    def kill(self) -> None:
        self.child.kill()

    def terminate(self) -> int | None:
        """SIGTERM and wait for a clean exit; the exit code."""
        assert self.child.process is not None
        self.child.signal_group(signal.SIGTERM)
        return self.child.process.wait(timeout=30)


RelayStarter = Callable[[Platform, Broker, str], RelayProcess]


@pytest.fixture
def start_relay() -> Iterator[RelayStarter]:
    """Starts relay processes; every one is ended at the end of the test, on every path."""
    started: list[RelayProcess] = []

    def start(platform: Platform, broker: Broker, prefix: str) -> RelayProcess:
        relay = RelayProcess(platform, broker, prefix)
        started.append(relay)
        relay.child.start()
        return relay

    yield start
    for relay in started:
        relay.child.stop(grace=10)


async def published(platform: Platform) -> int:
    [(count,)] = await rows(
        platform, select(func.count()).select_from(outbox).where(outbox.c.published_at.isnot(None))
    )
    return int(count)


async def test_distributed_pipeline_survives_killed_relay_and_consumers(
    make_platform: PlatformFactory,
    start_workers: WorkerStarter,
    start_relay: RelayStarter,
    broker: Broker,
    options: PipelineOptions,
) -> None:
    platform = await make_platform(kafka_brokers=broker.bootstrap)
    world = await seed(platform)
    rng = random.Random(11)
    await place_orders(platform, world, 80, rng)
    await cancel_orders(platform, world, world.placed[::6])
    consumers = ["kitchen", "billing", "orders", "notifications", "analytics"]

    relay = start_relay(platform, broker, options.topic_prefix)
    workers = await start_workers(platform, consumers, options)
    placing = asyncio.create_task(place_orders(platform, world, 120, rng))
    try:
        await wait_for(
            lambda: published(platform),
            until=lambda n: n >= 120,
            what="120 events published",
            timeout=60,
        )
        relay.kill()  # SIGKILL while streaming: its lease stays until it expires
        await wait_for(
            lambda: applied_count(workers, "kitchen"),
            until=lambda n: n >= 40,
            what="the kitchen consumer to apply 40 events",
            timeout=60,
        )
        await workers.kill()  # consumers cancelled mid-batch
    finally:
        await placing
    await cancel_orders(platform, world, world.placed[80::8])

    relay = start_relay(platform, broker, options.topic_prefix)
    workers = await start_workers(platform, consumers, options)
    ready, _ = await cook_through(platform, world, ready=6, completed=3)
    await wait_for(
        lambda: unpublished(platform), until=lambda n: n == 0, what="an empty outbox", timeout=60
    )
    await wait_for(
        lambda: analytics_differences(platform),
        until=lambda differences: not differences,
        what="analytics equal to SQL",
        timeout=90,
    )
    await wait_for(
        lambda: mail_count(platform),
        until=lambda n: n >= len(ready),
        what=f"{len(ready)} ready mails",
        timeout=60,
    )
    await workers.shutdown()
    assert relay.terminate() == 0  # SIGTERM: the relay released its lease and exited cleanly
    assert len(mails(platform)) == len(ready)


async def test_poison_message_goes_to_the_dlq_and_the_partition_keeps_flowing(
    make_platform: PlatformFactory,
    start_workers: WorkerStarter,
    broker: Broker,
    options: PipelineOptions,
) -> None:
    platform = await make_platform(kafka_brokers=broker.bootstrap)
    world = await seed(platform, restaurants=1, customers=1)
    await place_orders(platform, world, 1, random.Random(3))
    order = world.placed[0]
    # Same key as the order, so it sits between the order's placement and its cancellation.
    poison = DomainEvent(ORDER_PLACED, order.id, platform.clock.now(), {"order_id": "x"})
    await platform.db.run(lambda tx: tx.outbox.add([poison]))
    await cancel_orders(platform, world, [order])

    workers = await start_workers(platform, ["relay", "kitchen", "analytics"], options)
    await wait_for(
        lambda: _ticket_statuses(platform, order),
        until=lambda statuses: bool(statuses) and set(statuses) == {TicketStatus.CANCELLED},
        what="the order's tickets cancelled",
        timeout=60,
    )
    await wait_for(
        lambda: _dead_lettered(workers, "analytics"),
        until=lambda n: n == 1,
        what="one dead letter from the analytics consumer",
        timeout=60,
    )
    await workers.shutdown()
    dlq = options.topic_prefix + TOPIC_ORDER + ".dlq"
    # One dead letter per consumer group that gave up: kitchen and analytics.
    letters = await asyncio.to_thread(read_topic, broker.bootstrap, dlq, 3, 5.0)
    assert len(letters) == 2
    for letter in letters:
        headers = headers_of(letter)
        assert headers["event_id"] == str(poison.event_id)
        assert headers["dlq.original_topic"] == options.topic_prefix + TOPIC_ORDER
        assert headers["dlq.attempts"] == str(FAST.max_attempts)
        assert headers["dlq.reason"] == "handler_failed"
    # The analytics consumer went on past the poison too: the cancellation is recorded.
    store = await platform.analytics()
    counts = await store.orders_by_status(AnalyticsScope.of([order.restaurant_id]))
    assert [(c.status, c.count) for c in counts] == [("CANCELLED", 1)]


async def _dead_lettered(workers: Workers, name: str) -> int | None:
    """The worker's dead-letter count (None while it is not running)."""
    worker = workers.worker(name)
    return None if worker is None else int(getattr(worker, "stats").dead_lettered)  # noqa: B009


async def test_two_relays_never_both_publish(
    make_platform: PlatformFactory, broker: Broker, options: PipelineOptions
) -> None:
    platform = await make_platform(kafka_brokers=broker.bootstrap)
    world = await seed(platform, restaurants=1, customers=2)
    await prepare_transport(platform, options)
    relays = [
        OutboxRelay(
            platform.db,
            platform.clock,
            KafkaEventPublisher(broker.bootstrap, topic_prefix=options.topic_prefix),
            lease_seconds=2.0,
            batch_size=10,
            poll_interval=0.02,
        )
        for _ in range(2)
    ]
    tasks = [asyncio.create_task(r.run()) for r in relays]
    try:
        await place_orders(platform, world, 25, random.Random(8))
        await wait_for(
            lambda: unpublished(platform),
            until=lambda n: n == 0,
            what="an empty outbox",
            timeout=60,
        )
    finally:
        for relay in relays:
            relay.stop()
        await asyncio.gather(*tasks)
    assert sorted(r.stats.published > 0 for r in relays) == [False, True]
    topic = options.topic_prefix + TOPIC_ORDER
    messages = await asyncio.to_thread(read_topic, broker.bootstrap, topic, 26, 5.0)
    assert len(messages) == 25  # each order.placed exactly once: nothing published twice


async def _ticket_statuses(platform: Platform, order: Order) -> list[TicketStatus]:
    tickets = await platform.db.run(lambda tx: tx.tickets.for_order(order.id))
    return [t.status for t in tickets]
