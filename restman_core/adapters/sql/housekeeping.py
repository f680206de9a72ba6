"""Housekeeping: prune what the platform no longer needs, on a schedule, under a lease.

* outbox rows published more than ``retention_days`` ago, and never rows an embedded consumer
  has not read yet (a consumer named in ``readers`` that has saved no position yet has read
  nothing: it may be about to start);
* processed-event records older than ``retention_days`` (redeliveries arrive within minutes; a
  week is far beyond any broker retry);
* idempotency records older than ``idempotency_ttl_hours``;
* expired sign-in codes, lockouts, sessions and rate counters of the embedded auth state.

Several instances may run: each round first takes the ``housekeeping`` lease, so only one
prunes at a time. Deletes go in bounded chunks to keep transactions (and SQLite's write lock)
short.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from restman_core.adapters.sql.auth_state import purge_auth_state
from restman_core.adapters.sql.database import SqlDatabase
from restman_core.adapters.sql.leases import SqlLease, new_holder_id
from restman_core.adapters.sql.sqlwork import run_sql
from restman_core.adapters.sql.tables import (
    consumer_positions,
    idempotency_keys,
    outbox,
    processed_events,
)
from restman_core.domain.clock import Clock
from restman_core.errors import Unavailable

log = logging.getLogger(__name__)

HOUSEKEEPING_LEASE = "housekeeping"
CHUNK = 1000


@dataclass(slots=True)
class PruneReport:
    """Rows removed by one round (all zero when another instance held the lease)."""

    ran: bool = False
    outbox: int = 0
    processed_events: int = 0
    idempotency_keys: int = 0
    auth_state: int = 0


@dataclass(slots=True)
class HousekeepingStats:
    rounds: int = 0
    removed: int = 0
    failures: int = 0
    last: PruneReport = field(default_factory=PruneReport)


class Housekeeper:
    """Prunes every ``interval_seconds`` until :meth:`stop`."""

    name = "scheduler"

    def __init__(
        self,
        db: SqlDatabase,
        clock: Clock,
        *,
        retention_days: int,
        idempotency_ttl_hours: int,
        interval_seconds: float = 300.0,
        holder: str | None = None,
        readers: Sequence[str] | None = None,
    ) -> None:
        """``readers``: the embedded consumers that must have read an outbox row before it may
        go (embedded mode: every consumer kind; distributed mode: none, Kafka keeps the log).
        None counts every consumer that has saved a position."""
        self._db = db
        self._readers = None if readers is None else tuple(readers)
        self._clock = clock
        self._retention = timedelta(days=retention_days)
        self._idempotency_ttl = timedelta(hours=idempotency_ttl_hours)
        self._interval = interval_seconds
        # The lease outlives a round, so a second instance starting meanwhile waits its turn.
        self._lease = SqlLease(
            db,
            clock,
            HOUSEKEEPING_LEASE,
            holder or new_holder_id("housekeeping"),
            max(60.0, interval_seconds),
        )
        self._stopped = asyncio.Event()
        self.stats = HousekeepingStats()

    def stop(self) -> None:
        self._stopped.set()

    async def run(self) -> None:
        """A round now, then one per interval, until stopped; then hand the lease back."""
        try:
            while not self._stopped.is_set():
                try:
                    report = await self.run_once()
                except Unavailable as exc:
                    self.stats.failures += 1
                    log.warning("housekeeping round failed: %s", exc)
                else:
                    self.stats.last = report
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._interval):
                        await self._stopped.wait()
        finally:
            with contextlib.suppress(Unavailable):
                await self._lease.release()

    async def run_once(self) -> PruneReport:
        """One round, if this instance can take the lease."""
        if not await self._lease.hold():
            return PruneReport()
        now = self._clock.now()
        report = PruneReport(ran=True)
        report.outbox = await self._prune_outbox(now - self._retention)
        report.processed_events = await self._prune(
            processed_events, processed_events.c.processed_at < now - self._retention
        )
        report.idempotency_keys = await self._prune(
            idempotency_keys, idempotency_keys.c.created_at < now - self._idempotency_ttl
        )
        report.auth_state = await self._purge_auth_state(now)
        self.stats.rounds += 1
        self.stats.removed += (
            report.outbox + report.processed_events + report.idempotency_keys + report.auth_state
        )
        log.info("housekeeping removed %s", report)
        return report

    async def _prune_outbox(self, cutoff: datetime) -> int:
        floor = await run_sql(self._db, self._slowest_reader)
        condition = outbox.c.published_at < cutoff
        if floor is not None:
            condition = condition & (outbox.c.log_seq <= floor)
        return await self._prune(outbox, condition, key=outbox.c.position)

    async def _slowest_reader(self, conn: AsyncConnection) -> int | None:
        """The log_seq every reader has read up to (None: no reader to wait for)."""
        query = select(consumer_positions.c.consumer, consumer_positions.c.position)
        saved = {str(name): int(pos) for name, pos in await conn.execute(query)}
        if self._readers is None:
            return min(saved.values(), default=None)
        if not self._readers:
            return None
        return min(saved.get(reader, 0) for reader in self._readers)

    async def _prune(
        self,
        table: Table,
        condition: ColumnElement[bool],
        *,
        key: ColumnElement[object] | None = None,
    ) -> int:
        """Delete matching rows CHUNK at a time (by primary key) until none is left."""
        columns = [key] if key is not None else list(table.primary_key.columns)
        removed = 0
        while True:

            async def chunk(conn: AsyncConnection) -> int:
                doomed = (await conn.execute(select(*columns).where(condition).limit(CHUNK))).all()
                if doomed:
                    match = [column == bindparam(f"k{i}") for i, column in enumerate(columns)]
                    await conn.execute(
                        delete(table).where(*match),
                        [{f"k{i}": value for i, value in enumerate(row)} for row in doomed],
                    )
                return len(doomed)

            count = await run_sql(self._db, chunk)
            removed += count
            if count < CHUNK:
                return removed

    async def _purge_auth_state(self, now: datetime) -> int:
        try:
            return await purge_auth_state(self._db.engine, now)
        except (DBAPIError, Unavailable) as exc:
            # Without the embedded auth tables (Redis holds that state) there is nothing to do.
            log.info("auth state not purged: %s", exc)
            return 0
