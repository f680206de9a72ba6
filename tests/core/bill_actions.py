"""Random sequences of what a table does to its bill (discounts, splits, payments, refunds), and
the invariants every state of a bill satisfies, shared by the pure-domain and the service
property tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from restman_core.domain.bill_book import BillBook
from restman_core.domain.billing import BillStatus
from restman_core.domain.money import ZERO

Action = tuple[Any, ...]

fractions = st.sampled_from(
    [
        Decimal("0.01"),
        Decimal("0.25"),
        Decimal("0.333"),
        Decimal("0.5"),
        Decimal("1"),
        Decimal("1.2"),
    ]
)

actions: st.SearchStrategy[Action] = st.one_of(
    st.tuples(
        st.just("discount"),
        st.sampled_from(["percent", "amount"]),
        st.sampled_from(["5", "10", "12.5", "100", "150", "1.00", "3.33", "500.00"]),
    ),
    st.tuples(st.just("undiscount"), st.integers(0, 2)),
    st.tuples(st.just("split_equal"), st.integers(1, 5)),
    st.tuples(st.just("split_items"), st.lists(st.integers(0, 2), min_size=3, max_size=3)),
    st.tuples(st.just("split_amounts"), st.integers(2, 4)),
    st.tuples(
        st.just("pay"),
        st.integers(0, 4),
        fractions,
        st.sampled_from(["0", "1.50"]),
        st.sampled_from(["cash", "card", "upi"]),
    ),
    st.tuples(st.just("refund"), fractions),
    st.tuples(st.just("refund_items"), st.lists(st.integers(0, 2), min_size=1, max_size=2)),
)
sequences = st.lists(actions, min_size=1, max_size=12)


def cents(value: Decimal) -> Decimal:
    """A fraction of an amount as a payable amount: at least a cent, two places."""
    return max(Decimal("0.01"), value.quantize(Decimal("0.01")))


def amounts_for(due: Decimal, count: int) -> list[str]:
    """``count`` amounts that sum to ``due`` (the last takes the rest; may be zero or less,
    which the split refuses)."""
    first = [cents(due / count / 2) for _ in range(count - 1)]
    return [f"{a:f}" for a in (*first, due - sum(first, ZERO))]


def assert_invariants(book: BillBook) -> None:
    bill = book.bill
    assert bill.amount_paid - bill.refunded_amount >= 0
    assert bill.amount_due == bill.total_amount - bill.tip_amount - bill.amount_paid
    assert bill.amount_due >= 0
    assert bill.amount_paid == sum((p.amount for p in book.payments), ZERO)
    assert bill.refunded_amount == sum((r.amount for r in book.refunds), ZERO)
    assert bill.total_amount - bill.tip_amount == book.totals().due
    assert bill.discount_amount <= bill.subtotal
    sales_back = sum((r.revenue_amount for r in book.refunds), ZERO)
    assert ZERO <= sales_back <= bill.subtotal - bill.discount_amount
    for refund in book.refunds:
        assert ZERO <= refund.revenue_amount <= refund.amount
    if book.parts:
        assert sum((p.amount for p in book.parts), ZERO) == bill.total_amount - bill.tip_amount
        for part in book.parts:
            assert ZERO <= book.part_paid(part.id) <= part.amount
    for value in (bill.amount_paid, bill.refunded_amount, bill.total_amount, bill.tax_amount):
        assert value == value.quantize(Decimal("0.01"))
    if bill.status is BillStatus.PAID:
        assert bill.amount_due == 0
        assert bill.refunded_amount == 0
    if bill.status is BillStatus.REFUNDED:
        assert bill.refunded_amount == bill.amount_paid > 0
    if bill.status is BillStatus.PENDING:
        assert not book.payments
