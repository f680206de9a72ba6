"""Builders for the pacing tests: a paced restaurant on a frozen clock, and reading back the
pacing ledger and the orders counted in it."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.adapters.sql.tables import kitchen_slots, orders
from restman_core.domain.access import Actor
from restman_core.domain.clock import ensure_utc
from tests.core.builders import Core, Kitchen, build_restaurant

# A Monday, 12:05 UTC: inside the 15-minute slot 12:00-12:15.
NOW = datetime(2026, 12, 7, 12, 5, tzinfo=UTC)
SLOT = {"slot_minutes": 15, "max_prep_seconds_per_slot": 900}
# A pizza is 300 s of prep (three fill a slot), a salad 120 s, water none.
FOODS: dict[str, dict[str, Any]] = {
    "Pizza": {"category": "Mains", "price": "10.00", "prep_time_seconds": 300},
    "Salad": {"category": "Mains", "price": "7.00", "prep_time_seconds": 120, "station": "cold"},
    "Water": {"category": "Drinks", "price": "1.00"},
}
CATEGORIES: dict[str, dict[str, Any]] = {"Mains": {}, "Drinks": {"station": "bar"}}


async def paced_kitchen(
    core: Core, owner: Actor | None = None, pacing: Any = None, **fields: Any
) -> Kitchen:
    """A restaurant selling :data:`FOODS`, paced by ``pacing`` (:data:`SLOT` unless given)."""
    return await build_restaurant(
        core,
        owner,
        categories=CATEGORIES,
        foods=FOODS,
        pacing=SLOT if pacing is None else pacing,
        **fields,
    )


async def ledger(db: SqlDatabase, restaurant_id: uuid.UUID) -> dict[datetime, int]:
    """The prep seconds the ledger counts per slot start of the restaurant."""
    query = select(kitchen_slots.c.slot_start, kitchen_slots.c.prep_seconds).where(
        kitchen_slots.c.restaurant_id == restaurant_id
    )
    async with db.engine.connect() as conn:
        rows = await conn.execute(query)
        return {ensure_utc(r.slot_start): int(r.prep_seconds) for r in rows}


async def counted_orders(db: SqlDatabase, restaurant_id: uuid.UUID) -> Counter[datetime]:
    """The prep seconds of the restaurant's orders not cancelled, summed per counted slot."""
    query = select(orders.c.paced_slot, orders.c.paced_load).where(
        orders.c.restaurant_id == restaurant_id,
        orders.c.status != "CANCELLED",
        orders.c.paced_slot.is_not(None),
    )
    sums: Counter[datetime] = Counter()
    async with db.engine.connect() as conn:
        for row in await conn.execute(query):
            sums[ensure_utc(row.paced_slot)] += int(row.paced_load)
    return sums
