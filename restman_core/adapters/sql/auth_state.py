"""Embedded sign-in state on SQL tables: codes, lockouts and rate limits (the SQL session store
is in :mod:`restman_core.adapters.sql.auth_sessions`).

Used when REDIS_URL is unset; durable across restarts. Each operation runs its own short
transaction on the engine, never inside a business unit of work, and is correct with several
processes on one database: decisions are single conditional statements (``UPDATE ... WHERE``,
``INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING``) inside a transaction, which SQLite
runs ``BEGIN IMMEDIATE`` (one writer at a time) and PostgreSQL/CockroachDB SERIALIZABLE;
serialization failures and a locked SQLite file retry the operation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from restman_core.adapters.sql.auth_state_tables import (
    auth_codes,
    auth_lockouts,
    auth_rate_counters,
    auth_sessions,
)
from restman_core.adapters.sql.database import MAX_ATTEMPTS, backoff_delay, is_retryable
from restman_core.adapters.sql.readers import connection_on
from restman_core.adapters.sql.transaction import SqlTransaction
from restman_core.adapters.sql.writer import runner_for
from restman_core.domain.access import Role
from restman_core.domain.auth import CodeRecord, CodeState, WrongGuess
from restman_core.domain.rate_limits import (
    RateDecision,
    max_count_after_hit,
    rate_decision,
    window_position,
)
from restman_core.errors import Unavailable

T = TypeVar("T")


async def run_short(
    engine: AsyncEngine, work: Callable[[AsyncConnection], Awaitable[T]], *, read: bool = False
) -> T:
    """Run ``work`` in its own transaction, retrying serialization failures and a locked SQLite
    file with jittered backoff; an unreachable or persistently busy database is Unavailable.
    Other database errors are programming errors and propagate unchanged.

    ``read=True``: ``work`` only reads, on a connection of ``engine`` that commits nothing
    (with a reader engine from :mod:`restman_core.adapters.sql.readers`, never a write lock).

    A write on an engine whose database runs a single writer (SQLite, see
    :func:`restman_core.adapters.sql.writer.register_runner`) runs as one of its units."""
    runner = None if read else runner_for(engine)
    if runner is not None:
        return cast(T, await runner(lambda tx: work(cast(SqlTransaction, tx).conn)))
    for attempt in range(MAX_ATTEMPTS):
        try:
            if read:
                async with connection_on(engine) as conn:
                    return await work(conn)
            async with engine.begin() as conn:
                return await work(conn)
        except DBAPIError as exc:
            if not is_retryable(exc):
                if isinstance(exc, OperationalError) or exc.connection_invalidated:
                    raise Unavailable("The sign-in store is unavailable; try again") from exc
                raise
            await asyncio.sleep(backoff_delay(attempt))
        except OSError as exc:
            raise Unavailable("The sign-in store is unreachable; try again") from exc
    raise Unavailable("The sign-in store is busy; try again shortly")


def upsert(conn: AsyncConnection, table: Table) -> Any:
    """The dialect's INSERT with ON CONFLICT support (CockroachDB speaks PostgreSQL's)."""
    return sqlite_insert(table) if conn.dialect.name == "sqlite" else pg_insert(table)


class SqlCodeStore:
    """Implements ``restman_core.ports.sessions.CodeStore`` on ``auth_codes`` and
    ``auth_lockouts``."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def state(self, email: str) -> CodeState:
        async def work(conn: AsyncConnection) -> CodeState:
            code = await conn.execute(select(auth_codes).where(auth_codes.c.email == email))
            row = code.first()
            locked = await conn.scalar(
                select(auth_lockouts.c.locked_until).where(auth_lockouts.c.email == email)
            )
            return CodeState(_record(row._mapping) if row else None, locked)

        return await run_short(self._engine, work)

    async def put(
        self, record: CodeRecord, *, now: datetime, resend_seconds: int
    ) -> datetime | None:
        resend = timedelta(seconds=resend_seconds)
        fields = {
            "code_hash": record.code_hash,
            "requested_role": record.requested_role.value if record.requested_role else None,
            "created_at": record.created_at,
            "expires_at": record.expires_at,
            "failed_attempts": 0,
            "purge_after": max(record.expires_at, record.created_at + resend),
        }

        async def work(conn: AsyncConnection) -> datetime | None:
            locked: datetime | None = await conn.scalar(
                select(auth_lockouts.c.locked_until).where(auth_lockouts.c.email == record.email)
            )
            if locked is not None and locked > now:
                return locked
            statement = (
                upsert(conn, auth_codes)
                .values(email=record.email, **fields)
                .on_conflict_do_update(
                    index_elements=["email"],
                    set_=fields,
                    where=auth_codes.c.created_at <= now - resend,
                )
                .returning(auth_codes.c.email)
            )
            if (await conn.execute(statement)).first() is not None:
                return None
            previous: datetime | None = await conn.scalar(
                select(auth_codes.c.created_at).where(auth_codes.c.email == record.email)
            )
            # The conflicting row cannot vanish inside this transaction; ``now`` is a guard.
            return (previous or now) + resend

        return await run_short(self._engine, work)

    async def consume(self, email: str, code_hash: str) -> bool:
        async def work(conn: AsyncConnection) -> bool:
            result = await conn.execute(
                delete(auth_codes).where(
                    auth_codes.c.email == email, auth_codes.c.code_hash == code_hash
                )
            )
            return result.rowcount == 1

        return await run_short(self._engine, work)

    async def record_wrong_guess(
        self,
        email: str,
        code_hash: str,
        *,
        max_attempts: int,
        locked_until: datetime,
        now: datetime,
    ) -> WrongGuess:
        mine = (auth_codes.c.email == email, auth_codes.c.code_hash == code_hash)

        async def work(conn: AsyncConnection) -> WrongGuess:
            attempts = await conn.scalar(
                update(auth_codes)
                .where(*mine)
                .values(failed_attempts=auth_codes.c.failed_attempts + 1)
                .returning(auth_codes.c.failed_attempts)
            )
            if attempts is None:
                return WrongGuess(0)
            if attempts < max_attempts:
                return WrongGuess(attempts)
            await conn.execute(delete(auth_codes).where(*mine))
            await conn.execute(
                upsert(conn, auth_lockouts)
                .values(email=email, locked_until=locked_until)
                .on_conflict_do_update(
                    index_elements=["email"], set_={"locked_until": locked_until}
                )
            )
            return WrongGuess(attempts, locked_until)

        return await run_short(self._engine, work)


