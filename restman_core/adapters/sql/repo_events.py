"""Event plumbing inside the unit of work: outbox rows, idempotency records, processed events."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.retry import RetryUnit
from restman_core.adapters.sql.rows import insert_ignore, insert_ignore_returning
from restman_core.adapters.sql.tables import idempotency_keys, outbox, processed_events
from restman_core.domain.events import DomainEvent
from restman_core.ports.storage import IdempotencyRecord


class SqlOutbox:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, events: Sequence[DomainEvent]) -> None:
        if not events:
            return
        await self._conn.execute(
            outbox.insert(),
            [
                {
                    "event_id": e.event_id,
                    "event_type": e.event_type,
                    "topic": e.topic,
                    "event_key": e.key,
                    "payload": json.dumps(e.envelope(), separators=(",", ":"), sort_keys=True),
                    "occurred_at": e.occurred_at,
                }
                for e in events
            ],
        )


class SqlIdempotencyStore:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, user_id: uuid.UUID, scope: str, key: str) -> IdempotencyRecord | None:
        row = (
            await self._conn.execute(
                select(idempotency_keys).where(
                    idempotency_keys.c.user_id == user_id,
                    idempotency_keys.c.scope == scope,
                    idempotency_keys.c.key == key,
                )
            )
        ).first()
        if row is None:
            return None
        return IdempotencyRecord(
            user_id=row.user_id,
            scope=row.scope,
            key=row.key,
            fingerprint=row.fingerprint,
            resource_id=row.resource_id,
            created_at=row.created_at,
        )

    async def add(self, record: IdempotencyRecord) -> None:
        try:
            await self._conn.execute(
                idempotency_keys.insert(),
                {
                    "user_id": record.user_id,
                    "scope": record.scope,
                    "key": record.key,
                    "fingerprint": record.fingerprint,
                    "resource_id": record.resource_id,
                    "created_at": record.created_at,
                },
            )
        except IntegrityError as exc:
            # A concurrent request with the same key committed first: start over, and the
            # retry will find its record and replay or refuse.
            raise RetryUnit("idempotency key taken concurrently") from exc


class SqlProcessedEvents:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def seen(self, consumer: str, event_id: uuid.UUID) -> bool:
        found = await self._conn.scalar(
            select(processed_events.c.event_id).where(
                processed_events.c.consumer == consumer, processed_events.c.event_id == event_id
            )
        )
        return found is not None

    async def mark(self, consumer: str, event_id: uuid.UUID, at: datetime) -> bool:
        statement = insert_ignore(self._conn, processed_events, ["consumer", "event_id"])
        result = await self._conn.execute(
            statement.values(consumer=consumer, event_id=event_id, processed_at=at)
        )
        return bool(result.rowcount)

    async def mark_many(
        self, consumer: str, event_ids: Sequence[uuid.UUID], at: datetime
    ) -> set[uuid.UUID]:
        """One ``INSERT ... ON CONFLICT DO NOTHING RETURNING event_id`` with a row per event
        (executemany: SQLAlchemy renders it as multi-row statements from one cached compile,
        whatever the number of events)."""
        unique = list(dict.fromkeys(event_ids))
        if not unique:
            return set()
        statement = insert_ignore_returning(
            self._conn, processed_events, ["consumer", "event_id"], "event_id"
        )
        rows = [{"consumer": consumer, "event_id": e, "processed_at": at} for e in unique]
        result = await self._conn.execute(statement, rows)
        return {row.event_id for row in result}
