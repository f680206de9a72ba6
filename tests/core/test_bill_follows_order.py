"""A dine-in order's bill follows its items, on SQLite and PostgreSQL: items added to the
table are billed, a voided item is not, applying the change twice changes nothing more, a bill
with a payment taken only grows (a void is refused: refund instead), and a split bill that was
paid on gets what was added as a part of its own."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from restman_core.domain.access import Actor
from restman_core.domain.bill_book import BillBook
from restman_core.domain.billing import Bill, BillStatus
from restman_core.errors import Conflict
from restman_core.ports.storage import Transaction
from tests.core.bill_support import open_table_order, stored_book, table_restaurant
from tests.core.builders import Core


async def revise(core: Core, order_id: uuid.UUID) -> list[Bill | None]:
    """Apply the change as the billing consumer does, twice, as a redelivery would."""
    results = []
    for _ in range(2):

        async def work(tx: Transaction) -> Bill | None:
            return await core.billing.revise_bill(tx, order_id)

        results.append(await core.db.run(work))
    return results


def settled(book: BillBook) -> None:
    """The stored amounts are the lines' amounts, and what is due is what is left."""
    totals = book.totals()
    assert book.bill.subtotal == totals.subtotal
    assert book.bill.total_amount - book.bill.tip_amount == totals.due
    assert book.bill.amount_due == totals.due - book.bill.amount_paid


async def test_added_and_voided_items_reach_the_bill_once(core: Core, customer: Actor) -> None:
    kitchen = await table_restaurant(core)
    order = await open_table_order(core, customer, kitchen)
    before = await stored_book(core, order.id)
    assert before.bill.subtotal == Decimal("67.50")
    await core.orders.changes.add_items(
        kitchen.owner, order.id, {"items": [{"food_id": kitchen.food_id("Tart"), "quantity": 2}]}
    )
    first, again = await revise(core, order.id)
    assert first is not None
    assert again is None
    added = await stored_book(core, order.id)
    assert added.bill.subtotal == Decimal("82.50")
    assert added.bill.version == before.bill.version + 1
    settled(added)
    wine = next(i for i in order.items if i.food_name == "Wine")
    await core.orders.changes.void_item(kitchen.owner, order.id, wine.id)
    first, again = await revise(core, order.id)
    assert first is not None
    assert again is None
    voided = await stored_book(core, order.id)
    assert voided.bill.subtotal == Decimal("58.50")
    assert wine.id not in {line.item_id for line in voided.lines}
    settled(voided)


async def test_a_paid_bill_only_grows_and_refuses_voids(core: Core, customer: Actor) -> None:
    kitchen = await table_restaurant(core)
    order = await open_table_order(core, customer, kitchen)
    await core.money.pay(customer, order.id, {"amount": "20.00", "payment_method": "card"}, "p")
    wine = next(i for i in order.items if i.food_name == "Wine")
    with pytest.raises(Conflict, match="refund"):
        await core.orders.changes.void_item(kitchen.owner, order.id, wine.id)
    stored = await core.orders.get_order(kitchen.owner, order.id)
    assert not any(i.voided for i in stored.items)  # nothing written
    await core.orders.changes.add_items(
        kitchen.owner, order.id, {"items": [{"food_id": kitchen.food_id("Tart"), "quantity": 1}]}
    )
    await revise(core, order.id)
    book = await stored_book(core, order.id)
    assert book.bill.status is BillStatus.PARTIALLY_PAID
    assert book.bill.amount_paid == Decimal("20.00")
    settled(book)


async def test_a_split_bill_paid_on_gets_the_addition_as_its_own_part(
    core: Core, customer: Actor
) -> None:
    kitchen = await table_restaurant(core)
    order = await open_table_order(core, customer, kitchen)
    split = await core.money.split(customer, order.id, {"by": "equal", "parts": 2})
    first = split.parts[0]
    await core.money.pay(
        customer,
        order.id,
        {"amount": str(first.amount), "payment_method": "cash", "part_id": str(first.id)},
        "p1",
    )
    before = await stored_book(core, order.id)
    await core.orders.changes.add_items(
        kitchen.owner, order.id, {"items": [{"food_id": kitchen.food_id("Tart"), "quantity": 1}]}
    )
    await revise(core, order.id)
    book = await stored_book(core, order.id)
    assert len(book.parts) == 3
    assert book.parts[:2] == before.parts
    assert book.parts[2].amount == (book.bill.total_amount - book.bill.tip_amount) - (
        before.bill.total_amount - before.bill.tip_amount
    )
    assert sum(p.amount for p in book.parts) == book.bill.total_amount - book.bill.tip_amount
    settled(book)
