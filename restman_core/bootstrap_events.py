"""Wiring of the event pipeline: which relay, consumers and housekeeping run, on which transport.

Like :mod:`restman_core.bootstrap` this is a bootstrap module: it reads :class:`Settings` and
picks adapters. ``KAFKA_BROKERS`` set means distributed mode (the relay publishes to Kafka, each
consumer is a :class:`KafkaEventConsumer` in group ``restman-<kind>``); unset means embedded mode
(the relay only numbers outbox rows and each consumer reads the outbox in order from its durable
position). The handlers are the same in both modes. Dependencies run one way: bootstrap builds on
this module, which names what it needs of a platform as the :class:`Platform` protocol.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy import func, select

from restman_core.adapters.kafka import KafkaEventConsumer, KafkaEventPublisher, ensure_topics
from restman_core.adapters.kafka.batch_consumer import BatchingKafkaEventConsumer
from restman_core.adapters.kafka.config import KafkaSecurity, parse_bootstrap
from restman_core.adapters.sql.database import SqlDatabase
from restman_core.adapters.sql.event_log import EmbeddedLogConsumer
from restman_core.adapters.sql.housekeeping import Housekeeper
from restman_core.adapters.sql.leases import SqlLease
from restman_core.adapters.sql.reconcile_ledger import SqlEffectLedger
from restman_core.adapters.sql.relay import OutboxRelay
from restman_core.adapters.sql.tables import consumer_positions, outbox
from restman_core.bootstrap_options import (
    CONSUMER_KINDS,
    RECONCILER,
    RELAY,
    SCHEDULER,
    WORKER_KINDS,
    PipelineOptions,
    expand_kinds,
    group_settings,
    worker_identity,
)
from restman_core.config import Settings
from restman_core.domain.clock import Clock
from restman_core.domain.events import TOPICS
from restman_core.errors import ConfigurationError, Unavailable
from restman_core.ports.analytics import AnalyticsStore
from restman_core.ports.mail import Mailer
from restman_core.services.billing import BillingService
from restman_core.services.kitchen import KitchenService
from restman_core.services.orders import OrderService
from restman_core.services.pipeline import (
    ANALYTICS,
    BILLING,
    KITCHEN,
    NOTIFICATIONS,
    ORDERS,
    AnalyticsHandler,
    BillingHandler,
    KitchenHandler,
    NotificationsHandler,
    OrdersHandler,
    PipelineHandler,
    Worker,
    Workers,
    WorkerSpec,
    group_id,
)
from restman_core.services.pipeline.reconcile import Reconciler, ReconcileReport
from restman_core.services.pipeline.reconcile_worker import ReconcileWorker


class Platform(Protocol):
    """What the pipeline needs of a platform. :class:`restman_core.bootstrap.Platform` is one;
    naming the needs here keeps the dependency one way (bootstrap builds on this module)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def db(self) -> SqlDatabase: ...
    @property
    def mailer(self) -> Mailer: ...
    @property
    def kitchen(self) -> KitchenService: ...
    @property
    def billing(self) -> BillingService: ...
    @property
    def orders(self) -> OrderService: ...

    async def analytics(self) -> AnalyticsStore: ...


__all__ = [
    "CONSUMER_KINDS",
    "RECONCILER",
    "RELAY",
    "SCHEDULER",
    "WORKER_KINDS",
    "PipelineOptions",
    "Platform",
    "build_handler",
    "build_workers",
    "drain",
    "expand_kinds",
    "group_settings",
    "is_distributed",
    "prepare_transport",
    "reconcile_now",
    "worker_identity",
]


def is_distributed(platform: Platform) -> bool:
    """True when events travel through Kafka."""
    return bool(platform.settings.kafka_brokers)


def build_handler(platform: Platform, kind: str, options: PipelineOptions) -> PipelineHandler:
    """A fresh handler for consumer ``kind``."""
    db, clock = platform.db, platform.clock
    if kind == KITCHEN:
        return KitchenHandler(db, clock, platform.kitchen)
    if kind == BILLING:
        return BillingHandler(db, clock, platform.billing)
    if kind == ORDERS:
        return OrdersHandler(db, clock, platform.orders)
    if kind == NOTIFICATIONS:
        return NotificationsHandler(db, clock, platform.mailer)
    if kind == ANALYTICS:
        # Its consumers (embedded log, batching Kafka consumer) flush before they move on.
        return AnalyticsHandler(
            db,
            clock,
            platform.analytics,
            batch_size=options.analytics_batch_size,
            max_delay_seconds=options.analytics_max_delay_seconds,
        )
    raise ConfigurationError(f"{kind} is not a consumer")


