"""Kitchen tickets and their items."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql import backlog_cache, queue_sql
from restman_core.adapters.sql.rows import limit_of, page_filter, values
from restman_core.adapters.sql.tables import kitchen_tickets, orders, ticket_items
from restman_core.domain.kitchen import Ticket, TicketItem, TicketStatus
from restman_core.domain.quotes import QueuedWork
from restman_core.ports.storage import Page


def _ticket(row: Any, items: Sequence[TicketItem]) -> Ticket:
    data = values(row)
    return Ticket(
        id=data["id"],
        order_id=data["order_id"],
        restaurant_id=data["restaurant_id"],
        user_id=data["user_id"],
        station=data["station"],
        status=TicketStatus(data["status"]),
        version=data["version"],
        order_type=data["order_type"],
        table=data["table_label"],
        special_instructions=data["special_instructions"],
        items=tuple(items),
        created_at=data["created_at"],
        updated_at=data["updated_at"],
        recall_status=TicketStatus(data["recall_status"]) if data["recall_status"] else None,
        ready_at=data["ready_at"],
        batch=data["batch"],
        course=data["course"],
        held=data["held"],
        prep_seconds=data["prep_seconds"],
        fire_at=data["fire_at"],
    )


def _ticket_values(ticket: Ticket) -> dict[str, Any]:
    return {
        "status": str(ticket.status),
        "recall_status": str(ticket.recall_status) if ticket.recall_status else None,
        "version": ticket.version,
        "updated_at": ticket.updated_at,
        "ready_at": ticket.ready_at,
        "held": ticket.held,
        "fire_at": ticket.fire_at,
    }


class SqlTicketRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_many(self, tickets: Sequence[Ticket]) -> None:
        if not tickets:
            return
        await self._conn.execute(
            kitchen_tickets.insert(),
            [
                {
                    "id": t.id,
                    "order_id": t.order_id,
                    "restaurant_id": t.restaurant_id,
                    "user_id": t.user_id,
                    "station": t.station,
                    "order_type": t.order_type,
                    "table_label": t.table,
                    "special_instructions": t.special_instructions,
                    "created_at": t.created_at,
                    "batch": t.batch,
                    "course": t.course,
                    "prep_seconds": t.prep_seconds,
                    **_ticket_values(t),
                }
                for t in tickets
            ],
        )
        rows = [
            {
                "id": item.id,
                "ticket_id": t.id,
                "order_item_id": item.order_item_id,
                "food_id": item.food_id,
                "food_name": item.food_name,
                "quantity": item.quantity,
                "notes": item.notes,
                "done": item.done,
                "voided": item.voided,
                "position": position,
                "modifiers": item.modifiers,
                "allergy_note": item.allergy_note,
            }
            for t in tickets
            for position, item in enumerate(t.items)
        ]
        await self._conn.execute(ticket_items.insert(), rows)

    async def queued_work(self, restaurant_id: uuid.UUID, limit: int) -> Sequence[QueuedWork]:
        t = kitchen_tickets.c
        cooking = [
            str(s) for s in (TicketStatus.NEW, TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS)
        ]
        # The order's pickup says whether a ticket waits for a scheduled pickup (one primary-key
        # lookup per ticket).
        scheduled = (
            select(orders.c.pickup_at.is_not(None))
            .where(orders.c.id == t.order_id)
            .scalar_subquery()
            .label("scheduled")
        )
        query = (
            select(t.order_id, t.station, t.prep_seconds, t.fire_at, t.created_at, scheduled)
            .where(t.restaurant_id == restaurant_id, t.status.in_(cooking), t.held.is_(False))
            .order_by(t.created_at, t.id)
            .limit(limit)
        )
        return [
            QueuedWork(
                station=row.station,
                prep_seconds=row.prep_seconds,
                started_at=row.fire_at or row.created_at,
                order_id=row.order_id,
                queued_at=row.created_at,
                scheduled=bool(row.scheduled),
            )
            for row in await self._conn.execute(query)
        ]

    async def stations_done(
        self, restaurant_id: uuid.UUID, limit: int, now: datetime
    ) -> dict[str, datetime]:
        # Reused between commits on a read-only connection (see backlog_cache).
        return await backlog_cache.stations_done(self._conn, restaurant_id, limit, now)

    async def ready_times(
        self, restaurant_id: uuid.UUID, limit: int, now: datetime
    ) -> dict[uuid.UUID, datetime]:
        return await queue_sql.ready_times(self._conn, restaurant_id, limit, now)

    async def _with_items(self, rows: Sequence[Any]) -> list[Ticket]:
        """Attach items to ticket rows with one extra query, whatever the number of tickets."""
        if not rows:
            return []
        ids = [r.id for r in rows]
        items: dict[uuid.UUID, list[TicketItem]] = defaultdict(list)
        query = (
            select(ticket_items)
            .where(ticket_items.c.ticket_id.in_(ids))
            .order_by(ticket_items.c.ticket_id, ticket_items.c.position)
        )
        for item in await self._conn.execute(query):
            items[item.ticket_id].append(
                TicketItem(
                    id=item.id,
                    order_item_id=item.order_item_id,
                    food_id=item.food_id,
                    food_name=item.food_name,
                    quantity=item.quantity,
                    notes=item.notes,
                    done=item.done,
                    modifiers=item.modifiers,
                    allergy_note=item.allergy_note,
                    voided=item.voided,
                )
            )
        return [_ticket(r, items[r.id]) for r in rows]

    async def get(self, ticket_id: uuid.UUID) -> Ticket | None:
        query = select(kitchen_tickets).where(kitchen_tickets.c.id == ticket_id)
        found = await self._with_items(list(await self._conn.execute(query)))
        return found[0] if found else None

    async def for_order(self, order_id: uuid.UUID) -> Sequence[Ticket]:
        query = (
            select(kitchen_tickets)
            .where(kitchen_tickets.c.order_id == order_id)
            .order_by(kitchen_tickets.c.course, kitchen_tickets.c.batch, kitchen_tickets.c.station)
        )
        return await self._with_items(list(await self._conn.execute(query)))

    async def opened_orders(self, order_ids: Collection[uuid.UUID], batch: int) -> set[uuid.UUID]:
        ids = list(dict.fromkeys(order_ids))
        if not ids:
            return set()
        t = kitchen_tickets.c
        query = select(t.order_id).where(t.order_id.in_(ids), t.batch == batch).distinct()
        return {row.order_id for row in await self._conn.execute(query)}

    async def statuses(
        self, order_ids: Collection[uuid.UUID]
    ) -> Mapping[uuid.UUID, Sequence[TicketStatus]]:
        ids = list(dict.fromkeys(order_ids))
        if not ids:
            return {}
        t = kitchen_tickets.c
        found: dict[uuid.UUID, list[TicketStatus]] = defaultdict(list)
        for row in await self._conn.execute(
            select(t.order_id, t.status).where(t.order_id.in_(ids))
        ):
            found[row.order_id].append(TicketStatus(row.status))
        return dict(found)

    async def save(self, ticket: Ticket, expected_version: int) -> bool:
        result = await self._conn.execute(
            update(kitchen_tickets)
            .where(
                kitchen_tickets.c.id == ticket.id,
                kitchen_tickets.c.version == expected_version,
            )
            .values(**_ticket_values(ticket))
        )
        if not result.rowcount:
            return False
        # Write the items' done and voided flags as the ticket says, without reading them back
        # first: at most two statements per flag whatever the number of items.
        for name in ("done", "voided"):
            column = ticket_items.c[name]
            for flag in (True, False):
                ids = [item.id for item in ticket.items if getattr(item, name) is flag]
                if ids:
                    await self._conn.execute(
                        update(ticket_items)
                        .where(
                            ticket_items.c.ticket_id == ticket.id,
                            ticket_items.c.id.in_(ids),
                            column.is_not(flag),
                        )
                        .values({name: flag})
                    )
        return True

    async def list(
        self,
        restaurant_ids: frozenset[uuid.UUID] | None,
        statuses: frozenset[TicketStatus] | None,
        station: str | None,
        page: Page,
    ) -> Sequence[Ticket]:
        query = select(kitchen_tickets)
        if restaurant_ids is not None:
            if not restaurant_ids:
                return []
            query = query.where(kitchen_tickets.c.restaurant_id.in_(restaurant_ids))
        if statuses is not None:
            query = query.where(kitchen_tickets.c.status.in_([str(s) for s in statuses]))
        if station is not None:
            query = query.where(kitchen_tickets.c.station == station)
        # Oldest first, so the cursor is the last ticket seen; the id breaks ties between the
        # tickets of one order, which share its timestamp.
        cursor = page_filter(kitchen_tickets, page, newest_first=False)
        if cursor is not None:
            query = query.where(cursor)
        query = query.order_by(kitchen_tickets.c.created_at, kitchen_tickets.c.id)
        rows = list(await self._conn.execute(query.limit(limit_of(page))))
        return await self._with_items(rows)
