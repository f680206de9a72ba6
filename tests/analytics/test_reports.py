"""Reports on the real ClickHouse engine, checked against hand-computed figures (the facts and
the arithmetic are in ``scenario.py``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from restman_core.adapters.clickhouse import ClickHouseAnalyticsStore
from restman_core.domain.analytics import AnalyticsScope, RevenueSummary, StatusCount, TopFood
from tests.analytics.scenario import Scenario

D1, D2 = date(2024, 3, 10), date(2024, 3, 11)


def _foods(foods: list[TopFood]) -> list[tuple[str, int, str]]:
    """Name, quantity and the revenue's exact text (so ``38.97`` and ``38.970`` differ)."""
    return [(food.food_name, food.total_quantity, str(food.total_revenue)) for food in foods]


def _money(summary: RevenueSummary) -> tuple[str, int, str, str, str, str]:
    return (
        str(summary.total_revenue),
        summary.total_orders,
        str(summary.average_order_value),
        str(summary.tax_total),
        str(summary.tip_total),
        str(summary.gross_total),
    )


async def _recorded(store: ClickHouseAnalyticsStore) -> Scenario:
    scenario = Scenario()
    await store.record(scenario.facts())
    return scenario


async def test_owner_top_foods_exclude_cancelled_orders_and_count_orphan_items(
    store: ClickHouseAnalyticsStore,
) -> None:
    scenario = await _recorded(store)
    foods = await store.top_foods(AnalyticsScope.of([scenario.restaurant_a]))
    # Burger: 2 + 1 (order 3's five are cancelled); ties on quantity go to revenue, then name.
    assert _foods(foods) == [
        ("Burger", 3, "38.97"),
        ("Fries", 3, "10.50"),
        ("Cola", 2, "16.50"),
        ("Salad", 2, "16.50"),
    ]
    assert foods[0].food_id == scenario.burger
    assert all(isinstance(food.total_revenue, Decimal) for food in foods)


async def test_admin_top_foods_cover_every_restaurant_and_respect_limit(
    clean_store: ClickHouseAnalyticsStore,
) -> None:
    scenario = await _recorded(clean_store)
    everything = await clean_store.top_foods(AnalyticsScope.everything())
    assert [food.food_name for food in everything] == ["Pizza", "Burger", "Fries", "Cola", "Salad"]
    top_two = await clean_store.top_foods(AnalyticsScope.everything(), limit=2)
    assert _foods(top_two) == [("Pizza", 4, "40.00"), ("Burger", 3, "38.97")]
    both = AnalyticsScope.of([scenario.restaurant_a, scenario.restaurant_b])
    assert await clean_store.top_foods(both) == everything


async def test_top_foods_filter_on_the_utc_day_items_were_placed(
    store: ClickHouseAnalyticsStore,
) -> None:
    scenario = await _recorded(store)
    scope = AnalyticsScope.of([scenario.restaurant_a])
    first_day = [("Burger", 3, "38.97"), ("Fries", 3, "10.50"), ("Cola", 2, "16.50")]
    assert _foods(await store.top_foods(scope, start=D1, end=D1)) == first_day
    assert _foods(await store.top_foods(scope, end=D1)) == first_day
    assert _foods(await store.top_foods(scope, start=D2, end=D2)) == [("Salad", 2, "16.50")]
    assert _foods(await store.top_foods(scope, start=D2)) == [("Salad", 2, "16.50")]
    assert await store.top_foods(scope, start=date(2024, 3, 12)) == []


async def test_owner_revenue_counts_uncancelled_bills_once_with_exact_decimals(
    store: ClickHouseAnalyticsStore,
) -> None:
    scenario = await _recorded(store)
    summary = await store.revenue(AnalyticsScope.of([scenario.restaurant_a]))
    # Net 25.98 + 39.99 = 65.97 over 2 bills: 32.985 rounds half-up to 32.99. Tax 2.60 + 4.00,
    # tips 3.00, gross 31.58 + 43.99. The cancelled bill (64.95) is left out.
    assert _money(summary) == ("65.97", 2, "32.99", "6.60", "3.00", "75.57")


async def test_revenue_filters_on_the_utc_day_bills_were_generated(
    store: ClickHouseAnalyticsStore,
) -> None:
    scenario = await _recorded(store)
    scope = AnalyticsScope.of([scenario.restaurant_a])
    first = await store.revenue(scope, start=D1, end=D1)
    assert _money(first) == ("25.98", 1, "25.98", "2.60", "3.00", "31.58")
    # Order 2 was placed on 10 March but billed ten seconds into 11 March.
    second = await store.revenue(scope, start=D2, end=D2)
    assert _money(second) == ("39.99", 1, "39.99", "4.00", "0.00", "43.99")
    later = await store.revenue(scope, start=date(2024, 3, 12))
    assert later == RevenueSummary.empty()
    assert _money(later) == ("0.00", 0, "0.00", "0.00", "0.00", "0.00")


async def test_admin_revenue_adds_every_restaurant(clean_store: ClickHouseAnalyticsStore) -> None:
    scenario = await _recorded(clean_store)
    summary = await clean_store.revenue(AnalyticsScope.everything())
    # 65.97 + 40.00 over 3 bills = 35.3233... -> 35.32.
    assert _money(summary) == ("105.97", 3, "35.32", "10.60", "4.00", "120.57")
    owner_b = await clean_store.revenue(AnalyticsScope.of([scenario.restaurant_b]))
    assert _money(owner_b) == ("40.00", 1, "40.00", "4.00", "1.00", "45.00")


async def test_orders_by_status_use_each_orders_latest_version(
    clean_store: ClickHouseAnalyticsStore,
) -> None:
    scenario = await _recorded(clean_store)
    assert await clean_store.orders_by_status(AnalyticsScope.everything()) == [
        StatusCount("COMPLETED", 2),
        StatusCount("CANCELLED", 1),
        StatusCount("PREPARING", 1),
    ]
    scope_a = AnalyticsScope.of([scenario.restaurant_a])
    assert await clean_store.orders_by_status(scope_a) == [
        StatusCount("CANCELLED", 1),
        StatusCount("COMPLETED", 1),
        StatusCount("PREPARING", 1),
    ]
    assert await clean_store.orders_by_status(scope_a, start=D1, end=D1) == [
        StatusCount("COMPLETED", 1),
        StatusCount("PREPARING", 1),
    ]
    assert await clean_store.orders_by_status(scope_a, start=D2) == [StatusCount("CANCELLED", 1)]


async def test_an_owner_sees_nothing_of_other_restaurants(
    store: ClickHouseAnalyticsStore,
) -> None:
    scenario = await _recorded(store)
    scope_b = AnalyticsScope.of([scenario.restaurant_b])
    assert _foods(await store.top_foods(scope_b)) == [("Pizza", 4, "40.00")]
    assert await store.orders_by_status(scope_b) == [StatusCount("COMPLETED", 1)]
    stranger = AnalyticsScope.of([Scenario().restaurant_a])
    assert await store.top_foods(stranger) == []
    assert await store.revenue(stranger) == RevenueSummary.empty()
    assert await store.orders_by_status(stranger) == []
    assert await store.kitchen_times(stranger) == []