class _Pipeline:
    """Builds workers for one platform and mode."""

    def __init__(self, platform: Platform, options: PipelineOptions) -> None:
        self.platform = platform
        self.options = options
        self.settings = platform.settings
        self.bootstrap = (
            parse_bootstrap(self.settings.kafka_brokers) if self.settings.kafka_brokers else None
        )
        self.security = KafkaSecurity.from_settings(self.settings)
        # Embedded consumers in this process wake up as soon as the relay marks a batch.
        self.wakeups: list[asyncio.Event] = []

    def wake_consumers(self) -> None:
        for event in self.wakeups:
            event.set()

    @property
    def max_attempts(self) -> int:
        return self.options.max_attempts or self.settings.kafka_consumer_max_attempts

    def spec(self, kind: str) -> WorkerSpec:
        if kind == RELAY:
            return WorkerSpec(kind, self.relay)
        if kind == SCHEDULER:
            return WorkerSpec(kind, self.housekeeper)
        if kind == RECONCILER:
            return WorkerSpec(kind, self.reconcile_worker)
        return WorkerSpec(kind, lambda: self.consumer(kind))

    def relay(self) -> Worker:
        publisher = None
        if self.bootstrap is not None:
            publisher = KafkaEventPublisher(
                self.bootstrap,
                topic_prefix=self.options.topic_prefix,
                security=self.security,
                # The relay holds its lease only while it works; a publish that outlasts the
                # lease lets a standby relay take over and publish the same rows again. So a
                # slow broker must fail the publish (the rows stay pending and are retried)
                # well before the lease runs out: at most half of it.
                delivery_timeout_seconds=min(30.0, self.options.relay_lease_seconds / 2),
                # A broker that restarted empty lacks the topics (and their dead-letter topics).
                prepare=lambda: prepare_transport(self.platform, self.options),
            )
        return OutboxRelay(
            self.platform.db,
            self.platform.clock,
            publisher,
            holder=f"relay@{worker_identity(self.settings)}",
            lease_seconds=self.options.relay_lease_seconds,
            batch_size=self.options.relay_batch_size,
            poll_interval=self.options.poll_interval_seconds,
            on_published=self.wake_consumers,
        )

    def housekeeper(self) -> Worker:
        return Housekeeper(
            self.platform.db,
            self.platform.clock,
            retention_days=self.settings.retention_days,
            idempotency_ttl_hours=self.settings.idempotency_ttl_hours,
            interval_seconds=self.options.housekeeping_interval_seconds,
            # Embedded consumers read the outbox itself: it keeps what any of them has not read.
            readers=() if self.bootstrap is not None else CONSUMER_KINDS,
        )

    def reconciler(self) -> Reconciler:
        return Reconciler(
            SqlEffectLedger(self.platform.db, self.platform.clock),
            self.platform.clock,
            [build_handler(self.platform, kind, self.options) for kind in CONSUMER_KINDS],
            retention_days=self.settings.retention_days,
            batch_size=self.options.reconcile_batch_size,
        )

    def reconcile_worker(self) -> Worker:
        interval = self.options.reconcile_interval_seconds
        interval = interval or self.settings.reconcile_interval_seconds
        grace = self.options.reconcile_grace_seconds
        lease = SqlLease(
            self.platform.db,
            self.platform.clock,
            RECONCILER,
            f"reconciler@{worker_identity(self.settings)}",
            max(30.0, 3 * interval),
        )
        return ReconcileWorker(
            self.reconciler(),
            lease,
            interval_seconds=interval,
            grace_seconds=self.settings.reconcile_grace_seconds if grace is None else grace,
        )

    def consumer(self, kind: str) -> Worker:
        handler = build_handler(self.platform, kind, self.options)
        consumer: KafkaEventConsumer | BatchingKafkaEventConsumer | EmbeddedLogConsumer
        topics = [self.options.topic_prefix + topic for topic in handler.topics]
        # Test options (and operators' overrides) win over the settings' group membership.
        overrides = {**group_settings(self.settings, kind), **self.options.consumer_overrides}
        if self.bootstrap is not None and isinstance(handler, AnalyticsHandler):
            # Offsets move only after the facts are stored, so inserts can be large; a flush
            # costs the embedded store ~90 ms of CPU whatever its size, so a poll gathers
            # events for the handler's max delay (not 250 ms): about half as many flushes.
            consumer = BatchingKafkaEventConsumer(
                self.bootstrap,
                group_id(kind),
                topics,
                handler,
                batch_size=self.options.analytics_batch_size,
                poll_timeout_seconds=self.options.analytics_max_delay_seconds,
                max_attempts=self.max_attempts,
                backoff_base_seconds=self.options.backoff_base_seconds,
                backoff_max_seconds=self.options.backoff_max_seconds,
                consumer_overrides=overrides,
                stop_grace_seconds=self.options.stop_grace_seconds,
                security=self.security,
                event_types=handler.event_types,
            )
        elif self.bootstrap is not None:
            consumer = KafkaEventConsumer(
                self.bootstrap,
                group_id(kind),
                topics,
                handler,
                max_attempts=self.max_attempts,
                backoff_base_seconds=self.options.backoff_base_seconds,
                backoff_max_seconds=self.options.backoff_max_seconds,
                consumer_overrides=overrides,
                stop_grace_seconds=self.options.stop_grace_seconds,
                security=self.security,
                # Every consumer reads the whole order topic; ones it ignores stay undecoded.
                event_types=handler.event_types,
            )
        else:
            lazy = kind == ANALYTICS  # not on any display's path: batches a second's events
            wakeup = None if lazy else asyncio.Event()
            if wakeup is not None:
                self.wakeups.append(wakeup)
            consumer = EmbeddedLogConsumer(
                self.platform.db,
                self.platform.clock,
                kind,
                handler.topics,
                handler,
                max_attempts=self.max_attempts,
                backoff_base_seconds=self.options.backoff_base_seconds,
                backoff_max_seconds=self.options.backoff_max_seconds,
                batch_size=self.options.consumer_batch_size,
                poll_interval=self.options.consumer_idle_seconds,
                wakeup=wakeup,
                # Tickets are made here: the kitchen's display waits on no other consumer.
                urgent=kind == KITCHEN,
                lazy=lazy,
            )
        return _Named(kind, consumer, handler)


