"""Implements :class:`restman_core.ports.analytics_truth.AnalyticsTruth` on the SQL tables."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.adapters.sql.sqlwork import run_sql
from restman_core.adapters.sql.tables import (
    bill_payments,
    bill_refunds,
    bills,
    kitchen_tickets,
    order_items,
    order_status_history,
    orders,
)
from restman_core.ports.analytics_truth import TruthKind

_TABLES: dict[str, Table] = {
    "orders": orders,
    "bills": bills,
    "tickets": kitchen_tickets,
    "payments": bill_payments,
    "refunds": bill_refunds,
}


def _text(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


class SqlAnalyticsTruth:
    def __init__(self, db: SqlDatabase) -> None:
        self._db = db

    async def batch(
        self, kind: TruthKind, after: uuid.UUID | None, limit: int
    ) -> list[Mapping[str, Any]]:
        table = _TABLES[kind]
        query = select(table).order_by(table.c.id).limit(limit)
        if after is not None:
            query = query.where(table.c.id > after)

        async def work(conn: AsyncConnection) -> list[Mapping[str, Any]]:
            result = await conn.execute(query)
            found: list[dict[str, Any]] = [
                {k: _text(v) for k, v in r._mapping.items()} for r in result
            ]
            if kind == "orders" and found:
                await self._items(conn, found)
            if kind in ("payments", "refunds") and found:
                await self._bills(conn, found)
            return list(found)

        return await run_sql(self._db, work)

    @staticmethod
    async def _bills(conn: AsyncConnection, found: list[dict[str, Any]]) -> None:
        """Each payment or refund with its bill's id, order, restaurant and generation time, and in
        the shape its event carries it (``payment_method``, ``tip_amount``)."""
        ids = {uuid.UUID(str(e["bill_id"])) for e in found}
        query = select(
            bills.c.id, bills.c.order_id, bills.c.restaurant_id, bills.c.generated_at
        ).where(bills.c.id.in_(ids))
        owners = {r.id: r for r in await conn.execute(query)}
        for entry in found:
            bill = owners[uuid.UUID(str(entry["bill_id"]))]
            entry["bill"] = {
                "id": str(bill.id),
                "order_id": str(bill.order_id),
                "restaurant_id": str(bill.restaurant_id),
                "generated_at": _text(bill.generated_at),
            }
            if "method" in entry:
                entry["payment_method"] = entry["method"]
                entry["tip_amount"] = entry["tip"]

    @staticmethod
    async def _items(conn: AsyncConnection, found: list[dict[str, Any]]) -> None:
        ids = [uuid.UUID(str(o["id"])) for o in found]
        items: dict[str, list[dict[str, Any]]] = defaultdict(list)
        query = select(order_items).where(order_items.c.order_id.in_(ids))
        for r in await conn.execute(query.order_by(order_items.c.position)):
            entry = {k: _text(v) for k, v in r._mapping.items()}
            # In the shape the order events carry them.
            entry["modifiers"] = [
                {
                    "option_id": str(c.option_id),
                    "group_name": c.group_name,
                    "name": c.name,
                    "price_delta": str(c.price_delta),
                    "quantity": c.quantity,
                }
                for c in r.modifiers
            ]
            items[str(r.order_id)].append(entry)
        # When each order was first ready (READY, or COMPLETED without READY): its quote's
        # actual moment.
        first_ready = (
            select(order_status_history.c.order_id, func.min(order_status_history.c.changed_at))
            .where(order_status_history.c.order_id.in_(ids))
            .where(order_status_history.c.status.in_(("READY", "COMPLETED")))
            .group_by(order_status_history.c.order_id)
        )
        ready = {str(r[0]): _text(r[1]) for r in await conn.execute(first_ready)}
        for order in found:
            order["order_id"] = order["id"]
            order["placed_at"] = order["created_at"]
            order["items"] = items[str(order["id"])]
            order["ready_at"] = ready.get(str(order["id"]))
