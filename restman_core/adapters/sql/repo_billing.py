"""Bills."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.repo_bill_book import read_book, write_children
from restman_core.adapters.sql.rows import (
    insert_ignore,
    insert_ignore_returning,
    limit_of,
    page_filter,
    values,
)
from restman_core.adapters.sql.tables import bills
from restman_core.domain.bill_book import BillBook
from restman_core.domain.billing import Bill, BillStatus, PaymentMethod
from restman_core.ports.storage import Page


def _bill(row: Any) -> Bill:
    data = values(row)
    data["status"] = BillStatus(data["status"])
    method = data["payment_method"]
    data["payment_method"] = PaymentMethod(method) if method else None
    return Bill(**data)


def _bill_values(bill: Bill) -> dict[str, Any]:
    return {
        "id": bill.id,
        "order_id": bill.order_id,
        "user_id": bill.user_id,
        "restaurant_id": bill.restaurant_id,
        "subtotal": bill.subtotal,
        "tax_rate": bill.tax_rate,
        "tax_amount": bill.tax_amount,
        "discount_amount": bill.discount_amount,
        "tip_amount": bill.tip_amount,
        "total_amount": bill.total_amount,
        "status": str(bill.status),
        "payment_method": str(bill.payment_method) if bill.payment_method else None,
        "generated_at": bill.generated_at,
        "paid_at": bill.paid_at,
        "created_at": bill.created_at,
        "updated_at": bill.updated_at,
        "version": bill.version,
        "prices_include_tax": bill.prices_include_tax,
        "service_charge_rate": bill.service_charge_rate,
        "service_charge": bill.service_charge,
        "amount_paid": bill.amount_paid,
        "refunded_amount": bill.refunded_amount,
        "split_by": bill.split_by,
    }


class SqlBillRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, bill: Bill) -> bool:
        statement = insert_ignore(self._conn, bills, ["order_id"])
        result = await self._conn.execute(statement.values(**_bill_values(bill)))
        return bool(result.rowcount)

    async def add_many(self, batch: Sequence[Bill]) -> set[uuid.UUID]:
        """One ``INSERT ... ON CONFLICT (order_id) DO NOTHING RETURNING order_id`` with a row
        per bill (executemany, rendered as multi-row statements from one cached compile)."""
        first: dict[uuid.UUID, Bill] = {}
        for bill in batch:
            first.setdefault(bill.order_id, bill)
        unique = list(first.values())
        if not unique:
            return set()
        statement = insert_ignore_returning(self._conn, bills, ["order_id"], "order_id")
        result = await self._conn.execute(statement, [_bill_values(b) for b in unique])
        return {row.order_id for row in result}

    async def get_by_order(self, order_id: uuid.UUID) -> Bill | None:
        row = (await self._conn.execute(select(bills).where(bills.c.order_id == order_id))).first()
        return _bill(row) if row else None

    async def save(self, bill: Bill, expected_version: int) -> bool:
        data = _bill_values(bill)
        data.pop("id")
        result = await self._conn.execute(
            update(bills)
            .where(bills.c.id == bill.id, bills.c.version == expected_version)
            .values(**data)
        )
        return bool(result.rowcount)

    async def get_book(self, order_id: uuid.UUID) -> BillBook | None:
        bill = await self.get_by_order(order_id)
        return None if bill is None else await read_book(self._conn, bill)

    async def save_book(self, book: BillBook, previous: BillBook) -> bool:
        if not await self.save(book.bill, previous.bill.version):
            return False
        await write_children(self._conn, book, previous)
        return True

    async def _list(self, page: Page, condition: Any) -> Sequence[Bill]:
        query = select(bills).where(condition)
        cursor = page_filter(bills, page)
        if cursor is not None:
            query = query.where(cursor)
        query = query.order_by(bills.c.created_at.desc(), bills.c.id.desc())
        return [_bill(r) for r in await self._conn.execute(query.limit(limit_of(page)))]

    async def list_for_user(self, user_id: uuid.UUID, page: Page) -> Sequence[Bill]:
        return await self._list(page, bills.c.user_id == user_id)

    async def list_for_restaurant(self, restaurant_id: uuid.UUID, page: Page) -> Sequence[Bill]:
        return await self._list(page, bills.c.restaurant_id == restaurant_id)
