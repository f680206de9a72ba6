"""Operators' use cases on dead letters: list, show, replay, purge (admins only).

Replaying feeds the event to its consumer's own handler, which records processed event ids in
the same transaction as the effect: an event applied meanwhile (by the reconciler) is a no-op,
so replaying is always safe. On success the dead letter is removed; on failure it stays, with
attempts + 1 and the new error. An outage (:class:`Unavailable`) is not a failed attempt: it is
raised and the dead letter is left as it was.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from restman_core.domain.access import Actor, Role
from restman_core.domain.clock import Clock
from restman_core.errors import InvalidInput, NotFound, Unavailable
from restman_core.ports.dead_letters import DeadLetterRecord, DeadLetterStore
from restman_core.ports.events import ReceivedEvent
from restman_core.services.access import require_role
from restman_core.services.pipeline.base import CONSUMERS, PipelineHandler

log = logging.getLogger(__name__)
NOT_FOUND = "Dead letter not found"
HandlerFactory = Callable[[str], PipelineHandler]


@dataclass(frozen=True, slots=True)
class ReplayOutcome:
    """``replayed`` True: the handler applied it (or had already) and the dead letter is gone;
    False: it failed again and ``letter`` is the dead letter as it now stands."""

    replayed: bool
    letter: DeadLetterRecord


async def feed(handler: PipelineHandler, received: ReceivedEvent) -> None:
    """Hand one event to a handler and make its effect durable before returning (a batching
    handler is flushed)."""
    await handler(received)
    flush = getattr(handler, "flush", None)
    if flush is not None:
        await flush()


class DeadLetterService:
    """See the module docstring. ``handler_for(consumer)`` builds that consumer's handler."""

    def __init__(self, store: DeadLetterStore, clock: Clock, handler_for: HandlerFactory) -> None:
        self._store = store
        self._clock = clock
        self._handler_for = handler_for

    async def list(
        self,
        actor: Actor,
        *,
        consumer: str | None = None,
        limit: int = 50,
        before: datetime | None = None,
    ) -> list[DeadLetterRecord]:
        """Newest first; ``before`` a failed_at cursor. InvalidInput for an unknown consumer."""
        require_role(actor, Role.ADMIN)
        if consumer is not None and consumer not in CONSUMERS:
            raise InvalidInput(
                f"unknown consumer {consumer!r}; choose from {', '.join(CONSUMERS)}",
                details={"field": "consumer"},
            )
        return await self._store.page(consumer, limit, before)

    async def show(self, actor: Actor, consumer: str, event_id: uuid.UUID) -> DeadLetterRecord:
        require_role(actor, Role.ADMIN)
        letter = await self._store.get(consumer, event_id)
        if letter is None:
            raise NotFound(NOT_FOUND)
        return letter

    async def count(self) -> int:
        """How many dead letters there are (readiness reports it)."""
        return await self._store.count()

    async def replay(self, actor: Actor, consumer: str, event_id: uuid.UUID) -> ReplayOutcome:
        letter = await self.show(actor, consumer, event_id)
        handler = self._handler_for(consumer)
        received = ReceivedEvent(letter.event, letter.topic, 0, letter.log_seq, letter.attempts + 1)
        try:
            await feed(handler, received)
        except Unavailable:
            raise
        except Exception as exc:  # the cause is not fixed yet: keep it, one attempt more
            error = f"{type(exc).__name__}: {exc}"
            log.warning("replay of %s failed again: %s", letter.id, error)
            await self._store.failed_again(consumer, event_id, error, self._clock.now())
            return ReplayOutcome(False, await self.show(actor, consumer, event_id))
        await self._store.remove(consumer, event_id)
        log.info("dead letter %s replayed", letter.id)
        return ReplayOutcome(True, letter)

    async def purge(self, actor: Actor, consumer: str, event_id: uuid.UUID) -> None:
        """Forget the dead letter (its effect stays missing); NotFound when there is none."""
        require_role(actor, Role.ADMIN)
        if not await self._store.remove(consumer, event_id):
            raise NotFound(NOT_FOUND)
