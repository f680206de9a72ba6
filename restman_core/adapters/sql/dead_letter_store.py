"""Implements :class:`restman_core.ports.dead_letters.DeadLetterStore` on the ``dead_letters``
table (kept apart from the table's module, which the schema imports)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.adapters.sql.dead_letters import MAX_ERROR_CHARS, dead_letters
from restman_core.adapters.sql.sqlwork import run_sql
from restman_core.domain.clock import ensure_utc
from restman_core.domain.events import DomainEvent
from restman_core.ports.dead_letters import DeadLetterRecord


def _record(row: Any) -> DeadLetterRecord:
    return DeadLetterRecord(
        consumer=row.consumer,
        event=DomainEvent.from_envelope(json.loads(row.payload)),
        topic=row.topic,
        log_seq=row.log_seq,
        error=row.error,
        attempts=row.attempts,
        failed_at=ensure_utc(row.failed_at),
    )


def _key(consumer: str, event_id: uuid.UUID) -> Any:
    return and_(dead_letters.c.consumer == consumer, dead_letters.c.event_id == event_id)


class SqlDeadLetterStore:
    def __init__(self, db: SqlDatabase) -> None:
        self._db = db

    async def page(
        self, consumer: str | None, limit: int, before: datetime | None
    ) -> list[DeadLetterRecord]:
        query = (
            select(dead_letters)
            .order_by(dead_letters.c.failed_at.desc(), dead_letters.c.consumer)
            .limit(limit)
        )
        if consumer is not None:
            query = query.where(dead_letters.c.consumer == consumer)
        if before is not None:
            query = query.where(dead_letters.c.failed_at < before)
        return [_record(r) for r in await self._rows(query)]

    async def get(self, consumer: str, event_id: uuid.UUID) -> DeadLetterRecord | None:
        found = await self._rows(select(dead_letters).where(_key(consumer, event_id)))
        return _record(found[0]) if found else None

    async def count(self) -> int:
        async def work(conn: AsyncConnection) -> int:
            return int(await conn.scalar(select(func.count()).select_from(dead_letters)) or 0)

        return await run_sql(self._db, work)

    async def failed_again(
        self, consumer: str, event_id: uuid.UUID, error: str, failed_at: datetime
    ) -> None:
        if len(error) > MAX_ERROR_CHARS:
            error = error[: MAX_ERROR_CHARS - 1] + "…"
        statement = (
            update(dead_letters)
            .where(_key(consumer, event_id))
            .values(attempts=dead_letters.c.attempts + 1, error=error, failed_at=failed_at)
        )

        async def work(conn: AsyncConnection) -> None:
            await conn.execute(statement)

        await run_sql(self._db, work)

    async def remove(self, consumer: str, event_id: uuid.UUID) -> bool:
        async def work(conn: AsyncConnection) -> bool:
            result = await conn.execute(delete(dead_letters).where(_key(consumer, event_id)))
            return bool(getattr(result, "rowcount", 0))

        return await run_sql(self._db, work)

    async def _rows(self, query: Any) -> list[Any]:
        async def work(conn: AsyncConnection) -> list[Any]:
            return list(await conn.execute(query))

        return await run_sql(self._db, work)
