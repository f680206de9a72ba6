"""``Database.read`` on SQLite: a read beside the single writer sees the last commit, answers
while another connection holds the file's write lock, and cannot write."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid

import pytest
from sqlalchemy import delete

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.adapters.sql.tables import users
from restman_core.adapters.sql.transaction import SqlTransaction
from restman_core.domain.access import Role
from restman_core.errors import Unavailable
from restman_core.ports.storage import Transaction
from tests.core.builders import add_user

ANSWER_WITHIN = 60  # generous: the read takes milliseconds; queued behind the lock it never would


async def _user_exists(database: SqlDatabase, user_id: uuid.UUID) -> bool:
    async def work(tx: Transaction) -> bool:
        return await tx.users.get(user_id) is not None

    return await database.read(work)


async def test_a_read_sees_the_last_commit_while_another_connection_holds_the_lock(
    sqlite_database: SqlDatabase,
) -> None:
    user = await add_user(sqlite_database, Role.CUSTOMER, "reader")
    holder = sqlite3.connect(sqlite_database.engine.url.database or "", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        seen = await asyncio.wait_for(_user_exists(sqlite_database, user.user_id), ANSWER_WITHIN)
        holder.execute("ROLLBACK")
    finally:
        holder.close()
    assert seen


async def test_a_read_cannot_write(sqlite_database: SqlDatabase) -> None:
    user = await add_user(sqlite_database, Role.CUSTOMER, "kept")

    async def work(tx: Transaction) -> None:
        assert isinstance(tx, SqlTransaction)
        await tx.conn.execute(delete(users).where(users.c.id == user.user_id))

    with pytest.raises(Unavailable) as caught:
        await sqlite_database.read(work)
    assert "readonly database" in str(caught.value.__cause__)
    assert await _user_exists(sqlite_database, user.user_id)
