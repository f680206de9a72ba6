"""An order cancelled before its placement reaches the kitchen and billing (a relay retry after a
delivery timeout can deliver ``order.cancelled`` first) still ends with voided tickets and a
cancelled bill: nothing is cooked and nothing can be paid. A billing consumer that fell behind
the order's changes and its cancellation ends with the same bill as one that kept up."""

from __future__ import annotations

from decimal import Decimal

from restman_core.domain.access import Actor
from restman_core.domain.billing import BillStatus
from restman_core.domain.kitchen import TicketStatus
from restman_core.domain.orders import OrderStatus
from restman_core.ports.storage import Transaction
from tests.core.bill_support import TABLE_LINES, stored_book, table_restaurant
from tests.core.builders import Core, Kitchen, order_body, placed_payload


async def test_placement_arriving_after_the_cancellation(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    placed = await core.orders.place_order(
        customer, order_body(kitchen, [("Burger", 1), ("Cola", 1)])
    )
    order_id = placed.order.id
    payload = await placed_payload(core.db, order_id)
    await core.orders.change_status(customer, order_id, OrderStatus.CANCELLED)

    async def cancellation_first(tx: Transaction) -> None:
        assert await core.kitchen.void_tickets(tx, order_id) == []
        assert await core.billing.cancel_bill(tx, order_id) is None

    async def placement_after(tx: Transaction) -> None:
        await core.kitchen.open_tickets(tx, payload)
        await core.billing.open_bill(tx, payload)

    await core.db.run(cancellation_first)
    await core.db.run(placement_after)

    tickets = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    mine = [t for t in tickets if t.order_id == order_id]
    assert mine
    assert all(t.status is TicketStatus.CANCELLED for t in mine)
    bill = await core.billing.get_bill(customer, order_id)
    assert bill.status is BillStatus.CANCELLED


async def test_changes_and_cancellation_all_before_the_placement_reaches_billing(
    core: Core, customer: Actor
) -> None:
    kitchen = await table_restaurant(core)
    body = order_body(kitchen, TABLE_LINES, order_type="dine_in", table="4")
    order = (await core.orders.place_order(customer, body)).order
    payload = await placed_payload(core.db, order.id)
    tarts = {"items": [{"food_id": kitchen.food_id("Tart"), "quantity": 2}]}
    await core.orders.changes.add_items(kitchen.owner, order.id, tarts)
    wine = next(i for i in order.items if i.food_name == "Wine")
    await core.orders.changes.void_item(kitchen.owner, order.id, wine.id)
    await core.orders.change_status(kitchen.owner, order.id, OrderStatus.CANCELLED)

    async def placement_last(tx: Transaction) -> None:
        await core.billing.open_bill(tx, payload)
        # The changes' own events arrive after it; a cancelled bill is not revised.
        assert await core.billing.revise_bill(tx, order.id) is None

    await core.db.run(placement_last)
    book = await stored_book(core, order.id)
    assert book.bill.status is BillStatus.CANCELLED
    # As placed 67.50, two tarts added (+15.00), the wine voided (-24.00): what a billing
    # consumer that saw each change before the cancellation bills.
    assert book.bill.subtotal == Decimal("58.50")
    assert wine.id not in {line.item_id for line in book.lines}
