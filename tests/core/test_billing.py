"""Bills on SQLite and PostgreSQL: opened with the order's tax, paid exactly once, cancelled
only while unpaid, and visible only to their people."""

from __future__ import annotations

from decimal import Decimal

import pytest

from restman_core.domain.access import Actor, Role
from restman_core.domain.billing import BillStatus, PaymentMethod
from restman_core.domain.orders import OrderStatus
from restman_core.errors import Conflict, Forbidden, InvalidInput, NotFound
from restman_core.ports.storage import Transaction
from tests.core.builders import (
    Core,
    Kitchen,
    add_staff,
    add_user,
    build_restaurant,
    outbox_events,
    place_and_open,
    placed_payload,
)


async def test_bill_of_the_contract_example(core: Core, kitchen: Kitchen, customer: Actor) -> None:
    order = await place_and_open(core, customer, kitchen, [("Burger", 2)])
    bill = await core.billing.get_bill(customer, order.id)
    assert (bill.subtotal, bill.tax_rate, bill.tax_amount, bill.total_amount) == (
        Decimal("25.98"),
        Decimal("0.1000"),
        Decimal("2.60"),
        Decimal("28.58"),
    )
    assert (bill.status, bill.discount_amount, bill.tip_amount) == (
        BillStatus.PENDING,
        Decimal("0.00"),
        Decimal("0.00"),
    )
    generated = await outbox_events(core.db, order.id, "bill.generated")
    assert [e["data"]["total_amount"] for e in generated] == ["28.58"]


async def test_bill_uses_the_restaurant_tax_rate(core: Core, owner: Actor, customer: Actor) -> None:
    kitchen = await build_restaurant(core, owner, tax_rate="0.0825")
    order = await place_and_open(core, customer, kitchen, [("Burger", 2)])
    bill = await core.billing.get_bill(customer, order.id)
    assert (bill.tax_amount, bill.total_amount) == (Decimal("2.14"), Decimal("28.12"))


async def test_opening_a_bill_twice_keeps_the_first(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    order = await place_and_open(core, customer, kitchen, [("Burger", 1)])
    first = await core.billing.get_bill(customer, order.id)
    payload = await placed_payload(core.db, order.id)

    async def again(tx: Transaction) -> object:
        return await core.billing.open_bill(tx, payload)

    assert await core.db.run(again) is None
    assert (await core.billing.get_bill(customer, order.id)).id == first.id


async def test_finalize_once(core: Core, kitchen: Kitchen, customer: Actor) -> None:
    order = await place_and_open(core, customer, kitchen, [("Burger", 2)])
    paid = await core.billing.finalize(customer, order.id, "CARD", "3.00")
    bill = paid.bill
    assert (bill.status, bill.payment_method, bill.tip_amount, bill.total_amount) == (
        BillStatus.PAID,
        PaymentMethod.CARD,
        Decimal("3.00"),
        Decimal("31.58"),
    )
    assert bill.paid_at is not None
    stored = await core.billing.get_bill(customer, order.id)
    assert (stored.status, stored.total_amount) == (BillStatus.PAID, Decimal("31.58"))
    with pytest.raises(Conflict, match="already paid"):
        await core.billing.finalize(customer, order.id, "cash")
    assert len(await outbox_events(core.db, order.id, "bill.paid")) == 1


async def test_finalize_checks_its_input(core: Core, kitchen: Kitchen, customer: Actor) -> None:
    order = await place_and_open(core, customer, kitchen, [("Burger", 1)])
    with pytest.raises(InvalidInput):
        await core.billing.finalize(customer, order.id, "cheque")
    with pytest.raises(InvalidInput):
        await core.billing.finalize(customer, order.id, "cash", "1.005")
    with pytest.raises(InvalidInput):
        await core.billing.finalize(customer, order.id, "cash", "-1")
    assert (await core.billing.get_bill(customer, order.id)).status is BillStatus.PENDING


async def test_finalize_with_an_idempotency_key_replays(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    order = await place_and_open(core, customer, kitchen, [("Burger", 1)])
    first = await core.billing.finalize(customer, order.id, "upi", "1.00", "pay-1")
    again = await core.billing.finalize(customer, order.id, "upi", "1.00", "pay-1")
    assert (again.replayed, again.bill.id, again.bill.status) == (
        True,
        first.bill.id,
        BillStatus.PAID,
    )
    with pytest.raises(Conflict):
        await core.billing.finalize(customer, order.id, "upi", "2.00", "pay-1")


async def test_cancelled_bill_cannot_be_paid(core: Core, kitchen: Kitchen, customer: Actor) -> None:
    order = await place_and_open(core, customer, kitchen, [("Burger", 1)])
    await core.orders.change_status(customer, order.id, OrderStatus.CANCELLED)

    async def cancel(tx: Transaction) -> object:
        return await core.billing.cancel_bill(tx, order.id)

    assert await core.db.run(cancel) is not None
    assert (await core.billing.get_bill(customer, order.id)).status is BillStatus.CANCELLED
    with pytest.raises(Conflict, match="cancelled"):
        await core.billing.finalize(customer, order.id, "cash")
    assert await core.db.run(cancel) is None
    assert len(await outbox_events(core.db, order.id, "bill.cancelled")) == 1


async def test_cancel_leaves_a_paid_bill_alone(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    order = await place_and_open(core, customer, kitchen, [("Burger", 1)])
    await core.billing.finalize(customer, order.id, "cash")

    async def cancel(tx: Transaction) -> object:
        return await core.billing.cancel_bill(tx, order.id)

    assert await core.db.run(cancel) is None
    assert (await core.billing.get_bill(customer, order.id)).status is BillStatus.PAID
    assert await outbox_events(core.db, order.id, "bill.cancelled") == []


async def test_bill_visibility(core: Core, kitchen: Kitchen, customer: Actor, admin: Actor) -> None:
    mine = await place_and_open(core, customer, kitchen, [("Burger", 1)])
    neighbour = await add_user(core.db, Role.CUSTOMER, "neighbour")
    theirs = await place_and_open(core, neighbour, kitchen, [("Cola", 1)])

    own = await core.billing.bills_of_user(customer, customer.user_id)
    assert [b.order_id for b in own] == [mine.id]
    with pytest.raises(NotFound):
        await core.billing.bills_of_user(customer, neighbour.user_id)
    with pytest.raises(NotFound):
        await core.billing.get_bill(customer, theirs.id)
    with pytest.raises(NotFound):
        await core.billing.finalize(customer, theirs.id, "cash")
    assert len(await core.billing.bills_of_user(admin, neighbour.user_id)) == 1

    cook = await add_staff(core.db, kitchen.restaurant, kitchen.owner)
    for operator in (kitchen.owner, cook, admin):
        listed = await core.billing.bills_of_restaurant(operator, kitchen.id)
        assert {b.order_id for b in listed} == {mine.id, theirs.id}
    with pytest.raises(Forbidden):
        await core.billing.bills_of_restaurant(customer, kitchen.id)
    rival = await add_user(core.db, Role.OWNER, "rival")
    with pytest.raises(NotFound):
        await core.billing.bills_of_restaurant(rival, kitchen.id)
    with pytest.raises(NotFound):
        await core.billing.get_bill(rival, mine.id)
    # The restaurant's staff may take the payment.
    assert (await core.billing.finalize(cook, theirs.id, "cash")).bill.status is BillStatus.PAID
