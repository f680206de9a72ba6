"""The pipeline under failure: outages are waited out (never dead-lettered), ready mail goes out
without a database lock held, and a failed early analytics flush does not fail its event."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from restman_core.adapters.sql.dead_letters import list_dead_letters
from restman_core.adapters.sql.event_log import EmbeddedLogConsumer
from restman_core.adapters.sql.relay import OutboxRelay
from restman_core.adapters.sql.sqlwork import run_sql
from restman_core.bootstrap import Platform
from restman_core.domain.analytics import AnalyticsFact
from restman_core.domain.events import ORDER_STATUS_UPDATED, TOPIC_ORDER, DomainEvent
from restman_core.errors import Unavailable
from restman_core.ports.events import ReceivedEvent
from restman_core.ports.mail import MailMessage
from restman_core.services.pipeline import AnalyticsHandler, KitchenHandler, NotificationsHandler
from restman_core.services.pipeline.notifications import MailNotSent
from tests.pipeline.checks import ticket_count, unpublished
from tests.pipeline.conftest import PlatformFactory
from tests.pipeline.world import place_orders, seed
from tests.support.services import wait_for


class OutageThenKitchen:
    """The kitchen handler behind a database that is down for the first ``outage`` calls."""

    name = "kitchen"
    topics = (TOPIC_ORDER,)

    def __init__(self, platform: Platform, outage: int) -> None:
        self._kitchen = KitchenHandler(platform.db, platform.clock, platform.kitchen)
        self.left = outage

    async def __call__(self, received: ReceivedEvent) -> None:
        if self.left > 0:
            self.left -= 1
            raise Unavailable("The database is unreachable")
        await self._kitchen(received)


async def test_an_outage_longer_than_the_attempts_dead_letters_nothing(
    make_platform: PlatformFactory, database_overrides: dict[str, Any]
) -> None:
    platform = await make_platform(**database_overrides)
    world = await seed(platform, restaurants=1, customers=1)
    await place_orders(platform, world, 2, random.Random(7))
    relay = OutboxRelay(platform.db, platform.clock, None, poll_interval=0.02)
    relay_task = asyncio.create_task(relay.run())
    await wait_for(
        lambda: unpublished(platform), until=lambda n: n == 0, what="an empty outbox", timeout=30
    )
    relay.stop()
    await relay_task

    handler = OutageThenKitchen(platform, outage=7)
    consumer = EmbeddedLogConsumer(
        platform.db,
        platform.clock,
        "kitchen",
        handler.topics,
        handler,
        max_attempts=3,
        backoff_base_seconds=0.005,
        backoff_max_seconds=0.02,
        poll_interval=0.02,
    )
    task = asyncio.create_task(consumer.run())
    try:
        await wait_for(
            lambda: ticket_count(platform, world.placed[-1].id),
            what="the last order's tickets",
            timeout=30,
        )
    finally:
        consumer.stop()
        await task
    assert handler.left == 0
    assert consumer.stats.dead_lettered == 0
    assert await run_sql(platform.db, lambda conn: list_dead_letters(conn, "kitchen")) == []
    for order in world.placed:
        assert await ticket_count(platform, order.id)


class LockProbingMailer:
    """Records, at each send, whether another connection could take SQLite's write lock."""

    def __init__(self, database: Path, failures: int = 0) -> None:
        self.database = database
        self.failures = failures
        self.lock_free: list[bool] = []
        self.sent: list[MailMessage] = []

    async def send(self, message: MailMessage) -> None:
        self.lock_free.append(await asyncio.to_thread(self._can_write))
        if self.failures > 0:
            self.failures -= 1
            raise Unavailable("the mail relay refused the message")
        self.sent.append(message)

    def _can_write(self) -> bool:
        conn = sqlite3.connect(self.database, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            conn.close()

    async def close(self) -> None:
        return None


def ready_event(order_id: uuid.UUID, platform: Platform) -> ReceivedEvent:
    event = DomainEvent(
        ORDER_STATUS_UPDATED,
        order_id,
        platform.clock.now(),
        {"order_id": str(order_id), "old_status": "IN_PROGRESS", "new_status": "READY"},
    )
    return ReceivedEvent(event, TOPIC_ORDER, 0, 1)


async def test_ready_mail_is_sent_without_holding_the_database_write_lock(
    make_platform: PlatformFactory,
) -> None:
    platform = await make_platform()
    world = await seed(platform, restaurants=1, customers=1)
    await place_orders(platform, world, 1, random.Random(8))
    mailer = LockProbingMailer(platform.settings.sqlite_path)
    handler = NotificationsHandler(platform.db, platform.clock, mailer)
    received = ready_event(world.placed[0].id, platform)

    await handler(received)
    await handler(received)  # a redelivery: already mailed

    assert mailer.lock_free == [True]
    assert len(mailer.sent) == 1
    assert handler.sent == 1


async def test_a_mail_that_fails_is_a_counted_failure_and_is_sent_on_the_retry(
    make_platform: PlatformFactory,
) -> None:
    platform = await make_platform()
    world = await seed(platform, restaurants=1, customers=1)
    await place_orders(platform, world, 1, random.Random(9))
    mailer = LockProbingMailer(platform.settings.sqlite_path, failures=1)
    handler = NotificationsHandler(platform.db, platform.clock, mailer)
    received = ready_event(world.placed[0].id, platform)

    # Not Unavailable: a refused mail must use up attempts (and finally be dead-lettered),
    # never hold the notifications consumer like an outage would.
    with pytest.raises(MailNotSent):
        await handler(received)
    await handler(received)
    await handler(received)

    assert len(mailer.sent) == 1


class FlakyStore:
    """An analytics store that is down for its first ``failures`` inserts."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.recorded: list[AnalyticsFact] = []

    async def record(self, facts: Sequence[AnalyticsFact]) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise Unavailable("the analytics store is unavailable")
        self.recorded.extend(facts)


async def test_a_failed_early_analytics_flush_keeps_the_event_buffered_once(
    make_platform: PlatformFactory,
) -> None:
    platform = await make_platform()
    store = FlakyStore(failures=1)

    async def provide() -> Any:
        return store

    handler = AnalyticsHandler(platform.db, platform.clock, provide, batch_size=1)
    ticket = {
        "id": str(uuid.uuid4()),
        "order_id": str(uuid.uuid4()),
        "restaurant_id": str(uuid.uuid4()),
        "station": "grill",
        "created_at": "2026-03-01T12:00:00+00:00",
        "version": 1,
    }
    event = DomainEvent("ticket.created", uuid.uuid4(), platform.clock.now(), {"ticket": ticket})

    await handler(ReceivedEvent(event, TOPIC_ORDER, 0, 1))  # the store is down: no failure
    assert handler.buffered == 1
    await handler.flush()  # what its consumer does before it moves on
    assert handler.buffered == 0
    assert len(store.recorded) == 1
