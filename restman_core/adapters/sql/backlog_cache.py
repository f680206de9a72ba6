"""The stations' finish (a new order's quote) kept per SQLite read-only connection until the
database changes.

Every placement reads when each station of its restaurant is done with its queue
(:func:`~restman_core.adapters.sql.queue_sql.stations_done`), one statement with window
functions over up to 200 queued tickets: under a flood of orders it was the largest cost of a
placement. The answer changes only when something is committed, or when a scheduled ticket of
the queue becomes due, and under load many placements read between two commits of the single
writer. So a read-only connection (:class:`InlineReadConnection`, whose reads are the
placements' quotes) keeps the last answer per restaurant with SQLite's ``PRAGMA data_version``
of its snapshot: the same number on the same connection means that no connection committed
anything in between, so the snapshot holds the same data, and the answer is reused while
``now`` stays between the moment it was computed for and its expiry (see
:func:`~restman_core.adapters.sql.queue_sql.stations_done_until`). The answer is then exactly
the statement's. Any other connection (the writer's, whose unit may have written tickets;
PostgreSQL's) runs the statement every time.
"""

from __future__ import annotations

import uuid
import weakref
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql import queue_sql
from restman_core.adapters.sql.inline_sqlite import InlineReadConnection

MAX_ENTRIES = 1024
"""Restaurants remembered per connection at most; past that the memory starts over."""


@dataclass(frozen=True, slots=True)
class _Answer:
    version: int
    computed_for: datetime
    expires: datetime | None
    done: dict[str, datetime]


_ANSWERS: weakref.WeakKeyDictionary[InlineReadConnection, dict[tuple[uuid.UUID, int], _Answer]] = (
    weakref.WeakKeyDictionary()
)


async def stations_done(
    conn: AsyncConnection, restaurant_id: uuid.UUID, limit: int, now: datetime
) -> dict[str, datetime]:
    """:func:`queue_sql.stations_done`, reused on a read-only SQLite connection while nothing
    was committed and no scheduled ticket fell due (see the module docstring)."""
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    if not isinstance(driver, InlineReadConnection):
        return await queue_sql.stations_done(conn, restaurant_id, limit, now)
    # In the read's transaction: the version of the snapshot the statement below reads.
    version = driver.data_version()
    answers = _ANSWERS.setdefault(driver, {})
    key = (restaurant_id, limit)
    known = answers.get(key)
    if (
        known is not None
        and known.version == version
        and known.computed_for <= now
        and (known.expires is None or now < known.expires)
    ):
        return dict(known.done)
    done, expires = await queue_sql.stations_done_until(conn, restaurant_id, limit, now)
    if len(answers) >= MAX_ENTRIES:
        answers.clear()
    answers[key] = _Answer(version, now, expires, dict(done))
    return done
