"""SQL specifics of the embedded sign-in state: purging what expired, durability across a
restart, and the statements compiled for CockroachDB (which cannot run here)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.schema import CreateTable
from sqlalchemy_cockroachdb.psycopg import CockroachDBDialect_psycopg

from restman_core.adapters.sql.auth_sessions import SqlSessionStore
from restman_core.adapters.sql.auth_state import (
    SqlCodeStore,
    SqlRateLimiter,
    purge_auth_state,
)
from restman_core.adapters.sql.auth_state_tables import (
    AUTH_STATE_TABLES,
    auth_rate_counters,
)
from restman_core.adapters.sql.database import open_database
from restman_core.adapters.sql.urls import sqlite_url
from restman_core.domain.auth import AuthPolicy, new_code_record
from tests.auth.helpers import (
    ManualClock,
    create_schema,
    fresh_email,
    make_session,
)


async def _rows(url: str) -> int:
    db = open_database(url)
    try:
        async with db.engine.connect() as conn:
            counts = [
                await conn.scalar(select(func.count()).select_from(t)) for t in AUTH_STATE_TABLES
            ]
        return sum(int(c or 0) for c in counts)
    finally:
        await db.close()


async def test_state_survives_a_restart_and_purge_removes_only_what_expired(
    tmp_path: Path, clock: ManualClock
) -> None:
    url = create_schema(sqlite_url(tmp_path / "restman.db"))
    db = open_database(url)
    email = fresh_email()
    record = new_code_record(email, secrets.token_hex(32), None, clock.now(), AuthPolicy())
    session = make_session(clock)
    try:
        await SqlCodeStore(db.engine).put(record, now=clock.now(), resend_seconds=60)
        await SqlSessionStore(db.engine).create(session, now=clock.now())
        await SqlRateLimiter(db.engine).hit("b", limit=5, window_seconds=60, now=clock.now())
    finally:
        await db.close()

    restarted = open_database(url)  # a new process on the same file
    try:
        assert (await SqlCodeStore(restarted.engine).state(email)).record == record
        assert await SqlSessionStore(restarted.engine).get(session.token_hash) == session
        assert await purge_auth_state(restarted.engine, clock.now()) == 0
        assert await _rows(url) == 3
        # Past the code (5 min) and the counter (2 windows) but before the session's idle end.
        later = clock.now() + timedelta(minutes=30)
        assert await purge_auth_state(restarted.engine, later) == 2
        assert await SqlSessionStore(restarted.engine).get(session.token_hash) == session
        assert await purge_auth_state(restarted.engine, later + timedelta(hours=2)) == 1
    finally:
        await restarted.close()
    assert await _rows(url) == 0


def test_the_tables_and_upserts_compile_for_cockroachdb() -> None:
    dialect = CockroachDBDialect_psycopg()
    for table in AUTH_STATE_TABLES:
        ddl = str(CreateTable(table).compile(dialect=dialect))
        assert f"CONSTRAINT pk_{table.name} PRIMARY KEY" in ddl
    counters = auth_rate_counters
    statement = (
        pg_insert(counters)
        .values(bucket="b", window_index=1, hits=1, purge_after=None)
        .on_conflict_do_update(
            index_elements=["bucket", "window_index"],
            set_={"hits": counters.c.hits + 1},
            where=counters.c.hits + 1 <= 5,
        )
        .returning(counters.c.hits)
    )
    sql = str(statement.compile(dialect=dialect))
    assert "ON CONFLICT (bucket, window_index) DO UPDATE" in sql
    assert "RETURNING auth_rate_counters.hits" in sql
