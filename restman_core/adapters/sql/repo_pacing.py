"""The pacing ledger (``kitchen_slots``): prep seconds counted per restaurant and slot."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from restman_core.adapters.sql.tables_pacing import kitchen_slots
from restman_core.domain.clock import ensure_utc


class SqlSlotLedger:
    """Implements :class:`restman_core.ports.storage.SlotLedger`."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def loads(
        self, restaurant_id: uuid.UUID, start: datetime, end: datetime
    ) -> Mapping[datetime, int]:
        query = select(kitchen_slots.c.slot_start, kitchen_slots.c.prep_seconds).where(
            kitchen_slots.c.restaurant_id == restaurant_id,
            kitchen_slots.c.slot_start >= start,
            kitchen_slots.c.slot_start < end,
        )
        rows = await self._conn.execute(query)
        return {ensure_utc(row.slot_start): int(row.prep_seconds) for row in rows}

    async def take(
        self, restaurant_id: uuid.UUID, slot_start: datetime, load: int, cap: int
    ) -> bool:
        # One statement decides: the first order of a slot creates its row, every later one adds
        # its load only while the sum stays within the cap. The row is the point of contention,
        # so two placements cannot both read room and both take it: SQLite runs units one at a
        # time, and PostgreSQL at SERIALIZABLE makes the second writer of the row retry.
        if load > cap:
            return False
        row = {"restaurant_id": restaurant_id, "slot_start": slot_start, "prep_seconds": load}
        key = [kitchen_slots.c.restaurant_id, kitchen_slots.c.slot_start]
        statement: Insert
        if self._conn.dialect.name == "sqlite":
            lite = sqlite_insert(kitchen_slots).values(row)
            statement = lite.on_conflict_do_update(
                index_elements=key,
                set_={"prep_seconds": kitchen_slots.c.prep_seconds + lite.excluded.prep_seconds},
                where=kitchen_slots.c.prep_seconds + lite.excluded.prep_seconds <= cap,
            )
        else:
            pg = pg_insert(kitchen_slots).values(row)
            statement = pg.on_conflict_do_update(
                index_elements=key,
                set_={"prep_seconds": kitchen_slots.c.prep_seconds + pg.excluded.prep_seconds},
                where=kitchen_slots.c.prep_seconds + pg.excluded.prep_seconds <= cap,
            )
        result = await self._conn.execute(statement.returning(kitchen_slots.c.prep_seconds))
        return result.first() is not None

    async def give_back(self, restaurant_id: uuid.UUID, slot_start: datetime, load: int) -> None:
        await self._conn.execute(
            update(kitchen_slots)
            .where(
                kitchen_slots.c.restaurant_id == restaurant_id,
                kitchen_slots.c.slot_start == slot_start,
            )
            .values(prep_seconds=kitchen_slots.c.prep_seconds - load)
        )