class _Named:
    """A consumer under its worker name, with its handler's counters next to its own."""

    def __init__(
        self,
        name: str,
        consumer: KafkaEventConsumer | BatchingKafkaEventConsumer | EmbeddedLogConsumer,
        handler: Any,
    ) -> None:
        self.name = name
        self.consumer = consumer
        self.handler = handler

    @property
    def stats(self) -> Any:
        return self.consumer.stats

    async def run(self) -> None:
        await self.consumer.run()

    def stop(self) -> None:
        self.consumer.stop()


async def prepare_transport(platform: Platform, options: PipelineOptions | None = None) -> None:
    """Distributed mode: create the topics (and their dead-letter topics) that are missing."""
    options = options or PipelineOptions()
    settings = platform.settings
    if settings.kafka_brokers:
        await ensure_topics(
            parse_bootstrap(settings.kafka_brokers),
            [options.topic_prefix + topic for topic in TOPICS],
            partitions=settings.kafka_topic_partitions,
            replication=settings.kafka_replication_factor,
            security=KafkaSecurity.from_settings(settings),
        )


async def build_workers(
    platform: Platform, kinds: Iterable[str], options: PipelineOptions | None = None
) -> Workers:
    """The workers of ``kinds`` (see :func:`expand_kinds`) for the configured mode, not yet
    started; the transport is prepared first."""
    options = options or PipelineOptions()
    await prepare_transport(platform, options)
    pipeline = _Pipeline(platform, options)
    return Workers(
        [pipeline.spec(kind) for kind in expand_kinds(kinds)],
        grace_seconds=options.stop_grace_seconds + 5.0,
    )


async def reconcile_now(
    platform: Platform,
    *,
    grace_seconds: float | None = None,
    full: bool = False,
    options: PipelineOptions | None = None,
) -> ReconcileReport:
    """One reconcile run now (``restman events reconcile``), without the lease: running beside
    the scheduled reconciler is safe, since every re-applied event takes effect once. Analytics
    facts are stored before it returns."""
    pipeline = _Pipeline(platform, options or PipelineOptions())
    grace = platform.settings.reconcile_grace_seconds if grace_seconds is None else grace_seconds
    return await pipeline.reconciler().run_once(grace_seconds=grace, full=full)


async def _settled(platform: Platform) -> bool:
    """Embedded mode: every outbox row is published and every consumer has read past it."""
    async with platform.db.engine.connect() as conn:
        pending = await conn.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        )
        last = await conn.scalar(select(func.coalesce(func.max(outbox.c.log_seq), 0)))
        rows = await conn.execute(
            select(consumer_positions.c.consumer, consumer_positions.c.position)
        )
        positions: dict[str, int] = {str(name): int(pos) for name, pos in rows}
    return not pending and all(positions.get(kind, 0) >= (last or 0) for kind in CONSUMER_KINDS)


async def drain(platform: Platform, *, timeout_seconds: float = 60.0) -> None:
    """Run every embedded worker until the outbox is published and every consumer has handled
    everything (including the events the consumers themselves wrote), then stop them. For
    programs that embed RestMan and tests; ``restman serve`` runs the workers continuously.
    Raises ConfigurationError in distributed mode and Unavailable when not settled in time."""
    if is_distributed(platform):
        raise ConfigurationError("draining is for embedded mode; run `restman worker all`")
    workers = await build_workers(platform, (*CONSUMER_KINDS, RELAY))
    workers.start()
    deadline = asyncio.get_running_loop().time() + timeout_seconds
    try:
        calm = 0
        while calm < 2:
            await asyncio.sleep(0.1)
            calm = calm + 1 if await _settled(platform) else 0
            if asyncio.get_running_loop().time() > deadline:
                raise Unavailable("the event pipeline did not settle in time")
    finally:
        workers.stop()
        await workers.wait()
