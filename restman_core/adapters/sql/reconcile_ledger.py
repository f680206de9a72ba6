"""The SQL implementation of :class:`restman_core.ports.reconcile.EffectLedger`.

``unapplied`` is one anti-join of ``outbox`` against ``processed_events`` (whose primary key is
``(consumer, event_id)``, so each probe is an index lookup), bounded by position and batch size.
Checkpoints live in ``consumer_positions`` under ``reconciled:<consumer>``, apart from the
embedded consumers' own positions, and only ever move forward.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.adapters.sql.rows import insert_ignore
from restman_core.adapters.sql.sqlwork import run_sql
from restman_core.adapters.sql.tables import consumer_positions, outbox, processed_events
from restman_core.domain.clock import Clock
from restman_core.domain.events import DomainEvent
from restman_core.ports.reconcile import LoggedEvent

_CHECKPOINT_PREFIX = "reconciled:"


def checkpoint_key(consumer: str) -> str:
    """The ``consumer_positions`` row holding ``consumer``'s reconcile checkpoint."""
    return _CHECKPOINT_PREFIX + consumer


class SqlEffectLedger:
    """See the module docstring."""

    def __init__(self, db: SqlDatabase, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def unapplied(
        self,
        consumer: str,
        event_types: Collection[str],
        *,
        published_between: tuple[datetime, datetime],
        after_position: int,
        limit: int,
    ) -> Sequence[LoggedEvent]:
        """See :meth:`restman_core.ports.reconcile.EffectLedger.unapplied`."""
        earliest, latest = published_between
        applied = exists().where(
            processed_events.c.consumer == consumer,
            processed_events.c.event_id == outbox.c.event_id,
        )
        query = (
            select(outbox.c.position, outbox.c.payload)
            .where(
                outbox.c.position > after_position,
                outbox.c.published_at.is_not(None),
                outbox.c.published_at >= earliest,
                outbox.c.published_at <= latest,
                outbox.c.event_type.in_(sorted(event_types)),
                ~applied,
            )
            .order_by(outbox.c.position)
            .limit(limit)
        )

        async def read(conn: AsyncConnection) -> list[LoggedEvent]:
            result = await conn.execute(query)
            return [
                LoggedEvent(r.position, DomainEvent.from_envelope(json.loads(r.payload)))
                for r in result
            ]

        return await run_sql(self._db, read)

    async def settled_through(self, published_before: datetime) -> int:
        """See :meth:`restman_core.ports.reconcile.EffectLedger.settled_through`."""

        async def read(conn: AsyncConnection) -> int:
            pending = await conn.scalar(
                select(func.min(outbox.c.position)).where(
                    or_(outbox.c.published_at.is_(None), outbox.c.published_at > published_before)
                )
            )
            if pending is not None:
                return int(pending) - 1
            last = await conn.scalar(select(func.max(outbox.c.position)))
            return int(last or 0)

        return await run_sql(self._db, read)

    async def checkpoint(self, consumer: str) -> int:
        """See :meth:`restman_core.ports.reconcile.EffectLedger.checkpoint`."""

        async def read(conn: AsyncConnection) -> int:
            value = await conn.scalar(
                select(consumer_positions.c.position).where(
                    consumer_positions.c.consumer == checkpoint_key(consumer)
                )
            )
            return int(value or 0)

        return await run_sql(self._db, read)

    async def advance(self, consumer: str, position: int) -> None:
        """See :meth:`restman_core.ports.reconcile.EffectLedger.advance`."""
        key, now = checkpoint_key(consumer), self._clock.now()

        async def write(conn: AsyncConnection) -> None:
            inserted = await conn.execute(
                insert_ignore(conn, consumer_positions, ["consumer"]).values(
                    consumer=key, position=position, updated_at=now
                )
            )
            if inserted.rowcount:
                return
            await conn.execute(
                update(consumer_positions)
                .where(
                    and_(
                        consumer_positions.c.consumer == key,
                        consumer_positions.c.position < position,
                    )
                )
                .values(position=position, updated_at=now)
            )

        await run_sql(self._db, write)
