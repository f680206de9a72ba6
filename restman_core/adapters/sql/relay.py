"""The outbox relay: hands committed outbox rows to the event log, in commit order.

One relay is active at a time: it holds the ``outbox-relay`` lease in the database, and any
other relay process stands by until that lease expires (the active one died) or is released
(the active one shut down). The active relay reads unpublished rows in ``position`` order, in
batches, and

* distributed mode: publishes them through an :class:`EventPublisher` (Kafka) and waits until the
  broker has acknowledged every one;
* embedded mode: publishes nothing (the outbox itself is the log).

Only then, in one transaction that also confirms the lease is still ours, it stamps the rows
``published_at`` and gives them consecutive ``log_seq`` numbers: the embedded log's offsets and
the kitchen stream's event ids. A crash before that transaction commits republishes the batch
(consumers drop the duplicates by event id); a relay whose lease was taken over cannot mark
anything, because the transaction rolls back. Since marking a batch extends the lease, the
relay renews it on its own only when a third of its time to live has passed since it was last
extended (not on every poll).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.adapters.sql.leases import LeaseLost, SqlLease, confirm_in, new_holder_id
from restman_core.adapters.sql.sqlwork import run_sql
from restman_core.adapters.sql.tables import outbox
from restman_core.adapters.sql.writer import urgent_units
from restman_core.domain.clock import Clock
from restman_core.domain.events import DomainEvent
from restman_core.errors import Unavailable
from restman_core.ports.events import EventPublisher

log = logging.getLogger(__name__)

RELAY_LEASE = "outbox-relay"


@dataclass(slots=True)
class RelayStats:
    """Running totals of one relay: rows published, batches, failed publish attempts, how many
    times the broker client was rebuilt after a failure, and how far behind the relay was at
    its last read: the unpublished backlog and the age in whole seconds of the oldest
    unpublished row (0 when nothing waits). A standby relay reads nothing and reports 0."""

    published: int = 0
    batches: int = 0
    failures: int = 0
    backlog: int = 0
    oldest_unpublished_seconds: int = 0
    producer_rebuilds: int = 0


@dataclass(frozen=True, slots=True)
class Backlog:
    """What the relay has not published yet: how many rows, and when the oldest committed."""

    rows: int
    oldest_at: datetime | None

    def age_seconds(self, now: datetime) -> float:
        """How long the oldest unpublished row has waited (0 when none waits)."""
        return 0.0 if self.oldest_at is None else max(0.0, (now - self.oldest_at).total_seconds())


async def outbox_backlog(db: SqlDatabase) -> Backlog:
    """The unpublished outbox rows, counted in one query (for ``doctor`` and operators)."""

    async def read(conn: AsyncConnection) -> Backlog:
        result = await conn.execute(
            select(func.count(), func.min(outbox.c.occurred_at)).where(
                outbox.c.published_at.is_(None)
            )
        )
        count, oldest = result.one()
        return Backlog(int(count or 0), oldest)

    return await run_sql(db, read)


@dataclass(frozen=True, slots=True)
class _Row:
    position: int
    occurred_at: datetime
    event: DomainEvent


class OutboxRelay:
    """Runs until :meth:`stop`; see the module docstring for the guarantees.

    ``publisher`` None means embedded mode. ``on_published`` is called after each marked batch
    (embedded consumers use it to wake up without waiting for their next poll).
    """

    name = "relay"

    def __init__(
        self,
        db: SqlDatabase,
        clock: Clock,
        publisher: EventPublisher | None,
        *,
        holder: str | None = None,
        lease_seconds: float = 10.0,
        batch_size: int = 200,
        poll_interval: float = 0.1,
        backoff_max_seconds: float = 5.0,
        on_published: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._publisher = publisher
        self._lease = SqlLease(
            db, clock, RELAY_LEASE, holder or new_holder_id("relay"), lease_seconds
        )
        self._batch_size = batch_size
        self._poll = poll_interval
        self._backoff_max = backoff_max_seconds
        self._on_published = on_published
        self._stopped = asyncio.Event()
        self._extended_at: datetime | None = None
        self._confirmed_at: datetime | None = None
        # Set when a unit of this process that may have added outbox rows commits: read them
        # at once rather than at the next poll (the poll still covers other processes).
        self._written = db.log_signal.on_written()
        self.stats = RelayStats()

    @property
    def holder(self) -> str:
        return self._lease.holder

    @property
    def active(self) -> bool:
        """True while this relay holds the lease."""
        return self._lease.held

    def stop(self) -> None:
        """Ask :meth:`run` to finish after the batch in flight."""
        self._stopped.set()
        self._written.set()

    async def run(self) -> None:
        """Relay until stopped; then release the lease and close the publisher. Its units go
        in the SQLite writer's urgent lane: every event waits for the relay before any consumer
        sees it."""
        with urgent_units():
            await self._run()

    async def _run(self) -> None:
        failures = 0
        try:
            while not self._stopped.is_set():
                try:
                    if not await self._hold():
                        await self._pause(self._lease.ttl.total_seconds() / 3)
                        continue
                    self._written.clear()  # rows committed from now on wake the pause below
                    moved = await self.relay_once()
                    failures = 0
                except (Unavailable, LeaseLost) as exc:
                    self._extended_at = None  # ask the database again before relaying more
                    failures += 1
                    self.stats.failures += 1
                    log.warning("relay %s: %s (failure %d)", self.holder, exc, failures)
                    await self._pause(min(self._backoff_max, 0.1 * 2**failures))
                    continue
                if moved < self._batch_size:
                    await self._pause(self._poll, self._written)
        finally:
            await self._shutdown()

    async def _hold(self) -> bool:
        """Whether this relay holds the lease: renewed in the database unless it was extended
        less than a third of its time to live ago (by a renewal or a marked batch)."""
        now = self._clock.now()
        fresh = self._extended_at is not None and now - self._extended_at < self._lease.ttl / 3
        if fresh and self._lease.held:
            return True
        held = await self._lease.hold()
        self._extended_at = now if held else None
        return held

    async def _shutdown(self) -> None:
        try:
            await self._lease.release()
        except Unavailable as exc:
            log.warning("relay %s could not release its lease: %s", self.holder, exc)
        if self._publisher is not None:
            await self._publisher.close()

    async def _pause(self, seconds: float, until: asyncio.Event | None = None) -> None:
        """Wait ``seconds``, or less when stopped (or ``until`` is set: :meth:`stop` sets it
        too)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await (until or self._stopped).wait()

    async def relay_once(self) -> int:
        """Publish and mark one batch (the caller holds the lease); returns its size.
        Embedded (no publisher), the batch is read and marked in one unit of work: nothing is
        published between the two, and a unit fewer is one commit less on every event's way
        to its consumers."""
        if self._publisher is None:
            rows = await run_sql(self._db, self._read_and_mark)
        else:
            rows = await run_sql(self._db, self._read_batch)
            if not rows:
                return 0
            try:
                await self._publisher.publish([row.event for row in rows])
            finally:
                self.stats.producer_rebuilds = int(getattr(self._publisher, "rebuilds", 0))
            await run_sql(self._db, lambda conn: self._mark(conn, rows))
        if not rows:
            return 0
        self._extended_at = self._confirmed_at
        self.stats.published += len(rows)
        self.stats.batches += 1
        self._db.log_signal.numbered()
        if self._on_published is not None:
            self._on_published()
        return len(rows)

    async def _read_batch(self, conn: AsyncConnection) -> list[_Row]:
        result = await conn.execute(
            select(outbox.c.position, outbox.c.occurred_at, outbox.c.payload)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.position)
            .limit(self._batch_size)
        )
        rows = [
            _Row(r.position, r.occurred_at, DomainEvent.from_envelope(json.loads(r.payload)))
            for r in result
        ]
        # Rows commit in roughly position order, so the first one is (about) the oldest.
        waited = (self._clock.now() - rows[0].occurred_at).total_seconds() if rows else 0.0
        self.stats.oldest_unpublished_seconds = max(0, int(waited))
        if len(rows) == self._batch_size:
            backlog = await conn.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            )
            self.stats.backlog = int(backlog or 0)
        else:
            self.stats.backlog = len(rows)
        return rows

    async def _read_and_mark(self, conn: AsyncConnection) -> list[_Row]:
        rows = await self._read_batch(conn)
        if rows:
            await self._mark(conn, rows)
        return rows

    async def _mark(self, conn: AsyncConnection, rows: Sequence[_Row]) -> None:
        now = self._clock.now()
        await confirm_in(conn, RELAY_LEASE, self.holder, now, self._lease.ttl)
        # Extended from ``now`` once this commits (the caller's relay_once returns only then).
        self._confirmed_at = now
        last = int(await conn.scalar(select(func.coalesce(func.max(outbox.c.log_seq), 0))) or 0)
        params: list[dict[str, Any]] = [
            {"row_position": row.position, "row_seq": last + index}
            for index, row in enumerate(rows, start=1)
        ]
        await conn.execute(
            update(outbox)
            .where(outbox.c.position == bindparam("row_position"), outbox.c.published_at.is_(None))
            .values(published_at=now, log_seq=bindparam("row_seq")),
            params,
        )
