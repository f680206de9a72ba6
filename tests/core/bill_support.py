"""Builders of the money tests: a restaurant with foods at two tax rates, a dine-in order of a
table with its bill opened the way the billing consumer opens it."""

from __future__ import annotations

import uuid
from typing import Any

from restman_core.domain.access import Actor
from restman_core.domain.bill_book import BillBook
from restman_core.domain.orders import Order
from restman_core.ports.storage import Transaction
from tests.core.builders import Core, Kitchen, build_restaurant, order_body, placed_payload

TABLE_FOODS: dict[str, dict[str, Any]] = {
    "Steak": {"category": "Mains", "price": "18.00", "tax_rate": "0.05"},
    "Tart": {"category": "Mains", "price": "7.50"},
    "Wine": {"category": "Drinks", "price": "24.00", "tax_rate": "0.20"},
}
TABLE_LINES = [("Steak", 2), ("Wine", 1), ("Tart", 1)]


async def table_restaurant(core: Core, owner: Actor | None = None, **fields: Any) -> Kitchen:
    """A restaurant at 5 % whose wine is at 20 %."""
    return await build_restaurant(core, owner, foods=TABLE_FOODS, tax_rate="0.05", **fields)


async def open_table_order(
    core: Core,
    customer: Actor,
    kitchen: Kitchen,
    lines: list[tuple[str, int]] | None = None,
    **extra: Any,
) -> Order:
    """A dine-in order of table 4, with its bill opened."""
    fields = {"order_type": "dine_in", "table": "4", **extra}
    body = order_body(kitchen, lines or TABLE_LINES, **fields)
    order = (await core.orders.place_order(customer, body)).order
    payload = await placed_payload(core.db, order.id)

    async def work(tx: Transaction) -> None:
        await core.billing.open_bill(tx, payload)

    await core.db.run(work)
    return order


async def stored_book(core: Core, order_id: uuid.UUID) -> BillBook:
    async def work(tx: Transaction) -> BillBook:
        book = await tx.bills.get_book(order_id)
        assert book is not None
        return book

    return await core.db.run(work)
