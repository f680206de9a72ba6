"""The Kafka implementation of :class:`restman_core.ports.events.EventConsumer`.

Delivery is at least once: a message's offset is stored (``offset + 1``) only after its
handler succeeded or it was dead-lettered, and librdkafka's auto-commit commits stored offsets
only. Messages are handled in partition order. Every blocking client call runs on one
dedicated thread per consumer, so the event loop never waits on the broker.

A handler with ``async handle_batch(events)`` (a transactional handler) gets everything a poll
returned (up to ``batch_size`` messages already fetched) in one call, one transaction; the
offsets are stored once it returned. When it raises, nothing of it was committed, and the same
messages go one at a time through the retries and dead letters below.

With ``event_types`` given, a message whose ``event_type`` header names another type is passed
over undecoded: the handler would ignore it, so its offset is stored as if it had returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Message

from restman_core.adapters.kafka.config import (
    DEFAULT_CLIENT_ID,
    PLAINTEXT,
    KafkaSecurity,
    consumer_config,
)
from restman_core.adapters.kafka.dead_letter import DeadLetterSender
from restman_core.adapters.kafka.headers import (
    REASON_HANDLER_FAILED,
    REASON_MALFORMED,
    DeadLetterCause,
    Headers,
    passed_over,
    raw_headers,
    text_headers,
)
from restman_core.adapters.kafka.metrics import ConsumerStats, MetricObserver, StatsRecorder
from restman_core.adapters.kafka.offsets import (
    commit_and_close,
    message_position,
    store_offset,
    store_offsets,
)
from restman_core.adapters.kafka.retry import Backoff, finish_unless_stopped, wait_unless_stopped
from restman_core.domain.events import DomainEvent
from restman_core.errors import ConfigurationError, Unavailable
from restman_core.ports.events import EventHandler, ReceivedEvent

logger = logging.getLogger(__name__)


class KafkaEventConsumer:
    """Feeds the events of ``topics`` to ``handler`` as member of consumer group ``group_id``.

    A failing handler is retried in place, waiting ``backoff_base_seconds * 2**(n-1)`` (at
    most ``backoff_max_seconds``) after failure n. After ``max_attempts`` failures, or at once
    for bytes that are not a valid event, the message goes to ``<topic>.dlq`` (or, with
    ``dlq=False``, is logged and dropped) and consumption moves on. A handler raising
    :class:`Unavailable` (an outage, not a poison message) is retried for as long as the
    outage lasts without using up attempts. Retries do not poll: an outage longer than
    ``max.poll.interval.ms`` costs the partition (its offset is then not stored, and the next
    owner redelivers the message, which the handler drops as a duplicate).

    :meth:`stop` gives the handler attempt in progress ``stop_grace_seconds`` to finish, then
    cancels it; an abandoned message's offset is not stored, so it is delivered again.
    ``consumer_overrides`` are librdkafka settings (for example ``session.timeout.ms``),
    except the two that keep delivery at least once. ``security`` (plaintext by default)
    applies to the consumer and its dead-letter producer alike.
    """

    def __init__(
        self,
        bootstrap: str,
        group_id: str,
        topics: Sequence[str],
        handler: EventHandler,
        *,
        max_attempts: int = 5,
        backoff_base_seconds: float = 0.5,
        backoff_max_seconds: float = 30.0,
        dlq: bool = True,
        consumer_overrides: Mapping[str, Any] | None = None,
        on_metric: MetricObserver | None = None,
        client_id: str = DEFAULT_CLIENT_ID,
        stop_grace_seconds: float = 5.0,
        poll_timeout_seconds: float = 0.25,
        dlq_delivery_timeout_seconds: float = 30.0,
        security: KafkaSecurity = PLAINTEXT,
        batch_size: int = 200,
        event_types: frozenset[str] | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ConfigurationError("A consumer needs at least one attempt per message.")
        if not topics:
            raise ConfigurationError("A consumer needs at least one topic.")
        self._config = consumer_config(
            bootstrap, client_id, group_id, consumer_overrides, security=security
        )
        self._config["error_cb"] = self._on_client_error
        self._group = group_id
        self._topics = list(topics)
        self._handler = handler
        self._batch: Callable[[Sequence[ReceivedEvent]], Awaitable[None]] | None = getattr(
            handler, "handle_batch", None
        )
        self._batch_size = max(1, batch_size)
        self._wanted = event_types
        self._max_attempts = max_attempts
        self._backoff = Backoff(backoff_base_seconds, backoff_max_seconds)
        self._grace_seconds = stop_grace_seconds
        self._poll_seconds = poll_timeout_seconds
        self._dead_letters = (
            DeadLetterSender(
                bootstrap,
                client_id,
                delivery_timeout_seconds=dlq_delivery_timeout_seconds,
                backoff=self._backoff,
                stop_grace_seconds=stop_grace_seconds,
                security=security,
            )
            if dlq
            else None
        )
        self._recorder = StatsRecorder(group_id, on_metric)
        self._stop_requested = False
        self._fatal: KafkaError | None = None
        self._stopped: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._executor: ThreadPoolExecutor | None = None

    @property
    def stats(self) -> ConsumerStats:
        """Running totals: processed, failed attempts, dead-lettered, dropped, lag."""
        return self._recorder.stats

    def stop(self) -> None:
        """Ask :meth:`run` to finish; safe from a signal handler, another task or thread."""
        self._stop_requested = True
        loop = self._loop
        if loop is not None and not loop.is_closed():
            # The loop may close in between; then run() has ended and nothing is left to stop.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._set_stopped)

    def _set_stopped(self) -> None:
        if self._stopped is not None:
            self._stopped.set()

    async def run(self) -> None:
        """Consume until :meth:`stop`; then commit stored offsets and leave the group.

        A consumer runs once. Raises :class:`Unavailable` if the client hits a fatal error.
        """
        if self._executor is not None:
            raise RuntimeError("This consumer has already run.")
        # Order matters for stop() from another thread: the event exists before the loop is
        # published, and the flag is checked after.
        self._stopped = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        if self._stop_requested:
            self._stopped.set()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"kafka-{self._group}")
        try:
            consumer = await self._blocking(self._open)
            try:
                await self._consume(consumer, self._stopped)
            finally:
                await self._blocking(commit_and_close, consumer)
        finally:
            self._executor.shutdown(wait=False)
            if self._dead_letters is not None:
                await self._dead_letters.close()

    async def _blocking(self, call: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, call, *args)

    def _open(self) -> Consumer:
        return open_subscribed(self._config, self._topics, f"Consumer group {self._group}")

    def _on_client_error(self, error: KafkaError) -> None:
        # Runs on the consumer thread. librdkafka retries connection trouble on its own.
        if error.fatal():
            self._fatal = error
        logger.warning("Kafka consumer %s: %s", self._group, error)

    def _poll(self, consumer: Consumer) -> Message | None:
        try:
            return consumer.poll(self._poll_seconds)
        except KafkaException as exc:
            # poll raises when the client is broken for good; anything else is transient.
            error = exc.args[0] if exc.args and isinstance(exc.args[0], KafkaError) else None
            if error is not None and error.fatal():
                self._fatal = error
            logger.warning("Kafka consumer %s poll failed: %s", self._group, exc)
            return None

    def _poll_many(self, consumer: Consumer) -> list[Message]:
        """One poll, plus (for a batch handler) the messages already fetched behind it."""
        first = self._poll(consumer)
        if first is None or self._batch is None or self._batch_size == 1:
            return [] if first is None else [first]
        try:
            more = consumer.consume(self._batch_size - 1, 0)
        except KafkaException as exc:
            logger.warning("Kafka consumer %s consume failed: %s", self._group, exc)
            more = []
        return [first, *more]

    async def _consume(self, consumer: Consumer, stopped: asyncio.Event) -> None:
        while not stopped.is_set():
            polled: list[Message] = await self._blocking(self._poll_many, consumer)
            if self._fatal is not None:
                raise Unavailable(
                    "The event broker client failed.", details={"error": str(self._fatal)}
                )
            if not polled or stopped.is_set():
                continue
            messages = []
            for message in polled:
                error = message.error()
                if error is not None:
                    logger.warning("Kafka consumer %s: %s", self._group, error)
                else:
                    messages.append(message)
            if len(messages) > 1 and await self._handled_as_batch(messages, stopped):
                await self._store_all(consumer, messages)
                continue
            for message in messages:
                if not await self._handle(message, stopped):
                    return
                await self._store(consumer, message)

    async def _store(self, consumer: Consumer, message: Message) -> None:
        behind = await self._blocking(store_offset, consumer, message)
        if behind is not None:
            self._recorder.lag(message.topic() or "", message.partition() or 0, behind)

    async def _store_all(self, consumer: Consumer, messages: Sequence[Message]) -> None:
        """Store the offsets of a batch that took effect, with one hop to the client's thread."""
        lags = await self._blocking(store_offsets, consumer, messages)
        for (topic, partition), behind in lags.items():
            if behind is not None:
                self._recorder.lag(topic, partition, behind)

    async def _handled_as_batch(self, messages: Sequence[Message], stopped: asyncio.Event) -> bool:
        """All of ``messages`` in one ``handle_batch`` call; False when they must go one at a
        time (it failed or was abandoned, or a message is not an event)."""
        if self._batch is None:
            return False
        batch = []
        for message in messages:
            topic, partition, offset = message_position(message)
            if passed_over(message.headers(), self._wanted):
                self._recorder.count("processed", topic, partition)
                continue
            try:
                event = DomainEvent.from_bytes(message.value() or b"")
            except ValueError:
                return False  # the one-at-a-time path dead-letters it
            headers = text_headers(raw_headers(message.headers()))
            batch.append(ReceivedEvent(event, topic, partition, offset, 1, headers))
        if not batch:
            return True
        work = asyncio.ensure_future(self._batch(batch))
        if not await finish_unless_stopped(work, stopped, self._grace_seconds):
            return False
        failure = _failure_of(work)
        if failure is not None:
            logger.info(
                "Kafka consumer %s: a batch of %d failed (%s); one at a time",
                self._group,
                len(batch),
                failure,
            )
            return False
        for received in batch:
            self._recorder.count("processed", received.topic, received.partition)
        return True

    async def _handle(self, message: Message, stopped: asyncio.Event) -> bool:
        """Process one message; True when its offset may be stored, False if abandoned."""
        topic, partition, offset = message_position(message)
        if passed_over(message.headers(), self._wanted):
            self._recorder.count("processed", topic, partition)
            return True
        headers = raw_headers(message.headers())
        try:
            event = DomainEvent.from_bytes(message.value() or b"")
        except ValueError as exc:
            logger.error("Message %s[%d]@%d is not an event: %s", topic, partition, offset, exc)
            cause = DeadLetterCause(topic, partition, offset, str(exc), 0, REASON_MALFORMED)
            return await self._give_up(message, headers, cause, stopped)
        received = ReceivedEvent(event, topic, partition, offset, 1, text_headers(headers))
        try:
            last_error = await self._attempts(received, stopped)
        except _Abandoned:
            logger.info(
                "Abandoned %s at %s[%d]@%d on stop", event.event_id, topic, partition, offset
            )
            return False
        if last_error is None:
            return True
        cause = DeadLetterCause(
            topic, partition, offset, last_error, self._max_attempts, REASON_HANDLER_FAILED
        )
        return await self._give_up(message, headers, cause, stopped)

    async def _attempts(self, first: ReceivedEvent, stopped: asyncio.Event) -> str | None:
        """Run the handler until it succeeds (None) or ``max_attempts`` failed (the last
        error's text); raises _Abandoned when a stop request cuts this short.

        :class:`Unavailable` (the database or a store is down) is waited out with backoff and
        never counts as an attempt, so an outage cannot send good events to the DLQ.
        """
        event, last_error = first.event, ""
        attempt, outages = 1, 0
        while attempt <= self._max_attempts:
            work = asyncio.ensure_future(self._handler(replace(first, attempt=attempt)))
            if not await finish_unless_stopped(work, stopped, self._grace_seconds):
                raise _Abandoned
            failure = _failure_of(work)
            if failure is None:
                self._recorder.count("processed", first.topic, first.partition)
                return None
            self._recorder.count("failed_attempt", first.topic, first.partition)
            if isinstance(failure, Unavailable):
                outages += 1
                logger.warning("Handler waits for an outage (%d): %s", outages, failure)
                if not await wait_unless_stopped(stopped, self._backoff.delay(outages)):
                    raise _Abandoned
                continue
            last_error = f"{type(failure).__name__}: {failure}"
            logger.warning(
                "Handler failed on %s %s (attempt %d of %d)",
                event.event_type,
                event.event_id,
                attempt,
                self._max_attempts,
                exc_info=failure,
            )
            if attempt < self._max_attempts and not await wait_unless_stopped(
                stopped, self._backoff.delay(attempt)
            ):
                raise _Abandoned
            attempt += 1
        return last_error

    async def _give_up(
        self, message: Message, headers: Headers, cause: DeadLetterCause, stopped: asyncio.Event
    ) -> bool:
        """Dead-letter (or drop) a message; True when its offset may be stored."""
        where = f"{cause.topic}[{cause.partition}]@{cause.offset}"
        if self._dead_letters is None:
            logger.error("Dropped %s after %d attempts: %s", where, cause.attempts, cause.error)
            self._recorder.count("dropped", cause.topic, cause.partition)
            return True
        value = message.value() or b""
        if not await self._dead_letters.send(message.key(), value, headers, cause, stopped):
            return False
        logger.error(
            "Sent %s to the dead-letter topic (%s, %d attempts): %s",
            where,
            cause.reason,
            cause.attempts,
            cause.error,
        )
        self._recorder.count("dead_lettered", cause.topic, cause.partition)
        return True


class _Abandoned(Exception):
    """A stop request cut the message short; its offset must not be stored."""


def _failure_of(work: asyncio.Future[Any]) -> BaseException | None:
    if work.cancelled():
        return RuntimeError("the handler was cancelled")
    return work.exception()


def open_subscribed(config: dict[str, Any], topics: list[str], who: str) -> Consumer:
    """A consumer subscribed to ``topics`` (blocking: call it on the consumer's thread).
    Settings librdkafka rejects up front, such as an unreadable CA file, are a
    ConfigurationError."""
    try:
        consumer = Consumer(config)
    except KafkaException as exc:
        raise ConfigurationError("The Kafka consumer settings are invalid.") from exc
    consumer.subscribe(topics)
    logger.info("%s subscribed to %s", who, ", ".join(topics))
    return consumer
