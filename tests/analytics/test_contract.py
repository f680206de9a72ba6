"""The fact and scope rules of the domain, and the store's argument checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

import pytest

from restman_core.adapters.clickhouse import ClickHouseAnalyticsStore
from restman_core.domain.analytics import (
    AnalyticsScope,
    BillFact,
    OrderItemFact,
    average_order_value,
)
from restman_core.errors import InvalidInput
from restman_core.ports.analytics import AnalyticsStore
from tests.analytics.builders import at, bill, order


def test_the_adapter_satisfies_the_port(store: ClickHouseAnalyticsStore) -> None:
    port: AnalyticsStore = store
    assert port is store


@pytest.mark.parametrize(
    ("total", "orders", "expected"),
    [("65.97", 2, "32.99"), ("105.97", 3, "35.32"), ("0.05", 2, "0.03"), ("0.00", 0, "0.00")],
)
def test_average_order_value_rounds_half_up_to_cents(
    total: str, orders: int, expected: str
) -> None:
    assert str(average_order_value(Decimal(total), orders)) == expected


def test_money_needs_two_places_and_no_sign() -> None:
    def item_at(price: str) -> OrderItemFact:
        return OrderItemFact(
            uuid4(), uuid4(), uuid4(), uuid4(), "Tea", 1, Decimal(price), Decimal(price), at(1)
        )

    assert str(item_at("2.5").unit_price) == "2.50"
    for bad in ("2.555", "-1.00", "NaN"):
        with pytest.raises(InvalidInput):
            item_at(bad)


def test_times_become_aware_utc() -> None:
    naive = datetime(2024, 3, 10, 12, 0)
    plus_two = datetime(2024, 3, 10, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    fact = order(uuid4(), uuid4(), "PLACED", 1, naive)
    other = order(uuid4(), uuid4(), "PLACED", 1, plus_two)
    assert fact.placed_at == other.placed_at == datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
    assert other.placed_at.utcoffset() == timedelta(0)


def test_bill_status_and_versions_are_checked() -> None:
    with pytest.raises(InvalidInput):
        bill(uuid4(), uuid4(), uuid4(), ("1.00", "0.10", "0.00"), "VOIDED", 1, at(1))
    with pytest.raises(InvalidInput):
        order(uuid4(), uuid4(), "PLACED", -1, at(1))
    assert isinstance(
        bill(uuid4(), uuid4(), uuid4(), ("1.00", "0.10", "0.00"), "PAID", 2, at(1)), BillFact
    )


def test_scopes() -> None:
    restaurant = uuid4()
    assert AnalyticsScope.everything().all_restaurants
    assert not AnalyticsScope.everything().is_empty
    assert AnalyticsScope.of([restaurant, restaurant]).restaurant_ids == frozenset({restaurant})
    assert AnalyticsScope.of([]).is_empty


async def test_reports_reject_a_bad_limit_or_reversed_dates(
    store: ClickHouseAnalyticsStore,
) -> None:
    scope = AnalyticsScope.everything()
    with pytest.raises(InvalidInput):
        await store.top_foods(scope, limit=0)
    with pytest.raises(InvalidInput):
        await store.revenue(scope, start=date(2024, 3, 11), end=date(2024, 3, 10))
    with pytest.raises(InvalidInput):
        await store.kitchen_times(
            AnalyticsScope.of([]), start=date(2024, 3, 2), end=date(2024, 3, 1)
        )
