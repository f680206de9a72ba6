"""The money use cases on SQLite and PostgreSQL: taxes snapshot at placement, discounts and who
may give them, splits, part payments, refunds, cancelling a paid order, bad input writing
nothing, and the invariants over random sequences through the service."""

from __future__ import annotations

import contextlib
import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from restman_core.domain.access import Actor, Role
from restman_core.domain.bill_book import BillBook
from restman_core.domain.billing import BillStatus
from restman_core.domain.orders import OrderStatus
from restman_core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.core.bill_actions import Action, amounts_for, assert_invariants, cents, sequences
from tests.core.bill_support import open_table_order, stored_book, table_restaurant
from tests.core.builders import Core, add_staff, add_user, outbox_events

D = Decimal


async def test_rates_are_snapshot_at_placement(core: Core, customer: Actor) -> None:
    kitchen = await table_restaurant(core)
    order = await open_table_order(core, customer, kitchen)
    await core.menus.update_food(
        kitchen.owner, kitchen.id, kitchen.foods["Wine"].id, {"tax_rate": "0.10"}, replace_all=False
    )
    book = await core.billing.get_book(customer, order.id)
    assert [(t.rate, t.taxable, t.amount) for t in book.totals().taxes] == [
        (D("0.05"), D("43.50"), D("2.18")),
        (D("0.20"), D("24.00"), D("4.80")),
    ]
    assert book.bill.total_amount == D("74.48")
    assert book.bill.amount_due == D("74.48")
    assert book.bill.status is BillStatus.PENDING


async def test_prices_including_tax_and_a_dine_in_service_charge(
    core: Core, customer: Actor
) -> None:
    kitchen = await table_restaurant(core, prices_include_tax=True, service_charge_rate="0.10")
    dine_in = await core.billing.get_book(
        customer, (await open_table_order(core, customer, kitchen)).id
    )
    assert dine_in.bill.service_charge == D("6.75")
    assert dine_in.bill.total_amount == D("67.50") + D("6.75")
    assert dine_in.bill.tax_amount == D("2.07") + D("4.00")
    takeaway = await open_table_order(core, customer, kitchen, order_type="takeaway", table=None)
    bill = (await core.billing.get_book(customer, takeaway.id)).bill
    assert bill.service_charge == 0
    assert bill.total_amount == D("67.50")


async def test_who_may_give_a_discount(core: Core, customer: Actor) -> None:
    kitchen = await table_restaurant(core, staff_discount_limit="10")
    cook = await add_staff(core.db, kitchen.restaurant, kitchen.owner)
    order = await open_table_order(core, customer, kitchen)
    with pytest.raises(Forbidden):
        await core.money.add_discount(customer, order.id, "percent", "10", "regular")
    with pytest.raises(Forbidden, match=r"10\.00 %"):
        await core.money.add_discount(cook, order.id, "percent", "10.01", "regular")
    book = await core.money.add_discount(cook, order.id, "amount", "6.75", "regular")
    assert book.bill.discount_amount == D("6.75")
    book = await core.money.add_discount(kitchen.owner, order.id, "percent", "50", "birthday")
    assert book.bill.discount_amount == D("6.75") + D("33.75")
    with pytest.raises(InvalidInput, match="above the subtotal"):
        await core.money.add_discount(kitchen.owner, order.id, "amount", "27.01", "too much")
    removed = await core.money.remove_discount(kitchen.owner, order.id, book.discounts[0].id)
    assert removed.bill.discount_amount == D("33.75")
    stranger = await add_user(core.db, Role.OWNER, "stranger")
    with pytest.raises(NotFound):
        await core.money.add_discount(stranger, order.id, "percent", "5", "nope")


