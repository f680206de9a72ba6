"""Analytics consumer: events become facts in the analytics store, in batches.

Events are turned into facts as they arrive (so a malformed one fails on its own and is retried
and dead-lettered alone) and buffered; :meth:`AnalyticsHandler.flush` writes the buffer with one
insert per fact table and then records the events as processed. The buffer is flushed when it
reaches ``batch_size`` events or its oldest event waited ``max_delay_seconds``, and its
consumer (the embedded log, or the batching Kafka consumer) calls ``flush`` before it moves its
position or commits its offsets, so an event is never acknowledged before its facts are stored.
Duplicates are harmless: the store writes only what it lacks (one live row per fact, see
``docs/analytics.md``), so a redelivered event or a replayed log adds nothing.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from restman_core.domain.analytics import AnalyticsFact
from restman_core.domain.clock import Clock
from restman_core.domain.events import TOPIC_BILL, TOPIC_ORDER, DomainEvent
from restman_core.domain.orders import Order
from restman_core.ports.analytics import AnalyticsStore
from restman_core.ports.events import ReceivedEvent
from restman_core.ports.storage import Database, Transaction
from restman_core.services.pipeline.base import ANALYTICS
from restman_core.services.pipeline.facts import FACT_EVENTS, StatusChangeNeed, facts_of

log = logging.getLogger(__name__)

StoreProvider = Callable[[], Awaitable[AnalyticsStore]]


@dataclass(frozen=True, slots=True)
class _Buffered:
    event_id: uuid.UUID
    made: list[AnalyticsFact] | StatusChangeNeed


class AnalyticsHandler:
    name = ANALYTICS
    topics: tuple[str, ...] = (TOPIC_ORDER, TOPIC_BILL)

    def __init__(
        self,
        db: Database,
        clock: Clock,
        store: StoreProvider,
        *,
        batch_size: int = 500,
        max_delay_seconds: float = 1.0,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._db = db
        self._clock = clock
        self._store = store
        self._batch_size = batch_size
        self._max_delay = max_delay_seconds
        self._buffer: list[_Buffered] = []
        self._first_at = 0.0
        self.recorded_events = 0
        self.recorded_facts = 0

    @property
    def event_types(self) -> frozenset[str]:
        """The event types that become facts (and are recorded as processed once stored)."""
        return FACT_EVENTS

    def applies_to(self, event: DomainEvent) -> bool:
        """Whether ``event`` becomes facts and a processed record."""
        return event.event_type in FACT_EVENTS

    @property
    def buffered(self) -> int:
        """Events waiting for the next flush."""
        return len(self._buffer)

    async def __call__(self, received: ReceivedEvent) -> None:
        event = received.event
        if event.event_type not in FACT_EVENTS:
            return
        made = facts_of(event)
        if not self._buffer:
            self._first_at = time.monotonic()
        self._buffer.append(_Buffered(event.event_id, made))
        waited = time.monotonic() - self._first_at
        if len(self._buffer) >= self._batch_size or waited >= self._max_delay:
            try:
                await self.flush()
            except Exception as exc:  # the event is buffered; see _flush_later
                self._flush_later(exc)

    def _flush_later(self, exc: Exception) -> None:
        """An early flush failed: the event is already buffered, so it must not fail too
        (a retry would buffer it twice, and an outage of the store would dead-letter good
        events). Its consumer flushes before it moves on, retrying until the store takes it."""
        log.warning("analytics flush deferred (%d events buffered): %s", len(self._buffer), exc)

    async def flush(self) -> None:
        """Store the buffered facts, then record their events as processed. On failure the
        buffer is kept, so calling again retries the whole batch (which is idempotent)."""
        if not self._buffer:
            return
        batch = list(self._buffer)
        facts = await self._complete(batch)
        store = await self._store()
        await store.record(facts)
        await self._db.run(lambda tx: self._mark(tx, batch))
        del self._buffer[: len(batch)]
        self.recorded_events += len(batch)
        self.recorded_facts += len(facts)

    async def _complete(self, batch: Sequence[_Buffered]) -> list[AnalyticsFact]:
        needs = [b.made for b in batch if isinstance(b.made, StatusChangeNeed)]
        orders: dict[uuid.UUID, Order] = {}
        if needs:
            orders = await self._db.run(lambda tx: _orders(tx, {n.order_id for n in needs}))
        facts: list[AnalyticsFact] = []
        for buffered in batch:
            made = buffered.made
            if not isinstance(made, StatusChangeNeed):
                facts.extend(made)
            elif made.order_id in orders:
                facts.extend(made.facts(orders[made.order_id]))
            else:
                log.warning("order %s is gone; its status change is not recorded", made.order_id)
        return facts

    async def _mark(self, tx: Transaction, batch: Sequence[_Buffered]) -> None:
        await tx.processed.mark_many(self.name, [b.event_id for b in batch], self._clock.now())


async def _orders(tx: Transaction, ids: set[uuid.UUID]) -> dict[uuid.UUID, Order]:
    return dict(await tx.orders.get_many(ids))
