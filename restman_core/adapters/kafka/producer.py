"""The Kafka implementation of :class:`restman_core.ports.events.EventPublisher`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from restman_core.adapters.kafka.config import (
    DEFAULT_CLIENT_ID,
    PLAINTEXT,
    KafkaSecurity,
    producer_config,
)
from restman_core.adapters.kafka.delivery import DeliveringProducer, OutgoingRecord
from restman_core.adapters.kafka.headers import event_headers
from restman_core.domain.events import DomainEvent
from restman_core.errors import Unavailable


class KafkaEventPublisher:
    """Publishes events to their topics (``event.topic``), keyed by ``event.key``.

    The message value is ``event.to_bytes()``; headers carry the event id, type and schema
    version. The producer is idempotent with acks=all, so events with one key land on one
    partition in the order given even when librdkafka retries internally. :meth:`publish`
    raises :class:`restman_core.errors.Unavailable` when any event is not acknowledged within
    ``delivery_timeout_seconds``. ``topic_prefix`` namespaces every topic (for clusters shared
    between environments): an event for ``order.events`` goes to ``<prefix>order.events``.
    ``security`` is how the client logs in and encrypts (plaintext by default).

    After a failed publish the client is rebuilt (see :class:`DeliveringProducer`) and, before
    the next attempt, ``prepare`` runs if given: the relay passes topic creation, because a
    broker that restarted empty (or a new cluster behind the same address) may lack the topics.
    """

    def __init__(
        self,
        bootstrap: str,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        delivery_timeout_seconds: float = 30.0,
        linger_ms: int = 5,
        producer_overrides: Mapping[str, Any] | None = None,
        topic_prefix: str = "",
        security: KafkaSecurity = PLAINTEXT,
        prepare: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        config = producer_config(
            bootstrap,
            client_id,
            delivery_timeout_seconds=delivery_timeout_seconds,
            linger_ms=linger_ms,
            overrides=producer_overrides,
            security=security,
        )
        self._producer = DeliveringProducer(config)
        self._topic_prefix = topic_prefix
        self._prepare = prepare
        self._failed = False

    @property
    def rebuilds(self) -> int:
        """How many times the client was rebuilt after a failed delivery."""
        return self._producer.rebuilds

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """See :meth:`restman_core.ports.events.EventPublisher.publish`."""
        records = [
            OutgoingRecord(
                topic=self._topic_prefix + event.topic,
                key=str(event.key).encode(),
                value=event.to_bytes(),
                headers=event_headers(event),
            )
            for event in events
        ]
        if self._failed and self._prepare is not None:
            await self._prepare()
        try:
            await self._producer.deliver(records)
        except Unavailable:
            self._failed = True
            raise
        self._failed = False

    async def close(self) -> None:
        """Deliver what is in flight (up to 5 s) and release the client."""
        await self._producer.close()
