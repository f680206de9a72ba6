"""Session checks that do not write: on SQLite, looking a session up is a plain read that never
takes the file's write lock, so an authenticated request is answered while another connection
holds it, and a fresh session's check emits no write at all."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.api.harness import Harness, running_api

# Generous: the check itself takes milliseconds; a lookup that queued behind the lock would
# instead fail with Unavailable after the store's retries (well under this).
ANSWER_WITHIN = 60


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_api(tmp_path / "data", run_pipeline=False) as running:
        yield running


@contextmanager
def write_lock_held(database: Path) -> Iterator[None]:
    """Another connection holds SQLite's write lock (BEGIN IMMEDIATE) for the block."""
    holder = sqlite3.connect(database, isolation_level=None, timeout=30)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
        holder.execute("ROLLBACK")
    finally:
        holder.close()


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement any engine of this process sends while the block runs (the unit of
    work's ``BEGIN IMMEDIATE`` included: it is sent as a statement)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


async def test_a_session_is_checked_while_another_connection_holds_the_write_lock(
    harness: Harness,
) -> None:
    user = await harness.new_user()
    database = harness.api.platform.settings.sqlite_path
    with write_lock_held(database):
        session = await asyncio.wait_for(harness.api.auth.authenticate(user.token), ANSWER_WITHIN)
    assert str(session.user_id) == user.user_id


async def test_checking_a_fresh_session_writes_nothing(harness: Harness) -> None:
    user = await harness.new_user()
    with statements() as seen:
        await harness.api.auth.authenticate(user.token)
        await harness.api.auth.authenticate(user.token)
    lookups = [s for s in seen if "auth_sessions" in s]
    assert len(lookups) == 2, seen
    assert all(s.lstrip().upper().startswith("SELECT") for s in lookups), seen
    assert not [s for s in seen if "BEGIN" in s.upper()], seen
