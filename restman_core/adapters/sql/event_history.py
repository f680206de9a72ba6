"""Implements :class:`restman_core.ports.event_history.EventHistory` on the outbox table."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.adapters.sql.sqlwork import run_sql
from restman_core.adapters.sql.tables import outbox
from restman_core.domain.events import DomainEvent
from restman_core.ports.reconcile import LoggedEvent


class SqlEventHistory:
    def __init__(self, db: SqlDatabase) -> None:
        self._db = db

    async def published_from(
        self, log_seq: int, topics: Collection[str], limit: int
    ) -> Sequence[LoggedEvent]:
        query = (
            select(outbox.c.log_seq, outbox.c.payload)
            .where(outbox.c.log_seq >= log_seq, outbox.c.topic.in_(list(topics)))
            .order_by(outbox.c.log_seq)
            .limit(limit)
        )

        async def work(conn: AsyncConnection) -> list[LoggedEvent]:
            return [
                LoggedEvent(int(r.log_seq), DomainEvent.from_envelope(json.loads(r.payload)))
                for r in await conn.execute(query)
            ]

        return await run_sql(self._db, work)
