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
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from restman_core.adapters.kafka import KafkaEventPublisher
from restman_core.adapters.sql.relay import OutboxRelay
from restman_core.adapters.sql.tables import outbox
from restman_core.bootstrap import Platform
from restman_core.bootstrap_events import PipelineOptions, build_workers, prepare_transport
from restman_core.domain.analytics import AnalyticsScope
from restman_core.domain.events import ORDER_PLACED, TOPIC_ORDER, DomainEvent
from restman_core.domain.kitchen import TicketStatus
from restman_core.domain.orders import Order, OrderStatus
from restman_core.services.pipeline import Workers
from tests.kafka.helpers import headers_of, read_topic
from tests.pipeline.checks import all_published, applied, mails
from tests.pipeline.conftest import FAST, PlatformFactory
from tests.pipeline.world import (
    analytics_match_sql,
    assert_exact_tickets_and_bills,
    cancel_orders,
    cook,
    order_status,
    place_orders,
    rows,
    seed,
    tickets_and_bills_complete,
)
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
    """``restman worker relay`` in a child process."""

    def __init__(self, platform: Platform, broker: Broker, prefix: str) -> None:
        self.args = [str(platform.settings.data_dir), broker.bootstrap, prefix]
        self.log_path = Path(platform.settings.data_dir) / "relay-process.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        # The log goes to a file, never a pipe nobody reads (a full pipe would block the relay).
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.pipeline.relay_process", *self.args],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def terminate(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=20)


async def published(platform: Platform) -> int:
    [(count,)] = await rows(
        platform, select(func.count()).select_from(outbox).where(outbox.c.published_at.isnot(None))
    )
    return int(count)


async def test_distributed_pipeline_survives_killed_relay_and_consumers(
    make_platform: PlatformFactory, broker: Broker, options: PipelineOptions
) -> None:
    platform = await make_platform(kafka_brokers=broker.bootstrap)
    world = await seed(platform)
    rng = random.Random(11)
    await place_orders(platform, world, 80, rng)
    await cancel_orders(platform, world, world.placed[::6])
    consumers = ["kitchen", "billing", "orders", "notifications", "analytics"]

    relay = RelayProcess(platform, broker, options.topic_prefix)
    relay.start()
    workers = await build_workers(platform, consumers, options)
    workers.start()
    placing = asyncio.create_task(place_orders(platform, world, 120, rng))
    await wait_for(lambda: _published_at_least(platform, 120), timeout=30)
    relay.kill()  # SIGKILL while streaming: its lease stays until it expires
    await wait_for(lambda: _applied_at_least(workers, "kitchen", 40), timeout=60)
    await workers.kill()  # consumers cancelled mid-batch
    await placing
    await cancel_orders(platform, world, world.placed[80::8])

    relay = RelayProcess(platform, broker, options.topic_prefix)
    relay.start()
    workers = await build_workers(platform, consumers, options)
    workers.start()
    try:
        await wait_for(lambda: tickets_and_bills_complete(platform, world), timeout=90)
        await assert_exact_tickets_and_bills(platform, world)
        live = [o for o in world.placed if o.id not in world.cancelled]
        ready, completed = live[:6], live[:3]
        for order in ready:
            await cook(platform, world, order, TicketStatus.READY)
        await wait_for(lambda: _statuses(platform, ready, OrderStatus.READY), timeout=30)
        for order in completed:
            await cook(platform, world, order, TicketStatus.DELIVERED_TO_SERVICE)
        await wait_for(lambda: _statuses(platform, completed, OrderStatus.COMPLETED), timeout=30)
        await wait_for(lambda: all_published(platform), timeout=30)
        await wait_for(lambda: analytics_match_sql(platform), timeout=60)
        await wait_for(lambda: _mail_count(platform, len(ready)), timeout=30)
    finally:
        await workers.shutdown()
        exit_code = relay.terminate()
    assert exit_code == 0  # SIGTERM: the relay released its lease and exited cleanly
    assert len(mails(platform)) == len(ready)


async def test_poison_message_goes_to_the_dlq_and_the_partition_keeps_flowing(
    make_platform: PlatformFactory, broker: Broker, options: PipelineOptions
) -> None:
    platform = await make_platform(kafka_brokers=broker.bootstrap)
    world = await seed(platform, restaurants=1, customers=1)
    await place_orders(platform, world, 1, random.Random(3))
    order = world.placed[0]
    # Same key as the order, so it sits between the order's placement and its cancellation.
    poison = DomainEvent(ORDER_PLACED, order.id, platform.clock.now(), {"order_id": "x"})
    await platform.db.run(lambda tx: tx.outbox.add([poison]))
    await cancel_orders(platform, world, [order])

    workers = await build_workers(platform, ["relay", "kitchen", "analytics"], options)
    workers.start()
    try:
        await wait_for(lambda: _tickets_cancelled(platform, order), timeout=40)
        await wait_for(lambda: _dead_lettered(workers, "analytics"), timeout=40)
    finally:
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


async def _dead_lettered(workers: Workers, name: str) -> bool:
    worker = workers.worker(name)
    return worker is not None and getattr(worker, "stats").dead_lettered == 1  # noqa: B009


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
        await wait_for(lambda: all_published(platform), timeout=30)
    finally:
        for relay in relays:
            relay.stop()
        await asyncio.gather(*tasks)
    assert sorted(r.stats.published > 0 for r in relays) == [False, True]
    topic = options.topic_prefix + TOPIC_ORDER
    messages = await asyncio.to_thread(read_topic, broker.bootstrap, topic, 26, 5.0)
    assert len(messages) == 25  # each order.placed exactly once: nothing published twice


async def _published_at_least(platform: Platform, count: int) -> bool:
    return await published(platform) >= count


async def _applied_at_least(workers: Workers, name: str, count: int) -> bool:
    return applied(workers, name) >= count


async def _statuses(platform: Platform, orders: list[Order], status: OrderStatus) -> bool:
    for order in orders:
        if await order_status(platform, order.id) is not status:
            return False
    return True


async def _mail_count(platform: Platform, count: int) -> bool:
    return len(mails(platform)) >= count


async def _tickets_cancelled(platform: Platform, order: Order) -> bool:
    tickets = await platform.db.run(lambda tx: tx.tickets.for_order(order.id))
    return bool(tickets) and all(t.status is TicketStatus.CANCELLED for t in tickets)
