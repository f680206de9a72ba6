"""Orders with their items and status history."""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.rows import limit_of, page_filter, values
from restman_core.adapters.sql.tables import order_items, order_status_history, orders
from restman_core.domain.orders import (
    Order,
    OrderItem,
    OrderStatus,
    OrderType,
    StatusChange,
)
from restman_core.ports.storage import OrderState, Page


def _order(
    row: Any, items: tuple[OrderItem, ...] = (), history: tuple[StatusChange, ...] = ()
) -> Order:
    data = values(row)
    return Order(
        id=data["id"],
        user_id=data["user_id"],
        restaurant_id=data["restaurant_id"],
        status=OrderStatus(data["status"]),
        order_type=OrderType(data["order_type"]),
        table=data["table_label"],
        total_amount=data["total_amount"],
        delivery_address=data["delivery_address"],
        special_instructions=data["special_instructions"],
        created_at=data["created_at"],
        updated_at=data["updated_at"],
        quoted_ready_at=data["quoted_ready_at"],
        pickup_at=data["pickup_at"],
        paced_slot=data["paced_slot"],
        paced_load=data["paced_load"],
        items=items,
        history=history,
    )


def _item(row: Any) -> OrderItem:
    data = values(row)
    data.pop("position")
    return OrderItem(**data)


def _order_row(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "user_id": order.user_id,
        "restaurant_id": order.restaurant_id,
        "status": str(order.status),
        "order_type": str(order.order_type),
        "table_label": order.table,
        "total_amount": order.total_amount,
        "delivery_address": order.delivery_address,
        "special_instructions": order.special_instructions,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "quoted_ready_at": order.quoted_ready_at,
        "pickup_at": order.pickup_at,
        "paced_slot": order.paced_slot,
        "paced_load": order.paced_load,
    }


def _item_rows(
    order_id: uuid.UUID, items: Sequence[OrderItem], first_position: int
) -> list[dict[str, Any]]:
    return [
        {
            "id": item.id,
            "order_id": order_id,
            "food_id": item.food_id,
            "food_name": item.food_name,
            "food_description": item.food_description,
            "quantity": item.quantity,
            "unit_price": item.unit_price,
            "subtotal": item.subtotal,
            "notes": item.notes,
            "station": item.station,
            "position": first_position + offset,
            "created_at": item.created_at,
            "modifiers": item.modifiers,
            "allergy_note": item.allergy_note,
            "batch": item.batch,
            "voided": item.voided,
            "course": item.course,
            "prep_time_seconds": item.prep_time_seconds,
            "tax_rate": item.tax_rate,
        }
        for offset, item in enumerate(items)
    ]


def _change_row(order_id: uuid.UUID, change: StatusChange) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "status": str(change.status),
        "changed_at": change.changed_at,
        "actor_id": change.actor_id,
        "note": change.note,
    }


class SqlOrderRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, order: Order) -> None:
        """Insert the order, its items (one multi-row insert, whatever their number) and its
        history. On PostgreSQL that is ONE statement, the inserts as data-modifying CTEs (one
        round trip instead of three; the foreign keys are checked at its end). On SQLite a
        statement is a local call, so the plain inserts cost no more."""
        if self._conn.dialect.name == "postgresql":
            await self._add_in_one_statement(order)
            return
        # Rows passed as parameters of the plain INSERT, not as .values(): the statement is
        # then the same for every order (compiled once), and its values are not built into
        # SQL expressions first, which cost more than running the statement.
        await self._conn.execute(orders.insert(), _order_row(order))
        if order.items:
            await self._insert_items(order.id, order.items, 0)
        if order.history:
            changes = [_change_row(order.id, change) for change in order.history]
            await self._conn.execute(order_status_history.insert(), changes)

    async def _insert_items(
        self, order_id: uuid.UUID, items: Sequence[OrderItem], first_position: int
    ) -> None:
        # One multi-row insert for all items, whatever their number.
        await self._conn.execute(order_items.insert(), _item_rows(order_id, items, first_position))

    async def change_items(self, before: Order, after: Order) -> bool:
        """Write ``after``'s new items, voided flags and total over ``before``, only if the order
        still has ``before``'s status and update time (compare-and-set); False otherwise."""
        result = await self._conn.execute(
            update(orders)
            .where(
                orders.c.id == before.id,
                orders.c.status == str(before.status),
                orders.c.updated_at == before.updated_at,
            )
            .values(total_amount=after.total_amount, updated_at=after.updated_at)
        )
        if not result.rowcount:
            return False
        known = {i.id: i for i in before.items}
        added = [i for i in after.items if i.id not in known]
        if added:
            await self._insert_items(before.id, added, len(before.items))
        voided = [
            i.id for i in after.items if i.voided and i.id in known and not known[i.id].voided
        ]
        if voided:
            await self._conn.execute(
                update(order_items).where(order_items.c.id.in_(voided)).values(voided=True)
            )
        return True

    async def _add_in_one_statement(self, order: Order) -> None:
        new_order = orders.insert().values(_order_row(order)).returning(orders.c.id).cte("o")
        query = select(new_order.c.id)
        if order.items:
            query = query.add_cte(
                order_items.insert().values(_item_rows(order.id, order.items, 0)).cte("i")
            )
        if order.history:
            changes = [_change_row(order.id, change) for change in order.history]
            query = query.add_cte(order_status_history.insert().values(changes).cte("h"))
        await self._conn.execute(query)

    async def set_quote(self, order_id: uuid.UUID, quoted_ready_at: datetime) -> None:
        await self._conn.execute(
            update(orders).where(orders.c.id == order_id).values(quoted_ready_at=quoted_ready_at)
        )

    async def quotes(self, order_ids: Collection[uuid.UUID]) -> Mapping[uuid.UUID, datetime | None]:
        if not order_ids:
            return {}
        query = select(orders.c.id, orders.c.quoted_ready_at).where(orders.c.id.in_(order_ids))
        return {row.id: row.quoted_ready_at for row in await self._conn.execute(query)}

    async def _add_change(self, order_id: uuid.UUID, change: StatusChange) -> None:
        await self._conn.execute(order_status_history.insert(), _change_row(order_id, change))

    async def ids_between(self, low: uuid.UUID, high: uuid.UUID, limit: int) -> Sequence[uuid.UUID]:
        query = (
            select(orders.c.id)
            .where(orders.c.id >= low, orders.c.id <= high)
            .order_by(orders.c.id)
            .limit(limit)
        )
        return [row.id for row in await self._conn.execute(query)]

    async def get(self, order_id: uuid.UUID) -> Order | None:
        row = (await self._conn.execute(select(orders).where(orders.c.id == order_id))).first()
        if row is None:
            return None
        items = await self._conn.execute(
            select(order_items)
            .where(order_items.c.order_id == order_id)
            .order_by(order_items.c.position)
        )
        history = await self._conn.execute(
            select(order_status_history)
            .where(order_status_history.c.order_id == order_id)
            .order_by(order_status_history.c.id)
        )
        changes = tuple(
            StatusChange(
                status=OrderStatus(h.status),
                changed_at=h.changed_at,
                actor_id=h.actor_id,
                note=h.note,
            )
            for h in history
        )
        return _order(row, tuple(_item(i) for i in items), changes)

    async def states(self, order_ids: Collection[uuid.UUID]) -> Mapping[uuid.UUID, OrderState]:
        """One statement: each order with only its items added or voided since placing."""
        ids = list(dict.fromkeys(order_ids))
        if not ids:
            return {}
        statuses: dict[uuid.UUID, OrderStatus] = {}
        voided: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        changed: set[uuid.UUID] = set()
        for row in await self._conn.execute(_states_statement(), {"ids": ids}):
            statuses[row.id] = OrderStatus(row.status)
            if row.item_id is not None:
                changed.add(row.id)
                if row.voided:
                    voided[row.id].add(row.item_id)
        return {
            order_id: OrderState(status, frozenset(voided[order_id]), order_id in changed)
            for order_id, status in statuses.items()
        }

    async def get_many(self, order_ids: Collection[uuid.UUID]) -> Mapping[uuid.UUID, Order]:
        """Two statements whatever the number of orders: the orders, then their items."""
        ids = list(dict.fromkeys(order_ids))
        if not ids:
            return {}
        rows = list(await self._conn.execute(select(orders).where(orders.c.id.in_(ids))))
        if not rows:
            return {}
        items: dict[uuid.UUID, list[OrderItem]] = {r.id: [] for r in rows}
        query = (
            select(order_items)
            .where(order_items.c.order_id.in_(list(items)))
            .order_by(order_items.c.order_id, order_items.c.position)
        )
        for item in await self._conn.execute(query):
            items[item.order_id].append(_item(item))
        return {r.id: _order(r, tuple(items[r.id])) for r in rows}

    async def change_status(
        self, order_id: uuid.UUID, expected: OrderStatus, change: StatusChange
    ) -> bool:
        result = await self._conn.execute(
            update(orders)
            .where(orders.c.id == order_id, orders.c.status == str(expected))
            .values(status=str(change.status), updated_at=change.changed_at)
        )
        if not result.rowcount:
            return False
        await self._add_change(order_id, change)
        return True

    async def _list(self, page: Page, *conditions: Any) -> Sequence[Order]:
        query = select(orders).where(*conditions)
        cursor = page_filter(orders, page)
        if cursor is not None:
            query = query.where(cursor)
        query = query.order_by(orders.c.created_at.desc(), orders.c.id.desc())
        return [_order(r) for r in await self._conn.execute(query.limit(limit_of(page)))]

    async def list_for_user(
        self, user_id: uuid.UUID, status: OrderStatus | None, page: Page
    ) -> Sequence[Order]:
        conditions: list[Any] = [orders.c.user_id == user_id]
        if status is not None:
            conditions.append(orders.c.status == str(status))
        return await self._list(page, *conditions)

    async def list_for_restaurants(
        self,
        restaurant_ids: frozenset[uuid.UUID] | None,
        status: OrderStatus | None,
        page: Page,
        since: datetime | None = None,
    ) -> Sequence[Order]:
        conditions: list[Any] = []
        if restaurant_ids is not None:
            if not restaurant_ids:
                return []
            conditions.append(orders.c.restaurant_id.in_(restaurant_ids))
        if status is not None:
            conditions.append(orders.c.status == str(status))
        if since is not None:
            conditions.append(orders.c.created_at >= since)
        return await self._list(page, *conditions)


@functools.cache
def _states_statement() -> Select[Any]:
    """:meth:`SqlOrderRepository.states`'s statement, built once (the ids are an expanding
    parameter): on a consumer's batch of a few events, building it and its cache key cost more
    than running it."""
    i = order_items.c
    special = and_(i.order_id == orders.c.id, or_(i.voided.is_(True), i.batch > 0))
    return (
        select(orders.c.id, orders.c.status, i.id.label("item_id"), i.voided)
        .select_from(orders.outerjoin(order_items, special))
        .where(orders.c.id.in_(bindparam("ids", expanding=True)))
    )