async def test_a_table_of_four_splits_pays_and_gets_a_partial_refund(
    core: Core, customer: Actor
) -> None:
    kitchen = await table_restaurant(core)
    order = await open_table_order(core, customer, kitchen)
    book = await core.money.split(customer, order.id, {"by": "equal", "parts": 4})
    assert [p.amount for p in book.parts] == [D("18.62")] * 4
    # Re-split until a payment is taken.
    book = await core.money.split(customer, order.id, {"by": "equal", "parts": 3})
    assert [p.amount for p in book.parts] == [D("24.84"), D("24.82"), D("24.82")]
    first, second, third = book.parts
    done = await core.money.pay(
        customer,
        order.id,
        {
            "amount": "24.84",
            "payment_method": "card",
            "tip_amount": "3.00",
            "part_id": str(first.id),
        },
        "pay-1",
    )
    assert done.book.bill.status is BillStatus.PARTIALLY_PAID
    again = await core.money.pay(
        customer,
        order.id,
        {
            "amount": "24.84",
            "payment_method": "card",
            "tip_amount": "3.00",
            "part_id": str(first.id),
        },
        "pay-1",
    )
    assert again.replayed
    assert len(again.book.payments) == 1
    with pytest.raises(Conflict, match="no longer change"):
        await core.money.split(customer, order.id, {"by": "equal", "parts": 2})
    with pytest.raises(Conflict, match="above what is due"):
        await core.money.pay(
            customer,
            order.id,
            {"amount": "24.83", "payment_method": "cash", "part_id": str(second.id)},
        )
    for part in (second, third):
        done = await core.money.pay(
            customer,
            order.id,
            {"amount": f"{part.amount}", "payment_method": "cash", "part_id": str(part.id)},
        )
    assert done.book.bill.status is BillStatus.PAID
    assert done.book.bill.amount_due == 0
    assert done.book.bill.tip_amount == D("3.00")
    with pytest.raises(Forbidden):
        await core.money.refund(customer, order.id, {"amount": "1.00", "reason": "cold"})
    wine = next(line for line in done.book.lines if line.name == "Wine")
    refunded = await core.money.refund(
        kitchen.owner, order.id, {"item_ids": [str(wine.item_id)], "reason": "corked"}, "r-1"
    )
    assert refunded.book.bill.refunded_amount == D("28.80")
    assert refunded.book.bill.status is BillStatus.PARTIALLY_REFUNDED
    with pytest.raises(Conflict, match="more than was paid"):
        await core.money.refund(kitchen.owner, order.id, {"amount": "45.69", "reason": "all"})
    kinds = [e["event_type"] for e in await outbox_events(core.db, order.id)]
    assert kinds.count("bill.payment_taken") == 3
    assert kinds.count("bill.paid") == 1
    assert kinds.count("bill.refunded") == 1
    assert_invariants(await stored_book(core, order.id))


async def test_bad_input_writes_nothing(core: Core, customer: Actor) -> None:
    kitchen = await table_restaurant(core)
    order = await open_table_order(core, customer, kitchen)
    other = await open_table_order(core, customer, kitchen)
    other_item = (await stored_book(core, other.id)).lines[0].item_id
    before = await stored_book(core, order.id)
    events = len(await outbox_events(core.db, order.id))
    bad: list[tuple[type[Exception], str, object]] = [
        (InvalidInput, "amount", {"amount": "-1", "payment_method": "cash"}),
        (InvalidInput, "amount", {"amount": "0", "payment_method": "cash"}),
        (InvalidInput, "two decimal", {"amount": "1.001", "payment_method": "cash"}),
        (Conflict, "above what is due", {"amount": "74.49", "payment_method": "cash"}),
        (InvalidInput, "payment_method", {"amount": "1.00", "payment_method": "cheque"}),
    ]
    for error, message, body in bad:
        with pytest.raises(error, match=message):
            await core.money.pay(customer, order.id, body)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="do not cover"):
        await core.money.split(customer, order.id, {"by": "amounts", "amounts": ["10.00", "10.00"]})
    with pytest.raises(InvalidInput, match="not of this order"):
        await core.money.split(
            customer, order.id, {"by": "items", "parts": [[str(other_item)], [str(other_item)]]}
        )
    with pytest.raises(InvalidInput, match="over 100"):
        await core.money.add_discount(kitchen.owner, order.id, "percent", "101", "x")
    with pytest.raises(Conflict, match="nothing paid"):
        await core.money.refund(kitchen.owner, order.id, {"amount": "1.00", "reason": "x"})
    with pytest.raises(InvalidInput, match="reason"):
        await core.money.refund(kitchen.owner, order.id, {"amount": "1.00"})
    assert await stored_book(core, order.id) == before
    assert len(await outbox_events(core.db, order.id)) == events


