"""Leases in the database: at most one holder of a named duty at a time, across processes.

A lease row names its holder and the moment it expires. A process holds the lease while it keeps
renewing it before it expires; another process takes it over only after it has expired (the
holder died or hung). The relay and housekeeping run under leases so several instances can run
for availability while only one acts.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.adapters.sql.rows import insert_ignore
from restman_core.adapters.sql.sqlwork import run_sql
from restman_core.adapters.sql.tables import leases
from restman_core.domain.clock import Clock
from restman_core.errors import Conflict

log = logging.getLogger(__name__)


def new_holder_id(role: str) -> str:
    """A holder name unique to this process and instance: ``role@host:pid:random``."""
    return f"{role}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:100]


class LeaseLost(Exception):
    """The lease was taken over by another holder (ours had expired)."""


async def renew_in(
    conn: AsyncConnection, name: str, holder: str, now: datetime, ttl: timedelta
) -> bool:
    """Inside an open transaction: take or extend the lease ``name`` for ``holder``.

    True when ``holder`` now holds it until ``now + ttl``: it held it already, the lease was
    free, or it had expired. False when someone else holds an unexpired lease.
    """
    expires = now + ttl
    taken = await conn.execute(
        update(leases)
        .where(
            leases.c.name == name,
            or_(leases.c.holder == holder, leases.c.expires_at <= now),
        )
        .values(holder=holder, expires_at=expires)
    )
    if taken.rowcount:
        return True
    inserted = await conn.execute(
        insert_ignore(conn, leases, ["name"]).values(name=name, holder=holder, expires_at=expires)
    )
    return bool(inserted.rowcount)


async def confirm_in(
    conn: AsyncConnection, name: str, holder: str, now: datetime, ttl: timedelta
) -> None:
    """Inside an open transaction: extend the lease only if ``holder`` still holds it;
    otherwise raise :class:`LeaseLost` (so the caller's transaction rolls back)."""
    result = await conn.execute(
        update(leases)
        .where(leases.c.name == name, leases.c.holder == holder)
        .values(expires_at=now + ttl)
    )
    if not result.rowcount:
        raise LeaseLost(f"lease {name!r} is no longer held by {holder}")


class SqlLease:
    """One process's claim on the lease ``name``."""

    def __init__(
        self, db: SqlDatabase, clock: Clock, name: str, holder: str, ttl_seconds: float
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError("a lease needs a positive time to live")
        self.db = db
        self.clock = clock
        self.name = name
        self.holder = holder
        self.ttl = timedelta(seconds=ttl_seconds)
        self.held = False

    async def hold(self) -> bool:
        """Acquire or renew; True while this process holds the lease."""
        now = self.clock.now()
        try:
            held = await run_sql(
                self.db, lambda conn: renew_in(conn, self.name, self.holder, now, self.ttl)
            )
        except (IntegrityError, Conflict):
            # Another process inserted the lease row first (the unit of work may report the
            # duplicate as Conflict): it holds the lease.
            held = False
        if held != self.held:
            log.info("%s %s lease %s", self.holder, "took" if held else "lost", self.name)
        self.held = held
        return held

    async def release(self) -> None:
        """Give the lease up at once (graceful shutdown), so a standby takes over quickly."""
        if not self.held:
            return
        self.held = False

        async def work(conn: AsyncConnection) -> None:
            await conn.execute(
                delete(leases).where(
                    and_(leases.c.name == self.name, leases.c.holder == self.holder)
                )
            )

        await run_sql(self.db, work)
        log.info("%s released lease %s", self.holder, self.name)