class SqlRateLimiter:
    """Implements ``restman_core.ports.sessions.RateLimiter`` on ``auth_rate_counters``: the
    increment is admitted by the statement's own WHERE clause, so concurrent hits from several
    processes can never push a bucket past its limit."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def hit(
        self, bucket: str, *, limit: int, window_seconds: int, now: datetime
    ) -> RateDecision:
        index, elapsed_ms, window_ms = window_position(now, window_seconds)
        purge_after = now + timedelta(milliseconds=2 * window_ms - elapsed_ms)
        counters = auth_rate_counters

        async def count(conn: AsyncConnection, window: int) -> int:
            hits = await conn.scalar(
                select(counters.c.hits).where(
                    counters.c.bucket == bucket, counters.c.window_index == window
                )
            )
            return int(hits or 0)

        async def work(conn: AsyncConnection) -> RateDecision:
            previous = await count(conn, index - 1)
            ceiling = max_count_after_hit(limit, previous, window_ms, elapsed_ms)
            counted = None
            if ceiling >= 1:
                counted = await conn.scalar(
                    upsert(conn, counters)
                    .values(bucket=bucket, window_index=index, hits=1, purge_after=purge_after)
                    .on_conflict_do_update(
                        index_elements=["bucket", "window_index"],
                        set_={"hits": counters.c.hits + 1},
                        where=counters.c.hits + 1 <= ceiling,
                    )
                    .returning(counters.c.hits)
                )
            # Older windows of this bucket no longer weigh in anything.
            await conn.execute(
                delete(counters).where(
                    counters.c.bucket == bucket, counters.c.window_index < index - 1
                )
            )
            current = int(counted) if counted is not None else await count(conn, index)
            return rate_decision(
                counted is not None, limit, previous, current, window_ms, elapsed_ms
            )

        return await run_short(self._engine, work)


async def purge_auth_state(engine: AsyncEngine, now: datetime) -> int:
    """Delete expired codes, lockouts, sessions and rate counters; returns the rows removed.
    Housekeeping calls this periodically; correctness never depends on it (every reader checks
    expiry itself)."""

    async def work(conn: AsyncConnection) -> int:
        removed = 0
        for table, column in (
            (auth_codes, auth_codes.c.purge_after),
            (auth_lockouts, auth_lockouts.c.locked_until),
            (auth_sessions, auth_sessions.c.deadline),
            (auth_rate_counters, auth_rate_counters.c.purge_after),
        ):
            removed += (await conn.execute(delete(table).where(column <= now))).rowcount
        return removed

    return await run_short(engine, work)


def _record(row: Any) -> CodeRecord:
    role = row["requested_role"]
    return CodeRecord(
        email=row["email"],
        code_hash=row["code_hash"],
        requested_role=Role(role) if role else None,
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        failed_attempts=row["failed_attempts"],
    )
