"""The bill model: taxes per rate, prices including tax, discounts before tax, the service
charge, split parts, payments and refunds, and the invariants over random sequences of them."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from restman_core.domain.bill_book import (
    BillBook,
    Discount,
    DiscountKind,
    Payment,
    Refund,
    open_book,
)
from restman_core.domain.bill_split import split_parts
from restman_core.domain.bill_totals import BillLine, TaxLine, allocate
from restman_core.domain.billing import BillStatus, PaymentMethod, open_bill
from restman_core.errors import Conflict, InvalidInput
from tests.core.bill_actions import Action, amounts_for, assert_invariants, cents, sequences
from tests.core.properties import PROPERTY

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
WHO = uuid.uuid4()
D = Decimal


def lines() -> tuple[BillLine, ...]:
    """A table's order: two mains at 5 %, a bottle of wine at 20 %, a dessert at 5 %."""
    return (
        BillLine(uuid.uuid4(), "Steak", 2, D("36.00"), D("0.05")),
        BillLine(uuid.uuid4(), "Wine", 1, D("24.00"), D("0.20")),
        BillLine(uuid.uuid4(), "Tart", 1, D("7.50"), D("0.05")),
    )


def book(
    *, inclusive: bool = False, service: Decimal | None = None, items: tuple[BillLine, ...] = ()
) -> BillBook:
    the_lines = items or lines()
    subtotal = sum((line.amount for line in the_lines), D("0"))
    bill = open_bill(
        order_id=uuid.uuid4(),
        user_id=WHO,
        restaurant_id=uuid.uuid4(),
        subtotal=subtotal,
        tax_rate=D("0.05"),
        at=NOW,
    )
    bill = replace(bill, prices_include_tax=inclusive, service_charge_rate=service)
    return open_book(bill, the_lines, NOW)


def discount(kind: str, value: str) -> Discount:
    return Discount(uuid.uuid4(), DiscountKind(kind), D(value), D("0"), "birthday", WHO, NOW)


def payment(amount: str, part: uuid.UUID | None = None, tip: str = "0") -> Payment:
    return Payment(uuid.uuid4(), part, PaymentMethod.CARD, D(amount), D(tip), WHO, NOW)


def refund(amount: str, items: tuple[uuid.UUID, ...] = ()) -> Refund:
    return Refund(uuid.uuid4(), D(amount), items, "cold soup", WHO, NOW)


def test_one_tax_line_per_rate_rounded_once_per_line() -> None:
    totals = book().totals()
    assert totals.taxes == (
        TaxLine(D("0.05"), D("43.50"), D("2.18")),
        TaxLine(D("0.20"), D("24.00"), D("4.80")),
    )
    assert totals.due == D("67.50") + D("2.18") + D("4.80")


def test_prices_including_tax_take_it_out_and_the_total_is_the_sum_of_prices() -> None:
    totals = book(inclusive=True).totals()
    assert totals.due == D("67.50")
    # 43.50 × 0.05 / 1.05 = 2.0714… → 2.07; 24.00 × 0.2 / 1.2 = 4.00.
    assert totals.taxes == (
        TaxLine(D("0.05"), D("41.43"), D("2.07")),
        TaxLine(D("0.20"), D("20.00"), D("4.00")),
    )


def test_a_discount_comes_before_tax_spread_over_the_rate_lines() -> None:
    discounted = book().with_discount(discount("amount", "10.00"))
    # 10.00 over bases 43.50 and 24.00: 6.444… → 6.44 and 3.555… → 3.55, the cent left over to
    # the largest base.
    assert allocate(D("10.00"), [D("43.50"), D("24.00")]) == [D("6.45"), D("3.55")]
    taxes = discounted.totals().taxes
    assert [t.taxable for t in taxes] == [D("37.05"), D("20.45")]
    assert discounted.bill.discount_amount == D("10.00")
    assert discounted.bill.tax_amount == D("1.85") + D("4.09")


def test_service_charge_is_its_own_untaxed_line_on_the_discounted_subtotal() -> None:
    served = book(service=D("0.10")).with_discount(discount("percent", "10"))
    assert served.bill.discount_amount == D("6.75")
    assert served.bill.service_charge == D("6.08")  # 10 % of 60.75 = 6.075 → 6.08
    taxes = sum((t.amount for t in served.totals().taxes), D("0"))
    assert served.bill.amount_due == D("60.75") + D("6.08") + taxes


def test_equal_split_gives_the_remainder_cent_to_the_first_part() -> None:
    items = (BillLine(uuid.uuid4(), "Menu", 1, D("10.00"), D("0")),)
    the_book = book(items=items)
    assert split_parts("equal", {"parts": 3}, items, the_book.totals()) == [
        D("3.34"),
        D("3.33"),
        D("3.33"),
    ]


def test_split_by_items_sums_to_the_total_and_names_foreign_items() -> None:
    the_book = book(service=D("0.125"))
    ids = [line.item_id for line in the_book.lines]
    parts = split_parts("items", {"parts": [[ids[0]], ids[1:]]}, the_book.lines, the_book.totals())
    assert sum(parts, D("0")) == the_book.bill.amount_due
    stranger = uuid.uuid4()
    with pytest.raises(InvalidInput, match=str(stranger)):
        split_parts(
            "items", {"parts": [[ids[0], stranger], ids[1:]]}, the_book.lines, the_book.totals()
        )
    with pytest.raises(InvalidInput, match="missing"):
        split_parts("items", {"parts": [[ids[0]], [ids[1]]]}, the_book.lines, the_book.totals())


