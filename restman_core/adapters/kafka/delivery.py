"""A producer whose delivery reports complete asyncio futures.

confluent_kafka calls delivery callbacks from ``poll``; a background thread polls, and each
callback hands its result to the event loop with ``call_soon_threadsafe``. Nothing here blocks
the event loop: ``produce`` only enqueues, and the wait for acknowledgements is a future.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from restman_core.adapters.kafka.headers import Headers
from restman_core.errors import Unavailable

logger = logging.getLogger(__name__)

# librdkafka reports every message within message.timeout.ms; the extra margin only guards
# against a report that never comes (a wedged client), so it can be generous.
_REPORT_MARGIN_SECONDS = 5.0
_POLL_INTERVAL_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    """One message to append: topic, key, value and headers."""

    topic: str
    key: bytes | None
    value: bytes
    headers: Headers = ()


class DeliveringProducer:
    """Appends records and waits until the broker acknowledged each (or one failed).

    The client and its poll thread start on first use. After ANY failed delivery (a refused
    record, a report with an error such as ``_MSG_TIMED_OUT``, no report in time, a fatal
    error) the next :meth:`deliver` first throws the client away and builds a fresh one: an
    idempotent producer whose broker restarted or lost its state keeps failing with
    ``UnknownProducerId`` and timeouts and never heals by itself, while a new client gets a new
    producer id and sequence numbers from zero. Throwing away purges what the old client still
    held, so records are never sent twice by two clients at once, and the caller (the relay)
    resends the whole batch in order: per-key order holds, and the duplicates it may create are
    dropped by the consumers by event id. :attr:`rebuilds` counts the fresh clients.
    """

    def __init__(self, config: dict[str, Any]) -> None:
        """``config`` is a :func:`~restman_core.adapters.kafka.config.producer_config`; its
        ``message.timeout.ms`` bounds how long :meth:`deliver` waits."""
        self._config = {**config, "error_cb": self._on_client_error}
        timeout_ms = float(config.get("message.timeout.ms", 300_000))
        self._wait_seconds = timeout_ms / 1000 + _REPORT_MARGIN_SECONDS
        self._producer: Producer | None = None
        self._poller: threading.Thread | None = None
        self._stop_polling = threading.Event()
        self._fatal = False
        self._broken: str | None = None
        self.rebuilds = 0

    async def deliver(self, records: Sequence[OutgoingRecord]) -> None:
        """Append ``records`` in order; return when all are acknowledged.

        Raises :class:`Unavailable` if any was refused, failed or was not acknowledged in
        time. Records before the failing one may have been appended anyway.
        """
        if not records:
            return
        loop = asyncio.get_running_loop()
        reason = "a fatal error" if self._fatal else self._broken
        if reason is not None and self._producer is not None:
            logger.warning("Rebuilding the Kafka producer after %s", reason)
            await asyncio.to_thread(self._dispose, flush_seconds=0.0)
            self.rebuilds += 1
        self._broken = None
        producer = self._started()
        reports: list[asyncio.Future[KafkaError | None]] = []
        try:
            for record in records:
                report: asyncio.Future[KafkaError | None] = loop.create_future()
                producer.produce(
                    record.topic,
                    value=record.value,
                    key=record.key,
                    headers=list(record.headers),
                    on_delivery=_reporter(loop, report),
                )
                reports.append(report)
        except (KafkaException, BufferError) as exc:
            logger.warning("Kafka producer refused a record: %s", exc)
            self._broken = "a refused record"
            raise Unavailable("The event broker refused the events.") from exc
        try:
            await self._await_reports(reports)
        except Unavailable:
            self._broken = self._broken or "a failed delivery"
            raise

    async def _await_reports(self, reports: list[asyncio.Future[KafkaError | None]]) -> None:
        try:
            async with asyncio.timeout(self._wait_seconds):
                errors = await asyncio.gather(*reports)
        except TimeoutError:
            logger.warning("Kafka gave no delivery report within %.1f s", self._wait_seconds)
            self._broken = "missing delivery reports"
            raise Unavailable("The event broker did not acknowledge the events in time.") from None
        failed = [error for error in errors if error is not None]
        if failed:
            first = failed[0]
            if first.fatal():
                self._fatal = True
            self._broken = f"a delivery failure ({first.name()})"
            logger.warning("Kafka rejected %d of %d records: %s", len(failed), len(errors), first)
            raise Unavailable(
                "The event broker did not acknowledge the events.",
                details={"failed": len(failed), "total": len(errors), "error": first.name()},
            )

    def _started(self) -> Producer:
        if self._producer is None:
            try:
                self._producer = Producer(self._config)
            except KafkaException as exc:
                raise Unavailable("The event broker client could not be created.") from exc
            self._fatal = False
            self._stop_polling = threading.Event()
            self._poller = threading.Thread(
                target=self._poll_until,
                args=(self._producer, self._stop_polling),
                name="restman-kafka-producer-poll",
                daemon=True,
            )
            self._poller.start()
        return self._producer

    def _on_client_error(self, error: KafkaError) -> None:
        # Runs on the poll thread. Connection trouble is retried by librdkafka on its own;
        # a fatal error means this client is finished and must be rebuilt.
        if error.fatal():
            self._fatal = True
            logger.error("Kafka producer hit a fatal error: %s", error)
        else:
            logger.warning("Kafka producer: %s", error)

    def _poll_until(self, producer: Producer, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                producer.poll(_POLL_INTERVAL_SECONDS)
            except KafkaException as exc:
                # poll raises once the client is fatally broken; keep serving delivery
                # reports (the failed records' reports still have to reach their waiters).
                self._fatal = True
                logger.error("Kafka producer poll failed: %s", exc)
                stop.wait(_POLL_INTERVAL_SECONDS)

    async def close(self, flush_seconds: float = 5.0) -> None:
        """Wait up to ``flush_seconds`` for records in flight, then release the client."""
        await asyncio.to_thread(self._dispose, flush_seconds=flush_seconds)

    def _dispose(self, *, flush_seconds: float) -> None:
        producer, poller = self._producer, self._poller
        self._producer, self._poller = None, None
        if producer is None:
            return
        self._stop_polling.set()
        if poller is not None:
            poller.join()
        remaining = producer.flush(flush_seconds)
        if remaining:
            logger.warning("Kafka producer closed with %d records undelivered", remaining)
            producer.purge()
            producer.poll(0)


def _reporter(
    loop: asyncio.AbstractEventLoop, report: asyncio.Future[KafkaError | None]
) -> Callable[[KafkaError | None, Message], None]:
    def on_delivery(error: KafkaError | None, _message: Message) -> None:
        # A closed loop raises RuntimeError: nobody is waiting for this report any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle, report, error)

    return on_delivery


def _settle(report: asyncio.Future[KafkaError | None], error: KafkaError | None) -> None:
    if not report.done():
        report.set_result(error)
