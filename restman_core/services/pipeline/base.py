"""What every pipeline handler shares: the consumer names, and the unit of work that applies an
event's effect and records the event as processed in the SAME transaction.

A handler is called with every event of its topics (at least once each). It ignores event types
it does not handle, and for the ones it does it runs one transaction that first records
``(consumer, event_id)`` in ``processed_events``: when that record already exists the event was
applied before (a redelivery) and the transaction does nothing else. Raising means "failed, try
again": :class:`~restman_core.errors.Unavailable` (an outage) is retried for as long as it lasts,
anything else is retried a few times and then dead-lettered.

A consumer may also hand a whole poll to :meth:`TransactionalHandler.handle_batch`: one
transaction records every event of the batch with one multi-row statement and applies the
effects of those not seen before, in order. It commits whole or not at all, so when it raises
the consumer hands the same events over one by one (each with its own retries and dead letter),
and exactly-once holds either way. A handler may give an event type a batch effect too: a run of
consecutive fresh events of that type in a batch is then applied with one call (multi-row
statements instead of a few per event). A batch effect must leave the database as the type's
effect applied to each event of the run in turn would; the one-by-one path always uses the
single effect.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from restman_core.domain.clock import Clock
from restman_core.domain.events import DomainEvent
from restman_core.ports.events import ReceivedEvent
from restman_core.ports.storage import Database, Transaction

log = logging.getLogger(__name__)

# Consumer names: the processed_events/consumer_positions key in embedded mode, and (prefixed
# with "restman-") the Kafka consumer group in distributed mode.
KITCHEN = "kitchen"
BILLING = "billing"
ORDERS = "orders"
NOTIFICATIONS = "notifications"
ANALYTICS = "analytics"
CONSUMERS = (KITCHEN, BILLING, ORDERS, NOTIFICATIONS, ANALYTICS)


def group_id(consumer: str) -> str:
    """The Kafka consumer group of a consumer."""
    return f"restman-{consumer}"


class PipelineHandler(Protocol):
    """A handler plus what a consumer needs to know to feed it, and what the reconciler needs
    to know to check it: an event ``applies_to`` the handler exactly when handling it records
    ``(name, event_id)`` in ``processed_events``; ``event_types`` holds every type that may."""

    name: str
    topics: tuple[str, ...]

    @property
    def event_types(self) -> frozenset[str]: ...

    def applies_to(self, event: DomainEvent) -> bool: ...

    async def __call__(self, received: ReceivedEvent) -> None: ...


Effect = Callable[[Transaction, DomainEvent], Awaitable[None]]
BatchEffect = Callable[[Transaction, Sequence[DomainEvent]], Awaitable[None]]


class TransactionalHandler:
    """Applies ``effects[event_type]`` once per event id, in one transaction with the mark."""

    name: str = ""
    topics: tuple[str, ...] = ()

    def __init__(
        self,
        db: Database,
        clock: Clock,
        effects: dict[str, Effect],
        batch_effects: dict[str, BatchEffect] | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._effects = effects
        self._batch_effects = batch_effects or {}
        self.applied = 0
        self.duplicates = 0

    @property
    def event_types(self) -> frozenset[str]:
        """The event types this handler applies (and records as processed)."""
        return frozenset(self._effects)

    def applies_to(self, event: DomainEvent) -> bool:
        """Whether handling ``event`` records it as processed."""
        return event.event_type in self._effects

    async def __call__(self, received: ReceivedEvent) -> None:
        event = received.event
        effect = self._effects.get(event.event_type)
        if effect is None:
            return

        async def work(tx: Transaction) -> bool:
            if not await tx.processed.mark(self.name, event.event_id, self._clock.now()):
                return False
            await effect(tx, event)
            return True

        if await self._db.run(work):
            self.applied += 1
        else:
            self.duplicates += 1
            log.debug("%s skipped duplicate %s %s", self.name, event.event_type, event.event_id)

    async def handle_batch(self, batch: Sequence[ReceivedEvent]) -> None:
        """Apply every event of ``batch`` in ONE transaction (see the module docstring); events
        of other types are ignored. Raises whatever the first failing effect raised, and then
        nothing of the batch is committed."""
        events = [r.event for r in batch if r.event.event_type in self._effects]
        if not events:
            return

        async def work(tx: Transaction) -> int:
            fresh = await tx.processed.mark_many(
                self.name, [e.event_id for e in events], self._clock.now()
            )
            todo = []
            for event in events:
                if event.event_id in fresh:
                    fresh.discard(event.event_id)  # an id twice in one batch applies once
                    todo.append(event)
            await self._apply_in_runs(tx, todo)
            return len(todo)

        applied = await self._db.run(work)
        self.applied += applied
        self.duplicates += len(events) - applied

    async def _apply_in_runs(self, tx: Transaction, events: Sequence[DomainEvent]) -> None:
        """Apply ``events`` in order: each run of consecutive events of one type that has a
        batch effect with one call, every other event with its own effect."""
        start = 0
        while start < len(events):
            kind = events[start].event_type
            end = start + 1
            batch_effect = self._batch_effects.get(kind)
            if batch_effect is None:
                await self._effects[kind](tx, events[start])
            else:
                while end < len(events) and events[end].event_type == kind:
                    end += 1
                await batch_effect(tx, events[start:end])
            start = end
