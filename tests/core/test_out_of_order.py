"""An order cancelled before its placement reaches the kitchen and billing (a relay retry after a
delivery timeout can deliver ``order.cancelled`` first) still ends with voided tickets and a
cancelled bill: nothing is cooked and nothing can be paid."""

from __future__ import annotations

from restman_core.domain.access import Actor
from restman_core.domain.billing import BillStatus
from restman_core.domain.kitchen import TicketStatus
from restman_core.domain.orders import OrderStatus
from restman_core.ports.storage import Transaction
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
