"""Embedded sessions on the ``auth_sessions`` table (implements
``restman_core.ports.sessions.SessionStore``).

A lookup is one primary-key SELECT by token hash on the reader engine: a plain read that never
takes SQLite's write lock, so checking a session on every request neither waits for writers nor
makes them wait (``touch``, at most once per ``session_touch_seconds``, is the one write on the
request path). Each new session also deletes its user's dead sessions, so the table stays
bounded per user between purges.
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from restman_core.adapters.sql.auth_state import run_short
from restman_core.adapters.sql.auth_state_tables import auth_sessions
from restman_core.domain.access import Role
from restman_core.domain.auth import Session


@functools.cache
def _by_token() -> Select[Any]:
    """The lookup of every authenticated request, built once (building a statement and its
    cache key costs more than running it)."""
    return select(auth_sessions).where(auth_sessions.c.token_hash == bindparam("token_hash"))


class SqlSessionStore:
    """Sessions on ``engine``; lookups on ``reader`` (default: ``engine`` itself; give it one
    from :func:`restman_core.adapters.sql.readers.open_reader_engine`, which the caller
    disposes of)."""

    def __init__(self, engine: AsyncEngine, *, reader: AsyncEngine | None = None) -> None:
        self._engine = engine
        self._reader = reader or engine

    async def create(self, session: Session, *, now: datetime) -> None:
        async def work(conn: AsyncConnection) -> None:
            await conn.execute(
                delete(auth_sessions).where(
                    auth_sessions.c.user_id == session.user_id, auth_sessions.c.deadline <= now
                )
            )
            await conn.execute(insert(auth_sessions).values(**_values(session)))

        await run_short(self._engine, work)

    async def get(self, token_hash: str) -> Session | None:
        async def work(conn: AsyncConnection) -> Session | None:
            row = (await conn.execute(_by_token(), {"token_hash": token_hash})).first()
            return _session(row._mapping) if row else None

        return await run_short(self._reader, work, read=True)

    async def touch(self, session: Session, *, now: datetime) -> None:
        touched = session.touched(now)

        async def work(conn: AsyncConnection) -> None:
            await conn.execute(
                update(auth_sessions)
                .where(auth_sessions.c.token_hash == session.token_hash)
                .values(last_seen_at=now, deadline=touched.deadline)
            )

        await run_short(self._engine, work)

    async def revoke(self, session: Session) -> bool:
        return await self._delete(auth_sessions.c.token_hash == session.token_hash) > 0

    async def revoke_id(self, user_id: uuid.UUID, session_id: uuid.UUID) -> bool:
        mine = (auth_sessions.c.user_id == user_id) & (auth_sessions.c.id == session_id)
        return await self._delete(mine) > 0

    async def revoke_all(self, user_id: uuid.UUID) -> int:
        return await self._delete(auth_sessions.c.user_id == user_id)

    async def _delete(self, condition: Any) -> int:
        async def work(conn: AsyncConnection) -> int:
            return int((await conn.execute(delete(auth_sessions).where(condition))).rowcount)

        return await run_short(self._engine, work)


def _values(session: Session) -> dict[str, Any]:
    return {
        "token_hash": session.token_hash,
        "id": session.id,
        "user_id": session.user_id,
        "role": session.role.value,
        "email": session.email,
        "created_at": session.created_at,
        "expires_at": session.expires_at,
        "last_seen_at": session.last_seen_at,
        "idle_seconds": session.idle_seconds,
        "deadline": session.deadline,
    }


def _session(row: Any) -> Session:
    return Session(
        id=row["id"],
        user_id=row["user_id"],
        role=Role(row["role"]),
        email=row["email"],
        token_hash=row["token_hash"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        last_seen_at=row["last_seen_at"],
        idle_seconds=row["idle_seconds"],
    )
