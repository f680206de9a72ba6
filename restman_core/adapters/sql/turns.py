"""Turns across processes for units that all write one hot row (see ``Database.run``'s ``turn``).

At SERIALIZABLE, units of several processes writing the same row at once fail each other: all
but one get 40001, roll back, back off and run again, and in a burst the unlucky ones lose
round after round until their retry budget is spent (a 503 "busy" for a customer who asked for
nothing unusual). Each process already lets one such unit per restaurant into the database at
a time (:mod:`restman_core.services.placement_gates`); this module makes the processes take
turns too, on PostgreSQL, with a session-level advisory lock per turn key.

The lock is taken *before* the unit's transaction begins, on the connection the transaction
then uses, and released after it ends. Taking it inside the transaction would not do: a
SERIALIZABLE transaction's snapshot is taken by its first statement, so a unit that waited
there for the lock would still read the row as it was before the previous holder's commit and
fail on it. Dialects without advisory locks (CockroachDB) run units as before: the rows and the
retries decide, as they always do; the turn only saves retries.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

_LOCK = text("SELECT pg_advisory_lock(:key)")
_UNLOCK = text("SELECT pg_advisory_unlock(:key)")
# The advisory key space is shared with anything else on the server: this namespace's first
# 16 bits set the keys apart from small hand-picked ones an operator might use.
_NAMESPACE = 0x524D  # "RM"


def takes_turns(engine: AsyncEngine) -> bool:
    """Whether units on ``engine`` can wait their turn in the database (PostgreSQL)."""
    return engine.dialect.name == "postgresql"


def turn_key(turn: uuid.UUID) -> int:
    """The signed 64-bit advisory lock key of a turn: the namespace, then 48 bits of the id."""
    value = (_NAMESPACE << 48) | (turn.int & ((1 << 48) - 1))
    return value - (1 << 64) if value >= 1 << 63 else value


@asynccontextmanager
async def transaction_in_turn(
    engine: AsyncEngine, turn: uuid.UUID
) -> AsyncIterator[AsyncConnection]:
    """A transaction for the block, begun once ``turn`` is this connection's and committed when
    the block ends normally; the turn is given back whatever happens. A connection that breaks
    meanwhile ends its session, and with it the lock, on the server."""
    key = turn_key(turn)
    async with engine.connect() as conn:
        await conn.execute(_LOCK, {"key": key})
        await conn.commit()
        try:
            async with conn.begin():
                yield conn
        finally:
            try:
                await conn.execute(_UNLOCK, {"key": key})
                await conn.commit()
            except DBAPIError:
                log.info("a turn's connection broke; its session's end gives the turn back")
                await conn.invalidate()
