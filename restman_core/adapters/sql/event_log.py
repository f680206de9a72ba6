"""The embedded event log: the outbox table read in ``log_seq`` order by in-process consumers.

Each consumer has a durable position (``consumer_positions``): the ``log_seq`` of the last row it
is done with. It reads the rows after its position in batches, hands every event of its topics
to its handler, and saves the new position after the batch (after asking a batching handler to
``flush``), so delivery is at least once and handlers drop duplicates by event id. A failing
event is retried with exponential backoff; after ``max_attempts`` it is recorded in
``dead_letters`` and the consumer moves on, so one poison event never blocks the log. An outage
(:class:`~restman_core.errors.Unavailable`) is not the event's fault: it is waited out, never
dead-lettered.

A handler with ``async handle_batch(events)`` (a transactional handler) gets the events of a
read in one call, which applies them all in one transaction; when that raises, nothing of it
was committed and the same events go one by one through the path above, so one failing event
neither loses nor duplicates the others.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.adapters.sql.dead_letters import DeadLetter, record_dead_letter
from restman_core.adapters.sql.sqlwork import read_sql, run_sql
from restman_core.adapters.sql.tables import consumer_positions, outbox
from restman_core.adapters.sql.writer import urgent_units
from restman_core.domain.clock import Clock
from restman_core.domain.events import DomainEvent
from restman_core.errors import Unavailable
from restman_core.ports.events import EventHandler, ReceivedEvent

log = logging.getLogger(__name__)


@dataclass(slots=True)
class LogConsumerStats:
    """Running totals: events handled, failed attempts, dead letters, and the lag (rows of the
    log after this consumer's position) at the last read."""

    processed: int = 0
    failed_attempts: int = 0
    dead_lettered: int = 0
    lag: int = 0


@dataclass(frozen=True, slots=True)
class _Entry:
    log_seq: int
    topic: str
    payload: str


class EmbeddedLogConsumer:
    """Implements :class:`restman_core.ports.events.EventConsumer` on the outbox table.

    ``handler`` may also have an ``async flush()`` method (a batching handler): it is called
    before every position save, and the position only moves once it returned. ``wakeup`` (set
    by the relay after each batch) cuts the wait before the next read short. A ``lazy``
    consumer (one nobody waits on, whose every batch costs an insert into a store: analytics)
    waits for its wake-up or the poll interval after a read that did not fill a batch, so that
    under a steady load it reads a batch per interval instead of a few events per commit.
    """

    def __init__(
        self,
        db: SqlDatabase,
        clock: Clock,
        name: str,
        topics: Sequence[str],
        handler: EventHandler,
        *,
        max_attempts: int = 5,
        backoff_base_seconds: float = 0.1,
        backoff_max_seconds: float = 5.0,
        batch_size: int = 200,
        poll_interval: float = 0.2,
        wakeup: asyncio.Event | None = None,
        urgent: bool = False,
        lazy: bool = False,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("a consumer needs at least one attempt per event")
        self.name = name
        self._db = db
        self._clock = clock
        self._topics = frozenset(topics)
        self._handler = handler
        self._flush: Callable[[], Awaitable[None]] | None = getattr(handler, "flush", None)
        self._batch: Callable[[Sequence[ReceivedEvent]], Awaitable[None]] | None = getattr(
            handler, "handle_batch", None
        )
        self._max_attempts = max_attempts
        self._backoff = (backoff_base_seconds, backoff_max_seconds)
        self._batch_size = batch_size
        self._poll = poll_interval
        self._wakeup = wakeup
        self._urgent = urgent
        self._lazy = lazy
        self._stopped = asyncio.Event()
        self.stats = LogConsumerStats()

    def stop(self) -> None:
        """Ask :meth:`run` to finish: the event in hand is finished, the position saved."""
        self._stopped.set()

    async def run(self) -> None:
        """Consume until stopped. An ``urgent`` consumer's units of work go in the SQLite
        writer's urgent lane (see :func:`~restman_core.adapters.sql.writer.urgent_units`): for
        a stage on the way from a placement to the kitchen's display."""
        if self._urgent:
            with urgent_units():
                await self._consume()
        else:
            await self._consume()

    async def _consume(self) -> None:
        position = await run_sql(self._db, self._load_position)
        log.info("consumer %s starts after log_seq %d", self.name, position)
        while not self._stopped.is_set():
            position = await self._step(position)

    async def _step(self, position: int) -> int:
        """Read, hand over and save one batch; returns the new position."""
        # Read beside the writer: the log is read after every batch, and in the writer's queue
        # the read waited behind every placement queued before it.
        entries = await read_sql(self._db, lambda conn: self._read(conn, position))
        if not entries:
            await self._idle()
            return position
        done = await self._deliver_all(entries, position)
        if done == position or not await self._flushed():
            return position
        await run_sql(self._db, lambda conn: self._save(conn, done))
        if self._lazy and len(entries) < self._batch_size:
            await self._idle()  # a short read: let the log fill up before the next one
        return done

    async def _deliver_all(self, entries: Sequence[_Entry], position: int) -> int:
        """Hand over the batch; returns the log_seq of the last entry that is done."""
        if self._batch is not None and not self._stopped.is_set():
            done = await self._deliver_batch(self._batch, entries)
            if done is not None:
                return done
        for entry in entries:
            if self._stopped.is_set():
                break
            if entry.topic in self._topics and not await self._deliver(entry):
                break
            position = entry.log_seq
        return position

    async def _deliver_batch(
        self,
        handle: Callable[[Sequence[ReceivedEvent]], Awaitable[None]],
        entries: Sequence[_Entry],
    ) -> int | None:
        """All of ``entries`` in one call of ``handle``: the last log_seq when it committed,
        None when the entries must go one by one (it failed, or an entry is not an event)."""
        batch: list[ReceivedEvent] = []
        for entry in entries:
            if entry.topic not in self._topics:
                continue
            try:
                event = DomainEvent.from_envelope(json.loads(entry.payload))
            except ValueError:
                return None  # the one-by-one path reports it
            batch.append(ReceivedEvent(event, entry.topic, 0, entry.log_seq, 1))
        if len(batch) > 1:
            try:
                await handle(batch)
            except Exception as exc:  # nothing committed: each event gets its own attempts
                log.info(
                    "consumer %s: a batch of %d failed (%s); one by one",
                    self.name,
                    len(batch),
                    exc,
                )
                return None
            self.stats.processed += len(batch)
        elif batch:
            return None
        return entries[-1].log_seq

    async def _flushed(self) -> bool:
        """Flush a batching handler, retrying until it works or we stop."""
        if self._flush is None:
            return True
        failures = 0
        while True:
            try:
                await self._flush()
                return True
            except Exception as exc:  # the batch stays buffered; flushing again is safe
                failures += 1
                log.warning("consumer %s: flush failed (%d): %s", self.name, failures, exc)
                if not await self._wait(self._delay(failures)):
                    return False

    async def _deliver(self, entry: _Entry) -> bool:
        """Handle one event with retries; True when done (handled or dead-lettered).

        :class:`Unavailable` (a database or store outage) is retried with backoff for as long
        as it lasts and never counts as an attempt: an outage must not dead-letter good
        events (their effects would be lost). Any other failure counts, and after
        ``max_attempts`` of them the event is dead-lettered.
        """
        try:
            event = DomainEvent.from_envelope(json.loads(entry.payload))
        except ValueError as exc:
            log.error("consumer %s: log_seq %d is not an event: %s", self.name, entry.log_seq, exc)
            return True
        error, attempt, outages = "", 1, 0
        while attempt <= self._max_attempts:
            received = ReceivedEvent(event, entry.topic, 0, entry.log_seq, attempt)
            try:
                await self._handler(received)
            except Unavailable as exc:
                outages += 1
                if not await self._wait_out(event, outages, exc):
                    return False
                continue
            except Exception as exc:  # any other failure is retried, then dead-lettered
                error = f"{type(exc).__name__}: {exc}"
                self._count_failure(event, attempt, error)
                if attempt < self._max_attempts and not await self._wait(self._delay(attempt)):
                    return False
                attempt += 1
                continue
            self.stats.processed += 1
            return True
        await self._dead_letter(entry, event, error)
        return True

    async def _wait_out(self, event: DomainEvent, outages: int, exc: Unavailable) -> bool:
        """Back off after an outage; False when stopped meanwhile."""
        self.stats.failed_attempts += 1
        log.warning(
            "consumer %s: %s %s waits for an outage (%d): %s",
            self.name,
            event.event_type,
            event.event_id,
            outages,
            exc,
        )
        return await self._wait(self._delay(outages))

    def _count_failure(self, event: DomainEvent, attempt: int, error: str) -> None:
        self.stats.failed_attempts += 1
        log.warning(
            "consumer %s failed on %s %s (attempt %d of %d): %s",
            self.name,
            event.event_type,
            event.event_id,
            attempt,
            self._max_attempts,
            error,
        )

    async def _dead_letter(self, entry: _Entry, event: DomainEvent, error: str) -> None:
        letter = DeadLetter(
            consumer=self.name,
            event_id=event.event_id,
            event_type=event.event_type,
            topic=entry.topic,
            log_seq=entry.log_seq,
            error=error,
            attempts=self._max_attempts,
            failed_at=self._clock.now(),
        )
        await run_sql(self._db, lambda conn: record_dead_letter(conn, letter, entry.payload))
        self.stats.dead_lettered += 1
        log.error(
            "consumer %s gave up on %s %s at log_seq %d after %d attempts: %s",
            self.name,
            event.event_type,
            event.event_id,
            entry.log_seq,
            self._max_attempts,
            error,
        )

    def _delay(self, failures: int) -> float:
        base, cap = self._backoff
        # The exponent is clamped: a long outage must not overflow the float.
        return float(min(cap, base * 2.0 ** min(failures - 1, 62)))

    async def _wait(self, seconds: float) -> bool:
        """Sleep unless stopped first; True when the sleep ran out (keep going)."""
        try:
            async with asyncio.timeout(seconds):
                await self._stopped.wait()
        except TimeoutError:
            return True
        return False

    async def _idle(self) -> None:
        """Wait for the relay's wake-up (set since the last read: read again at once), a stop,
        or the poll interval."""
        waits: list[asyncio.Task[Any]] = [asyncio.ensure_future(self._stopped.wait())]
        if self._wakeup is not None:
            if self._wakeup.is_set():
                self._wakeup.clear()
                return
            waits.append(asyncio.ensure_future(self._wakeup.wait()))
        _done, pending = await asyncio.wait(
            waits, timeout=self._poll, return_when="FIRST_COMPLETED"
        )
        for task in pending:
            task.cancel()

    async def _load_position(self, conn: AsyncConnection) -> int:
        value = await conn.scalar(
            select(consumer_positions.c.position).where(consumer_positions.c.consumer == self.name)
        )
        return int(value or 0)

    async def _read(self, conn: AsyncConnection, position: int) -> list[_Entry]:
        result = await conn.execute(
            select(outbox.c.log_seq, outbox.c.topic, outbox.c.payload)
            .where(outbox.c.log_seq > position)
            .order_by(outbox.c.log_seq)
            .limit(self._batch_size)
        )
        entries = [_Entry(r.log_seq, r.topic, r.payload) for r in result]
        last = await conn.scalar(select(func.max(outbox.c.log_seq)))
        self.stats.lag = max(0, int(last or 0) - position)
        return entries

    async def _save(self, conn: AsyncConnection, position: int) -> None:
        values = {"consumer": self.name, "position": position, "updated_at": self._clock.now()}
        insert = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
        statement = insert(consumer_positions).values(**values)
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=["consumer"],
                set_={"position": position, "updated_at": values["updated_at"]},
            )
        )
