"""Money races, run as real concurrent units of work over the connection pool on SQLite and on
PostgreSQL at SERIALIZABLE: payments for the last amount due, refunds racing payments and each
other. Whatever the interleaving, exactly the allowed number win and the bill never holds more
refunded than paid."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from decimal import Decimal
from typing import Any, TypeVar

from restman_core.domain.access import Actor
from restman_core.domain.billing import BillStatus
from restman_core.errors import Conflict
from tests.core.bill_actions import assert_invariants
from tests.core.bill_support import open_table_order, stored_book, table_restaurant
from tests.core.builders import Core

T = TypeVar("T")
RACE_TIMEOUT = 60.0


async def race(*contenders: Awaitable[T]) -> tuple[list[T], list[BaseException]]:
    """Run the contenders at once; winners and losers, every loser a Conflict."""
    outcomes: list[Any] = await asyncio.wait_for(
        asyncio.gather(*contenders, return_exceptions=True), timeout=RACE_TIMEOUT
    )
    lost = [o for o in outcomes if isinstance(o, BaseException)]
    unexpected = [o for o in lost if not isinstance(o, Conflict)]
    assert not unexpected, f"a contender failed with something else than Conflict: {unexpected!r}"
    return [o for o in outcomes if not isinstance(o, BaseException)], lost


async def test_payments_for_the_last_amount_due_have_one_winner(
    core: Core, customer: Actor
) -> None:
    kitchen = await table_restaurant(core)
    order = await open_table_order(core, customer, kitchen)
    await core.money.pay(customer, order.id, {"amount": "50.00", "payment_method": "card"})
    rest = {"amount": "24.48", "payment_method": "cash"}
    won, lost = await race(*(core.money.pay(customer, order.id, rest) for _ in range(4)))
    assert len(won) == 1
    assert len(lost) == 3
    book = await stored_book(core, order.id)
    assert book.bill.status is BillStatus.PAID
    assert book.bill.amount_paid == Decimal("74.48")
    assert len(book.payments) == 2
    assert_invariants(book)


async def test_refunds_racing_each_other_never_refund_more_than_paid(
    core: Core, customer: Actor
) -> None:
    kitchen = await table_restaurant(core)
    order = await open_table_order(core, customer, kitchen)
    await core.billing.finalize(customer, order.id, "card")
    everything = {"amount": "74.48", "reason": "spilled"}
    won, _ = await race(*(core.money.refund(kitchen.owner, order.id, everything) for _ in range(4)))
    assert len(won) == 1
    book = await stored_book(core, order.id)
    assert book.bill.refunded_amount == Decimal("74.48")
    assert book.bill.status is BillStatus.REFUNDED
    assert_invariants(book)


async def test_a_refund_racing_a_payment_stays_within_what_was_paid(
    core: Core, customer: Actor
) -> None:
    kitchen = await table_restaurant(core)
    order = await open_table_order(core, customer, kitchen)
    await core.money.pay(customer, order.id, {"amount": "30.00", "payment_method": "card"})
    refund = core.money.refund(kitchen.owner, order.id, {"amount": "30.00", "reason": "wrong"})
    payment = core.money.pay(customer, order.id, {"amount": "44.48", "payment_method": "cash"})
    refund_again = core.money.refund(
        kitchen.owner, order.id, {"amount": "30.00", "reason": "twice"}
    )
    won, _ = await race(refund, payment, refund_again)
    assert won
    book = await stored_book(core, order.id)
    assert book.bill.refunded_amount <= book.bill.amount_paid
    assert book.bill.refunded_amount in (Decimal("0"), Decimal("30.00"), Decimal("60.00"))
    assert_invariants(book)
