"""Sending messages that cannot be processed to ``<topic>.dlq``."""

from __future__ import annotations

import asyncio
import logging

from restman_core.adapters.kafka.config import PLAINTEXT, KafkaSecurity, producer_config
from restman_core.adapters.kafka.delivery import DeliveringProducer, OutgoingRecord
from restman_core.adapters.kafka.headers import (
    DeadLetterCause,
    Headers,
    dead_letter_headers,
    dlq_topic,
)
from restman_core.adapters.kafka.retry import Backoff, finish_unless_stopped, wait_unless_stopped
from restman_core.errors import Unavailable

logger = logging.getLogger(__name__)


class DeadLetterSender:
    """Appends given-up messages to ``<topic>.dlq`` with their original key, value and
    headers plus ``dlq.*`` headers naming the cause (see :mod:`.headers`)."""

    def __init__(
        self,
        bootstrap: str,
        client_id: str,
        *,
        delivery_timeout_seconds: float,
        backoff: Backoff,
        stop_grace_seconds: float,
        security: KafkaSecurity = PLAINTEXT,
    ) -> None:
        config = producer_config(
            bootstrap,
            f"{client_id}-dlq",
            delivery_timeout_seconds=delivery_timeout_seconds,
            security=security,
        )
        self._producer = DeliveringProducer(config)
        self._backoff = backoff
        self._grace_seconds = stop_grace_seconds

    async def send(
        self,
        key: bytes | None,
        value: bytes,
        headers: Headers,
        cause: DeadLetterCause,
        stopped: asyncio.Event,
    ) -> bool:
        """Append the dead letter, retrying (with backoff) while the broker is unavailable.

        Returns True once it is acknowledged, False if ``stopped`` was set first (a delivery
        in flight gets the stop grace to finish): the original offset must then stay unstored,
        since skipping it would lose the message. An abandoned delivery may still land, so a
        redelivered message can be dead-lettered twice.
        """
        record = OutgoingRecord(
            topic=dlq_topic(cause.topic),
            key=key,
            value=value,
            headers=dead_letter_headers(headers, cause),
        )
        failures = 0
        while not stopped.is_set():
            delivery = asyncio.ensure_future(self._producer.deliver([record]))
            if not await finish_unless_stopped(delivery, stopped, self._grace_seconds):
                return False
            try:
                delivery.result()
            except Unavailable:
                failures += 1
                logger.warning(
                    "Dead letter for %s[%d]@%d not delivered (try %d); retrying",
                    cause.topic,
                    cause.partition,
                    cause.offset,
                    failures,
                )
                if not await wait_unless_stopped(stopped, self._backoff.delay(failures)):
                    return False
                continue
            return True
        return False

    async def close(self) -> None:
        """Release the dead-letter producer."""
        await self._producer.close()
