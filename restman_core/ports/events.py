"""Domain events in motion: publishing them to the event log and handing them to consumers.

Two transports implement these ports. In distributed mode the outbox relay publishes to Kafka
through an :class:`EventPublisher` and worker processes consume with an :class:`EventConsumer`.
In embedded mode the outbox table itself is the log and events are dispatched in-process. Either
way a consumer sees every event at least once, so every :class:`EventHandler` must be
idempotent (consumers dedupe by ``event.event_id``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from restman_core.domain.events import DomainEvent


class EventPublisher(Protocol):
    """Hands committed outbox events to the event log."""

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Publish ``events`` and return only once the log has durably accepted EVERY one.

        Events that share a ``key`` are appended in the order given. Raises
        :class:`restman_core.errors.Unavailable` when any event could not be delivered in
        time; some of the others may have been appended, so the caller retries the whole
        batch and consumers drop the duplicates by event id.
        """
        ...

    async def close(self) -> None:
        """Deliver what is still in flight (bounded wait) and release the connection."""
        ...


@dataclass(frozen=True, slots=True)
class ReceivedEvent:
    """One delivery of an event to a handler.

    ``topic``/``partition``/``offset`` say where the event sits in the log (embedded mode uses
    the event's topic, partition 0 and the outbox position). ``attempt`` counts from 1 and
    grows each time the same delivery is retried after the handler failed. ``headers`` are
    the transport's message headers, decoded as text (empty when the transport has none).
    """

    event: DomainEvent
    topic: str
    partition: int
    offset: int
    attempt: int = 1
    headers: Mapping[str, str] = field(default_factory=dict)


class EventHandler(Protocol):
    """Reacts to one event. Returning means done; raising means "failed, try again".

    A handler must be idempotent: the same event may arrive more than once (after a retry, a
    crash or a rebalance), and it must take effect once.
    """

    async def __call__(self, received: ReceivedEvent, /) -> None: ...


class EventConsumer(Protocol):
    """Feeds events from the log to one handler until stopped."""

    async def run(self) -> None:
        """Consume until :meth:`stop` is called; return after releasing the log cleanly."""
        ...

    def stop(self) -> None:
        """Ask :meth:`run` to finish. Safe from a signal handler, another task or thread."""
        ...