def test_amounts_that_do_not_cover_the_bill_are_refused() -> None:
    the_book = book()
    with pytest.raises(InvalidInput, match="do not cover"):
        split_parts("amounts", {"amounts": ["10.00", "10.00"]}, the_book.lines, the_book.totals())


def test_parts_payments_and_a_partial_refund() -> None:
    the_book = book()
    due = the_book.bill.amount_due
    amounts = split_parts("equal", {"parts": 2}, the_book.lines, the_book.totals())
    split = the_book.split_into("equal", amounts, NOW, [uuid.uuid4(), uuid.uuid4()])
    first, second = split.parts
    with pytest.raises(InvalidInput, match="part_id"):
        split.paid(payment("1.00"))
    with pytest.raises(Conflict, match="above what is due"):
        split.paid(payment(f"{first.amount + D('0.01')}", first.id))
    half = split.paid(payment(f"{first.amount}", first.id, tip="2.00"))
    assert half.bill.status is BillStatus.PARTIALLY_PAID
    assert half.bill.amount_due == second.amount
    with pytest.raises(Conflict, match="no longer change"):
        half.with_discount(discount("amount", "1.00"))
    whole = half.paid(payment(f"{second.amount}", second.id))
    assert whole.bill.status is BillStatus.PAID
    assert whole.bill.amount_paid == due
    assert whole.bill.total_amount == due + D("2.00")
    with pytest.raises(Conflict, match="already paid"):
        whole.paid(payment("0.01", first.id))
    back = whole.refunded(refund("0", (whole.lines[1].item_id,)))
    assert back.bill.refunded_amount == D("28.80")  # the wine and its 20 % tax
    assert back.refunds[-1].revenue_amount == D("24.00")  # of which sales: the wine's price
    assert back.bill.status is BillStatus.PARTIALLY_REFUNDED
    with pytest.raises(Conflict, match="already refunded"):
        back.refunded(refund("0", (whole.lines[1].item_id,)))
    with pytest.raises(Conflict, match="more than was paid"):
        back.refunded(refund(f"{due}"))
    rest = back.refunded(refund(f"{due - D('28.80')}"))
    assert rest.bill.status is BillStatus.REFUNDED
    for state in (split, half, whole, back, rest):
        assert_invariants(state)


def test_bad_discounts_and_refunding_an_unpaid_bill() -> None:
    the_book = book()
    with pytest.raises(InvalidInput, match="over 100"):
        the_book.with_discount(discount("percent", "100.01"))
    with pytest.raises(InvalidInput, match="above the subtotal"):
        the_book.with_discount(discount("amount", "67.51"))
    with pytest.raises(Conflict, match="nothing paid"):
        the_book.refunded(refund("1.00"))


def apply(the_book: BillBook, action: Action) -> BillBook:
    """One action of a random sequence, as the service would turn it into a domain call."""
    kind = action[0]
    bill = the_book.bill
    if kind == "discount":
        return the_book.with_discount(discount(action[1], action[2]))
    if kind == "undiscount":
        if not the_book.discounts:
            return the_book
        chosen = the_book.discounts[action[1] % len(the_book.discounts)]
        return the_book.without_discount(chosen.id, NOW)
    if kind.startswith("split"):
        if kind == "split_equal":
            body: dict[str, object] = {"parts": action[1]}
        elif kind == "split_items":
            groups: dict[int, list[str]] = {}
            for line, group in zip(the_book.lines, action[1], strict=True):
                groups.setdefault(group, []).append(str(line.item_id))
            body = {"parts": list(groups.values())}
        else:
            body = {"amounts": amounts_for(bill.amount_due, action[1])}
        the_book.check_changeable("the split")
        amounts = split_parts(kind.removeprefix("split_"), body, the_book.lines, the_book.totals())
        return the_book.split_into(kind, amounts, NOW, [uuid.uuid4() for _ in amounts])
    if kind == "pay":
        part = the_book.parts[action[1] % len(the_book.parts)] if the_book.parts else None
        left = part.amount - the_book.part_paid(part.id) if part else bill.amount_due
        amount = cents(left * action[2])
        return the_book.paid(
            Payment(
                uuid.uuid4(),
                part.id if part else None,
                PaymentMethod(action[4]),
                amount,
                D(action[3]),
                WHO,
                NOW,
            )
        )
    if kind == "refund":
        return the_book.refunded(refund(f"{cents(the_book.net_paid * action[1])}"))
    ids = tuple({the_book.lines[i].item_id for i in action[1]})
    return the_book.refunded(refund("0", ids))


@PROPERTY
@given(sequences, st.booleans())
def test_every_state_of_a_bill_keeps_its_invariants(actions: list[Action], inclusive: bool) -> None:
    the_book = book(inclusive=inclusive, service=D("0.125") if inclusive else None)
    assert_invariants(the_book)
    for action in actions:
        try:
            the_book = apply(the_book, action)
        except (InvalidInput, Conflict):
            continue
        assert_invariants(the_book)
