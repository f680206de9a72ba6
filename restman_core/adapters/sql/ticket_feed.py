"""The kitchen ticket feed read from the outbox table.

Ticket events are outbox rows of type ``ticket.created``/``ticket.updated`` whose payload is the
event envelope with the full ticket under ``data.ticket``; ``log_seq`` (assigned by the relay in
publish order) is the cursor. Reads are plain SELECTs outside the unit of work: on SQLite they
use a reader engine of their own, because every write goes through the single writer, and
four polls a second must never queue behind or block writers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.adapters.sql.log_signal import LogSignal
from restman_core.adapters.sql.readers import connection_on, open_reader_engine
from restman_core.adapters.sql.tables import outbox
from restman_core.domain.events import TICKET_CREATED, TICKET_UPDATED
from restman_core.errors import Unavailable
from restman_core.ports.ticket_feed import EventLogStatus, TicketChange

log = logging.getLogger(__name__)
TICKET_EVENTS = (TICKET_CREATED, TICKET_UPDATED)


def _change(seq: int, event_type: str, payload: str) -> TicketChange | None:
    """Decode one outbox row; a malformed row is logged and skipped (it cannot be shown)."""
    try:
        data: dict[str, Any] = json.loads(payload)["data"]
        ticket = data["ticket"]
        restaurant_id = uuid.UUID(str(ticket["restaurant_id"]))
    except (KeyError, TypeError, ValueError):
        log.warning("skipping malformed ticket event at log_seq %s", seq)
        return None
    return TicketChange(seq=seq, event_type=event_type, restaurant_id=restaurant_id, ticket=ticket)


class SqlTicketFeed:
    """Implements :class:`restman_core.ports.ticket_feed.TicketFeed` on the outbox table."""

    def __init__(
        self, engine: AsyncEngine, *, owns_engine: bool = False, signal: LogSignal | None = None
    ) -> None:
        self._engine = engine
        self._owns_engine = owns_engine
        # Set when this process's relay numbers rows (the log advanced): see :meth:`wait`.
        self._numbered = None if signal is None else signal.on_numbered()

    async def wait(self, seconds: float) -> None:
        """Wait ``seconds``, or until this process's relay has numbered rows since the last
        wait (a change from another process is seen at the end of the wait, as before)."""
        if self._numbered is None:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._numbered.wait()
        self._numbered.clear()

    async def _rows(self, statement: Any) -> Sequence[Any]:
        try:
            async with connection_on(self._engine) as conn:
                return (await conn.execute(statement)).all()
        except (DBAPIError, OSError) as exc:
            raise Unavailable("The event log is unreachable") from exc

    async def last_seq(self) -> int:
        rows = await self._rows(select(func.max(outbox.c.log_seq)))
        return int(rows[0][0] or 0)

    async def changes_after(self, seq: int, *, limit: int) -> Sequence[TicketChange]:
        statement = (
            select(outbox.c.log_seq, outbox.c.event_type, outbox.c.payload)
            .where(outbox.c.log_seq > seq, outbox.c.event_type.in_(TICKET_EVENTS))
            .order_by(outbox.c.log_seq)
            .limit(limit)
        )
        changes = (_change(int(r[0]), str(r[1]), str(r[2])) for r in await self._rows(statement))
        return [c for c in changes if c is not None]

    async def status(self) -> EventLogStatus:
        unpublished = (
            select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        )
        rows = await self._rows(select(unpublished.scalar_subquery(), func.max(outbox.c.log_seq)))
        return EventLogStatus(unpublished=int(rows[0][0] or 0), last_seq=int(rows[0][1] or 0))

    async def close(self) -> None:
        if self._owns_engine:
            await self._engine.dispose()


def open_ticket_feed(db: SqlDatabase) -> SqlTicketFeed:
    """The feed over ``db``'s outbox: the same pool on PostgreSQL/CockroachDB, a reader engine
    of its own on SQLite (:mod:`restman_core.adapters.sql.readers`: plain reads beside the
    writer, inline on the event loop)."""
    if db.dialect != "sqlite":
        return SqlTicketFeed(db.engine, signal=db.log_signal)
    reader = open_reader_engine(db.engine)
    return SqlTicketFeed(reader, owns_engine=True, signal=db.log_signal)
