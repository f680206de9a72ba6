"""A Kafka consumer for batching handlers (analytics): offsets move only after a flush.

:class:`KafkaEventConsumer` stores each message's offset as soon as its handler returns, which
suits handlers whose effect is committed when they return. A batching handler (one with an
``async flush()``, like the analytics handler, whose store wants large inserts) only buffers
the event. This consumer takes up to ``batch_size`` messages at a time, hands each to the
handler (retrying with backoff and dead-lettering to ``<topic>.dlq`` like the other consumer),
then calls ``flush`` (retrying until it works or the consumer stops) and only then stores and
commits the offsets of the batch. A crash before the commit redelivers the batch; the handler
tolerates duplicates. Nothing is buffered across a poll, so a rebalance never strands events.

A poll returns once ``batch_size`` messages have arrived or ``poll_timeout_seconds`` have
passed, so a flush holds what arrived in up to that long: the window bounds both how stale the
handler's store may be and how often it is written (and how long :meth:`stop` may wait).
With ``event_types`` given, messages of other types (by their ``event_type`` header) are passed
over undecoded, as :class:`KafkaEventConsumer` does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Message

from restman_core.adapters.kafka.config import (
    DEFAULT_CLIENT_ID,
    PLAINTEXT,
    KafkaSecurity,
    consumer_config,
)
from restman_core.adapters.kafka.consumer import open_subscribed
from restman_core.adapters.kafka.dead_letter import DeadLetterSender
from restman_core.adapters.kafka.headers import (
    REASON_HANDLER_FAILED,
    REASON_MALFORMED,
    DeadLetterCause,
    passed_over,
    raw_headers,
    text_headers,
)
from restman_core.adapters.kafka.metrics import ConsumerStats, StatsRecorder
from restman_core.adapters.kafka.offsets import commit_and_close, message_position, store_offsets
from restman_core.adapters.kafka.retry import Backoff, wait_unless_stopped
from restman_core.domain.events import DomainEvent
from restman_core.errors import ConfigurationError, Unavailable
from restman_core.ports.events import EventHandler, ReceivedEvent

logger = logging.getLogger(__name__)


class BatchingKafkaEventConsumer:
    """Implements :class:`restman_core.ports.events.EventConsumer` for a handler with
    ``async flush()``; see the module docstring."""

    def __init__(
        self,
        bootstrap: str,
        group_id: str,
        topics: Sequence[str],
        handler: EventHandler,
        *,
        batch_size: int = 500,
        max_attempts: int = 5,
        backoff_base_seconds: float = 0.5,
        backoff_max_seconds: float = 30.0,
        consumer_overrides: Mapping[str, Any] | None = None,
        client_id: str = DEFAULT_CLIENT_ID,
        poll_timeout_seconds: float = 0.25,
        dlq_delivery_timeout_seconds: float = 30.0,
        stop_grace_seconds: float = 5.0,
        security: KafkaSecurity = PLAINTEXT,
        event_types: frozenset[str] | None = None,
    ) -> None:
        flush: Callable[[], Awaitable[None]] | None = getattr(handler, "flush", None)
        if flush is None:
            raise ConfigurationError("A batching consumer needs a handler with flush().")
        if max_attempts < 1 or batch_size < 1 or not topics:
            raise ConfigurationError("A consumer needs topics, attempts and a batch size.")
        self._config = consumer_config(
            bootstrap, client_id, group_id, consumer_overrides, security=security
        )
        self._group = group_id
        self._topics = list(topics)
        self._handler = handler
        self._flush = flush
        self._batch_size = batch_size
        self._wanted = event_types
        self._max_attempts = max_attempts
        self._backoff = Backoff(backoff_base_seconds, backoff_max_seconds)
        self._poll_seconds = poll_timeout_seconds
        self._dead_letters = DeadLetterSender(
            bootstrap,
            client_id,
            delivery_timeout_seconds=dlq_delivery_timeout_seconds,
            backoff=self._backoff,
            stop_grace_seconds=stop_grace_seconds,
            security=security,
        )
        self._recorder = StatsRecorder(group_id, None)
        self._stopped = asyncio.Event()
        self._executor: ThreadPoolExecutor | None = None

    @property
    def stats(self) -> ConsumerStats:
        return self._recorder.stats

    def stop(self) -> None:
        """Ask :meth:`run` to finish (from the event loop's thread)."""
        self._stopped.set()

    async def run(self) -> None:
        """Consume until stopped; then commit what was flushed and leave the group."""
        if self._executor is not None:
            raise RuntimeError("This consumer has already run.")
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"kafka-{self._group}")
        try:
            consumer = await self._blocking(self._open)
            try:
                while not self._stopped.is_set():
                    if not await self._batch(consumer):
                        break
            finally:
                await self._blocking(commit_and_close, consumer)
        finally:
            self._executor.shutdown(wait=False)
            await self._dead_letters.close()

    async def _blocking(self, call: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, call, *args)

    def _open(self) -> Consumer:
        return open_subscribed(self._config, self._topics, f"Batching consumer {self._group}")

    async def _batch(self, consumer: Consumer) -> bool:
        """One poll: hand over, flush, store and commit. False when stopped part way."""
        messages: list[Message] = await self._blocking(
            consumer.consume, self._batch_size, self._poll_seconds
        )
        done: list[Message] = []
        complete = True
        for message in messages:
            error = message.error()
            if error is not None:
                if error.fatal():
                    raise Unavailable("The event broker client failed.")
                if error.code() != KafkaError._PARTITION_EOF:
                    logger.warning("Kafka consumer %s: %s", self._group, error)
                continue
            if not await self._handle(message):
                complete = False
                break
            done.append(message)
        if done and await self._flushed():
            lags = await self._blocking(store_offsets, consumer, done)
            for (topic, partition), behind in lags.items():
                if behind is not None:
                    self._recorder.lag(topic, partition, behind)
            await self._blocking(_commit, consumer)
        elif done:
            complete = False
        return complete

    async def _handle(self, message: Message) -> bool:
        """Hand one message to the handler with retries; True when it is done with (buffered
        or dead-lettered, or passed over), False when abandoned on stop."""
        topic, partition, offset = message_position(message)
        if passed_over(message.headers(), self._wanted):
            self._recorder.count("processed", topic, partition)
            return True
        headers = raw_headers(message.headers())
        try:
            event = DomainEvent.from_bytes(message.value() or b"")
        except ValueError as exc:
            cause = DeadLetterCause(topic, partition, offset, str(exc), 0, REASON_MALFORMED)
            return await self._give_up(message, cause)
        error, attempt, outages = "", 1, 0
        while attempt <= self._max_attempts:
            received = ReceivedEvent(
                event, topic, partition, offset, attempt, text_headers(headers)
            )
            try:
                await self._handler(received)
            except Unavailable as exc:  # an outage: waited out, never dead-lettered
                outages += 1
                self._recorder.count("failed_attempt", topic, partition)
                logger.warning("Handler waits for an outage (%d): %s", outages, exc)
                if not await wait_unless_stopped(self._stopped, self._backoff.delay(outages)):
                    return False
                continue
            except Exception as exc:  # retried, then dead-lettered
                error = f"{type(exc).__name__}: {exc}"
                self._recorder.count("failed_attempt", topic, partition)
                logger.warning(
                    "Handler failed on %s (attempt %d): %s", event.event_id, attempt, error
                )
                if attempt < self._max_attempts and not await wait_unless_stopped(
                    self._stopped, self._backoff.delay(attempt)
                ):
                    return False
                attempt += 1
                continue
            self._recorder.count("processed", topic, partition)
            return True
        cause = DeadLetterCause(
            topic, partition, offset, error, self._max_attempts, REASON_HANDLER_FAILED
        )
        return await self._give_up(message, cause)

    async def _give_up(self, message: Message, cause: DeadLetterCause) -> bool:
        headers = raw_headers(message.headers())
        sent = await self._dead_letters.send(
            message.key(), message.value() or b"", headers, cause, self._stopped
        )
        if sent:
            self._recorder.count("dead_lettered", cause.topic, cause.partition)
            logger.error(
                "Sent %s[%d]@%d to the dead-letter topic: %s",
                cause.topic,
                cause.partition,
                cause.offset,
                cause.error,
            )
        return sent

    async def _flushed(self) -> bool:
        failures = 0
        while True:
            try:
                await self._flush()
                return True
            except Exception as exc:  # the batch stays buffered; flushing again is safe
                failures += 1
                logger.warning("Consumer %s: flush failed (%d): %s", self._group, failures, exc)
                if not await wait_unless_stopped(self._stopped, self._backoff.delay(failures)):
                    return False


def _commit(consumer: Consumer) -> None:
    try:
        consumer.commit(asynchronous=False)
    except KafkaException as exc:
        error = exc.args[0] if exc.args else None
        if not (isinstance(error, KafkaError) and error.code() == KafkaError._NO_OFFSET):
            logger.warning("Offset commit failed: %s", exc)
