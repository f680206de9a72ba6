"""Money: parsing client amounts, the half-up rounding point, tax, and bill arithmetic."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from restman_core.domain.billing import PaymentMethod, open_bill
from restman_core.domain.money import MAX_AMOUNT, format_money, parse_money, round_cents, tax_for
from restman_core.errors import InvalidInput
from tests.core.properties import PROPERTY

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
amounts = st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2)
small_amounts = st.decimals(min_value=0, max_value=Decimal("100000"), places=2)
rates = st.decimals(min_value=0, max_value=1, places=4)


def two_places(value: Decimal) -> bool:
    return value.as_tuple().exponent == -2


@PROPERTY
@given(amounts)
def test_amounts_with_at_most_two_places_are_accepted_as_is(amount: Decimal) -> None:
    for form in (str(amount), amount, f"  {amount}  "):
        parsed = parse_money(form)
        assert parsed == amount
        assert two_places(parsed)


@PROPERTY
@given(st.integers(min_value=0, max_value=10**9))
def test_whole_numbers_become_two_place_amounts(value: int) -> None:
    assert format_money(parse_money(value)) == f"{value}.00"


@PROPERTY
@given(
    st.decimals(min_value=0, max_value=Decimal("1000000"), places=6).filter(
        lambda d: d != d.quantize(Decimal("0.01"))
    )
)
def test_more_than_two_places_is_refused(amount: Decimal) -> None:
    with pytest.raises(InvalidInput, match="two decimal places"):
        parse_money(str(amount), field="price")


def test_trailing_zeros_beyond_two_places_are_still_two_places() -> None:
    assert parse_money("12.500") == Decimal("12.50")


@PROPERTY
@given(st.decimals(max_value=Decimal("-0.01"), places=2, allow_nan=False, allow_infinity=False))
def test_negative_amounts_are_refused(amount: Decimal) -> None:
    with pytest.raises(InvalidInput, match="negative"):
        parse_money(str(amount))


@pytest.mark.parametrize(
    "value",
    ["NaN", "nan", "Infinity", "-Infinity", "sNaN", float("nan"), float("inf"), Decimal("NaN")],
)
def test_nan_and_infinity_are_refused(value: object) -> None:
    with pytest.raises(InvalidInput):
        parse_money(value)


@PROPERTY
@given(st.decimals(min_value=MAX_AMOUNT + Decimal("0.01"), max_value=Decimal("1e30"), places=2))
def test_amounts_beyond_the_column_are_refused(amount: Decimal) -> None:
    with pytest.raises(InvalidInput, match="too large"):
        parse_money(str(amount))


@pytest.mark.parametrize("value", ["", "abc", "1,50", None, True, [1], {"amount": 1}])
def test_non_numbers_are_refused(value: object) -> None:
    with pytest.raises(InvalidInput, match="number"):
        parse_money(value)


def test_zero_can_be_refused() -> None:
    assert parse_money("0") == Decimal("0.00")
    with pytest.raises(InvalidInput):
        parse_money("0", allow_zero=False)


def test_floats_are_read_through_their_repr() -> None:
    # 0.1 + 0.2 is 0.30000000000000004 as a float: refused instead of silently rounded.
    assert parse_money(12.5) == Decimal("12.50")
    with pytest.raises(InvalidInput):
        parse_money(0.1 + 0.2)


@pytest.mark.parametrize(
    ("value", "rounded"),
    [("2.598", "2.60"), ("2.595", "2.60"), ("2.594", "2.59"), ("2.605", "2.61"), ("0.005", "0.01")],
)
def test_round_cents_examples_round_half_up(value: str, rounded: str) -> None:
    assert round_cents(Decimal(value)) == Decimal(rounded)


@PROPERTY
@given(st.decimals(min_value=0, max_value=Decimal("1e9"), places=6))
def test_round_cents_is_the_nearest_cent_with_halves_going_up(value: Decimal) -> None:
    rounded = round_cents(value)
    assert two_places(rounded)
    distance = value - rounded
    # Within half a cent; exactly half a cent only ever rounds up (never to even).
    assert Decimal("-0.005") < distance < Decimal("0.005") or distance == Decimal("-0.005")


def test_tax_on_the_contract_example() -> None:
    assert tax_for(Decimal("25.98"), Decimal("0.10")) == Decimal("2.60")


@PROPERTY
@given(small_amounts, rates)
def test_tax_is_the_exact_product_rounded_half_up(subtotal: Decimal, rate: Decimal) -> None:
    tax = tax_for(subtotal, rate)
    assert two_places(tax)
    assert tax == round_cents(subtotal * rate)
    assert 0 <= tax <= subtotal


@PROPERTY
@given(small_amounts, rates, small_amounts, st.sampled_from(PaymentMethod))
def test_bill_total_is_subtotal_plus_tax_minus_discount_plus_tip(
    subtotal: Decimal, rate: Decimal, tip: Decimal, method: PaymentMethod
) -> None:
    ids = {"order_id": uuid.uuid4(), "user_id": uuid.uuid4(), "restaurant_id": uuid.uuid4()}
    bill = open_bill(subtotal=subtotal, tax_rate=rate, at=NOW, **ids)
    assert bill.total_amount == subtotal + bill.tax_amount
    assert two_places(bill.total_amount)
    discount = min(subtotal, Decimal("1.25"))
    paid = replace(bill, discount_amount=discount).paid(method, tip, NOW)
    assert paid.total_amount == subtotal + paid.tax_amount - discount + tip
    assert two_places(paid.total_amount)
    assert format_money(paid.total_amount) == f"{paid.total_amount:f}"


def test_bill_of_the_contract_example() -> None:
    ids = {"order_id": uuid.uuid4(), "user_id": uuid.uuid4(), "restaurant_id": uuid.uuid4()}
    bill = open_bill(subtotal=Decimal("25.98"), tax_rate=Decimal("0.10"), at=NOW, **ids)
    assert (bill.tax_amount, bill.total_amount) == (Decimal("2.60"), Decimal("28.58"))
