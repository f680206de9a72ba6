"""Dead letters of the embedded event log: events a consumer gave up on.

The embedded counterpart of Kafka's ``<topic>.dlq``: after the configured number of failed
attempts the consumer records the event here and moves on, so one poison event never blocks the
log. The row keeps everything needed to inspect and replay it. The table attaches to the shared
``metadata`` (a migration creates it alongside the rest of the schema).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text, Uuid, select
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.metadata import UTCDateTime, metadata
from restman_core.adapters.sql.rows import insert_ignore

MAX_ERROR_CHARS = 2000

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("consumer", String(40), primary_key=True),
    Column("event_id", Uuid, primary_key=True),
    Column("event_type", String(64), nullable=False),
    Column("topic", String(64), nullable=False),
    Column("log_seq", BigInteger, nullable=False),
    Column("payload", Text, nullable=False),
    Column("error", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("failed_at", UTCDateTime, nullable=False, index=True),
)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    consumer: str
    event_id: uuid.UUID
    event_type: str
    topic: str
    log_seq: int
    error: str
    attempts: int
    failed_at: datetime


async def record_dead_letter(conn: AsyncConnection, letter: DeadLetter, payload: str) -> None:
    """Insert the dead letter unless this consumer already recorded this event (a crash between
    recording and moving the consumer's position on makes it fail once more)."""
    error = letter.error
    if len(error) > MAX_ERROR_CHARS:
        error = error[: MAX_ERROR_CHARS - 1] + "…"
    await conn.execute(
        insert_ignore(conn, dead_letters, ["consumer", "event_id"]).values(
            consumer=letter.consumer,
            event_id=letter.event_id,
            event_type=letter.event_type,
            topic=letter.topic,
            log_seq=letter.log_seq,
            payload=payload,
            error=error,
            attempts=letter.attempts,
            failed_at=letter.failed_at,
        )
    )


async def list_dead_letters(conn: AsyncConnection, consumer: str | None = None) -> list[DeadLetter]:
    """Dead letters in log order, of one consumer or all."""
    query = select(dead_letters).order_by(dead_letters.c.log_seq, dead_letters.c.consumer)
    if consumer is not None:
        query = query.where(dead_letters.c.consumer == consumer)
    return [
        DeadLetter(
            consumer=r.consumer,
            event_id=r.event_id,
            event_type=r.event_type,
            topic=r.topic,
            log_seq=r.log_seq,
            error=r.error,
            attempts=r.attempts,
            failed_at=r.failed_at,
        )
        for r in await conn.execute(query)
    ]
