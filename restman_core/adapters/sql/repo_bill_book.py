"""A bill's book: its lines (read from the order's items), discounts, parts, payments, refunds."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.rows import values
from restman_core.adapters.sql.tables import (
    bill_discounts,
    bill_parts,
    bill_payments,
    bill_refunds,
    order_items,
)
from restman_core.domain.bill_book import (
    BillBook,
    Discount,
    DiscountKind,
    Part,
    Payment,
    Refund,
)
from restman_core.domain.bill_totals import BillLine
from restman_core.domain.billing import Bill, PaymentMethod


def _discount(row: Any) -> Discount:
    data = values(row)
    data.pop("bill_id")
    return Discount(**{**data, "kind": DiscountKind(data["kind"])})


def _part(row: Any) -> Part:
    data = values(row)
    data.pop("bill_id")
    return Part(**data)


def _payment(row: Any) -> Payment:
    data = values(row)
    data.pop("bill_id")
    return Payment(**{**data, "method": PaymentMethod(data["method"])})


def _refund(row: Any) -> Refund:
    data = values(row)
    data.pop("bill_id")
    ids = tuple(uuid.UUID(i) for i in data["item_ids"].split(",") if i)
    return Refund(**{**data, "item_ids": ids})


def _row(bill_id: uuid.UUID, entry: Discount | Part | Payment | Refund) -> dict[str, Any]:
    data = asdict(entry)
    if isinstance(entry, Refund):
        data["item_ids"] = ",".join(str(i) for i in entry.item_ids)
    for key in ("kind", "method"):
        if key in data:
            data[key] = str(data[key])
    return {**data, "bill_id": bill_id}


CHILDREN: tuple[tuple[str, Table], ...] = (
    ("discounts", bill_discounts),
    ("parts", bill_parts),
    ("payments", bill_payments),
    ("refunds", bill_refunds),
)


async def read_book(conn: AsyncConnection, bill: Bill) -> BillBook:
    items = await conn.execute(
        select(order_items)
        .where(order_items.c.order_id == bill.order_id)
        # A voided item stays on the order but is not billed.
        .where(order_items.c.voided.is_(False))
        .order_by(order_items.c.position)
    )
    lines = tuple(
        BillLine(
            r.id,
            r.food_name,
            r.quantity,
            r.subtotal,
            bill.tax_rate if r.tax_rate is None else r.tax_rate,
            r.modifiers,
        )
        for r in items
    )

    async def rows(table: Table, order: Any) -> Sequence[Any]:
        query = select(table).where(table.c.bill_id == bill.id).order_by(order, table.c.id)
        return list(await conn.execute(query))

    return BillBook(
        bill=bill,
        lines=lines,
        discounts=tuple(
            _discount(r) for r in await rows(bill_discounts, bill_discounts.c.created_at)
        ),
        parts=tuple(_part(r) for r in await rows(bill_parts, bill_parts.c.position)),
        payments=tuple(_payment(r) for r in await rows(bill_payments, bill_payments.c.created_at)),
        refunds=tuple(_refund(r) for r in await rows(bill_refunds, bill_refunds.c.created_at)),
    )


async def write_children(conn: AsyncConnection, book: BillBook, previous: BillBook) -> None:
    """Insert the entries ``book`` has that ``previous`` had not; delete those it dropped."""
    for name, table in CHILDREN:
        now: Sequence[Any] = getattr(book, name)
        before: Sequence[Any] = getattr(previous, name)
        kept = {e.id for e in now}
        gone = [e.id for e in before if e.id not in kept]
        if gone:
            await conn.execute(delete(table).where(table.c.id.in_(gone)))
        known = {e.id for e in before}
        added = [_row(book.bill.id, e) for e in now if e.id not in known]
        if added:
            await conn.execute(table.insert(), added)
