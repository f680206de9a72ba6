"""Poison events for the operators' tools tests, made of real rows.

:func:`orphan_placement` copies a real order's ``order.placed`` event under an order id that
does not exist yet: kitchen and billing fail on it (their rows reference the order) until
:func:`supply_missing_order` creates that order, after which replaying it succeeds.
:func:`malformed_placement` can never succeed.
"""

from __future__ import annotations

import json
import uuid

from sqlalchemy import insert, select

from restman_core.adapters.sql.sqlwork import run_sql
from restman_core.adapters.sql.tables import orders, outbox
from restman_core.bootstrap import Platform
from restman_core.bootstrap_ops import dead_letter_service
from restman_core.domain.events import ORDER_PLACED, DomainEvent


async def orphan_placement(platform: Platform, real_order: uuid.UUID) -> DomainEvent:
    """Add to the outbox a copy of ``real_order``'s placement under a fresh order id."""
    query = select(outbox.c.payload).where(outbox.c.event_key == real_order)
    query = query.where(outbox.c.event_type == ORDER_PLACED)
    payloads = await run_sql(platform.db, lambda conn: conn.scalars(query))
    placed = DomainEvent.from_envelope(json.loads(next(iter(payloads))))
    orphan = uuid.uuid4()
    event = DomainEvent(
        ORDER_PLACED, orphan, platform.clock.now(), {**placed.payload, "order_id": str(orphan)}
    )
    await platform.db.run(lambda tx: tx.outbox.add([event]))
    return event


async def supply_missing_order(
    platform: Platform, real_order: uuid.UUID, orphan: uuid.UUID
) -> None:
    """Fix the cause: the order an orphan placement names now exists (a copy of the real one)."""
    found = await run_sql(
        platform.db, lambda conn: conn.execute(select(orders).where(orders.c.id == real_order))
    )
    row = dict(next(iter(found))._mapping)
    row["id"] = orphan
    await run_sql(platform.db, lambda conn: conn.execute(insert(orders).values(**row)))


async def malformed_placement(platform: Platform) -> DomainEvent:
    """An ``order.placed`` without the fields any consumer needs."""
    event = DomainEvent(
        ORDER_PLACED, uuid.uuid4(), platform.clock.now(), {"order_id": str(uuid.uuid4())}
    )
    await platform.db.run(lambda tx: tx.outbox.add([event]))
    return event


async def dead_letter_count(platform: Platform) -> int:
    return await dead_letter_service(platform).count()