async def test_cancelling_a_paid_order_needs_its_full_refund(core: Core, customer: Actor) -> None:
    kitchen = await table_restaurant(core)
    order = await open_table_order(core, customer, kitchen)
    await core.billing.finalize(customer, order.id, "card", "2.00")
    with pytest.raises(Conflict, match="full refund"):
        await core.orders.change_status(kitchen.owner, order.id, OrderStatus.CANCELLED)
    cook = await add_staff(core.db, kitchen.restaurant, kitchen.owner)
    with pytest.raises(Forbidden):
        await core.orders.change_status(cook, order.id, OrderStatus.CANCELLED, "sent back")
    cancelled = await core.orders.change_status(
        kitchen.owner, order.id, OrderStatus.CANCELLED, "kitchen fire"
    )
    assert cancelled.status is OrderStatus.CANCELLED
    bill = (await stored_book(core, order.id)).bill
    assert bill.status is BillStatus.REFUNDED
    assert bill.refunded_amount == bill.amount_paid == D("74.48")
    with pytest.raises(Conflict, match="cancelled"):
        await core.money.pay(customer, order.id, {"amount": "1.00", "payment_method": "cash"})


async def _apply(
    core: Core, owner: Actor, customer: Actor, order_id: object, action: Action
) -> None:

    assert isinstance(order_id, uuid.UUID)
    book: BillBook = await stored_book(core, order_id)
    kind = action[0]
    if kind == "discount":
        await core.money.add_discount(owner, order_id, action[1], action[2], "why")
    elif kind == "undiscount":
        if book.discounts:
            chosen = book.discounts[action[1] % len(book.discounts)]
            await core.money.remove_discount(owner, order_id, chosen.id)
    elif kind == "split_equal":
        await core.money.split(customer, order_id, {"by": "equal", "parts": action[1]})
    elif kind == "split_items":
        groups: dict[int, list[str]] = {}
        for line, group in zip(book.lines, action[1], strict=True):
            groups.setdefault(group, []).append(str(line.item_id))
        await core.money.split(customer, order_id, {"by": "items", "parts": list(groups.values())})
    elif kind == "split_amounts":
        amounts = amounts_for(book.bill.amount_due, action[1])
        await core.money.split(customer, order_id, {"by": "amounts", "amounts": amounts})
    elif kind == "pay":
        part = book.parts[action[1] % len(book.parts)] if book.parts else None
        left = part.amount - book.part_paid(part.id) if part else book.bill.amount_due
        body = {
            "amount": f"{cents(left * action[2])}",
            "payment_method": action[4],
            "tip_amount": action[3],
        }
        if part:
            body["part_id"] = str(part.id)
        await core.money.pay(customer, order_id, body)
    elif kind == "refund":
        amount = cents(book.net_paid * action[1])
        await core.money.refund(owner, order_id, {"amount": f"{amount}", "reason": "why"})
    else:
        ids = sorted({str(book.lines[i].item_id) for i in action[1]})
        await core.money.refund(owner, order_id, {"item_ids": ids, "reason": "why"})


@settings(
    deadline=None,
    max_examples=15,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=sequences)
async def test_every_stored_state_keeps_the_invariants(
    core: Core, customer: Actor, actions: list[Action]
) -> None:
    kitchen = await table_restaurant(core, service_charge_rate="0.125")
    order = await open_table_order(core, customer, kitchen)
    for action in actions:
        with contextlib.suppress(InvalidInput, Conflict):
            await _apply(core, kitchen.owner, customer, order.id, action)
        assert_invariants(await stored_book(core, order.id))
