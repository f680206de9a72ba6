"""Voided items and quotes in the analytics store (the real engine through chdb): a void takes
its item out of top foods once however often it is delivered, and follows its order's
cancellation; the quote error is ready minus quoted, per restaurant and over the scope, from
one fact per order."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from restman_core.adapters.clickhouse import ClickHouseAnalyticsStore
from restman_core.domain.analytics import AnalyticsScope, OrderItemFact
from restman_core.domain.analytics_changes import QuoteError, QuoteFact, VoidedItemFact
from tests.analytics.builders import at, item, order


def voided(line: OrderItemFact) -> VoidedItemFact:
    return VoidedItemFact(
        item_id=line.item_id,
        order_id=line.order_id,
        restaurant_id=line.restaurant_id,
        food_id=line.food_id,
        food_name=line.food_name,
        quantity=line.quantity,
        unit_price=line.unit_price,
        subtotal=line.subtotal,
        placed_at=line.placed_at,
    )


def quote(restaurant_id: UUID, placed_at: datetime, late_seconds: int) -> QuoteFact:
    quoted = placed_at + timedelta(minutes=15)
    return QuoteFact(
        order_id=uuid4(),
        restaurant_id=restaurant_id,
        placed_at=placed_at,
        quoted_ready_at=quoted,
        ready_at=quoted + timedelta(seconds=late_seconds),
    )


async def test_a_void_takes_its_item_out_of_top_foods_once(
    store: ClickHouseAnalyticsStore,
) -> None:
    restaurant, tea, cake = uuid4(), uuid4(), uuid4()
    order_id, placed = uuid4(), at(11, 9)
    teas = item(order_id, restaurant, tea, "Tea", 3, "2.50", placed)
    cakes = item(order_id, restaurant, cake, "Cake", 1, "4.00", placed)
    scope = AnalyticsScope.of([restaurant])
    await store.record([order(order_id, restaurant, "PLACED", 1, placed), teas, cakes])
    for _ in range(3):  # the void delivered again and again
        await store.record([voided(teas)])
    foods = await store.top_foods(scope)
    assert [(f.food_name, f.total_quantity, str(f.total_revenue)) for f in foods] == [
        ("Cake", 1, "4.00")
    ]
    # The item and its void delivered again in one batch, in either order: nothing changes.
    await store.record([voided(teas), teas])
    await store.record([teas, voided(teas)])
    assert await store.top_foods(scope) == foods


async def test_a_void_follows_its_order_cancelled_and_restored(
    store: ClickHouseAnalyticsStore,
) -> None:
    restaurant, tea = uuid4(), uuid4()
    placed = at(12, 9)
    kept, cancelled = uuid4(), uuid4()
    scope = AnalyticsScope.of([restaurant])
    lines = {
        o: [item(o, restaurant, tea, "Tea", n, "2.00", placed) for n in (1, 2)]
        for o in (kept, cancelled)
    }
    await store.record(
        [order(o, restaurant, "PLACED", 1, placed) for o in lines]
        + [line for o in lines for line in lines[o]]
        + [voided(lines[o][0]) for o in lines]
    )
    assert [f.total_quantity for f in await store.top_foods(scope)] == [4]
    await store.record([order(cancelled, restaurant, "CANCELLED", 6, placed)])
    # Entering CANCELLED takes the order's items and its void out together: 2, not 2 - 1.
    assert [f.total_quantity for f in await store.top_foods(scope)] == [2]
    late_void = item(cancelled, restaurant, tea, "Tea", 5, "2.00", placed)
    await store.record([late_void, voided(late_void)])
    assert [f.total_quantity for f in await store.top_foods(scope)] == [2]


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=6), st.randoms(use_true_random=False))
async def test_any_sequence_of_deliveries_counts_each_void_once(
    store: ClickHouseAnalyticsStore, repeats: list[int], rng: random.Random
) -> None:
    """However often and in whatever order the items and voids of one order are delivered,
    top foods count the items less the voided ones, exactly."""
    restaurant, tea, placed = uuid4(), uuid4(), at(13, 9)
    order_id = uuid4()
    lines = [item(order_id, restaurant, tea, "Tea", n + 1, "1.00", placed) for n in range(6)]
    voids = [voided(line) for line, times in zip(lines, repeats, strict=False) if times]
    deliveries: list[OrderItemFact | VoidedItemFact] = list(lines)
    for line, times in zip(lines, repeats, strict=False):
        deliveries += [voided(line)] * times
    rng.shuffle(deliveries)
    for start in range(0, len(deliveries), 3):
        await store.record(deliveries[start : start + 3])
    expected = sum(line.quantity for line in lines) - sum(v.quantity for v in voids)
    foods = await store.top_foods(AnalyticsScope.of([restaurant]))
    assert [f.total_quantity for f in foods] == ([expected] if expected else [])


async def test_the_quote_error_per_restaurant_and_overall(
    store: ClickHouseAnalyticsStore,
) -> None:
    north, south, idle = uuid4(), uuid4(), uuid4()
    placed = at(14, 12)
    # North: 10 orders, 0, 60, ..., 540 seconds late; south: two orders, 2 and 4 minutes early.
    facts = [quote(north, placed, 60 * n) for n in range(10)]
    facts += [quote(south, placed, -120), quote(south, placed, -240)]
    scope = AnalyticsScope.of([north, south, idle])
    await store.record(facts)
    await store.record(list(reversed(facts)))  # delivered twice: one fact per order
    errors = await store.quote_errors(scope)
    ordered = sorted([north, south], key=str)
    by_restaurant = {e.restaurant_id: e for e in errors[1:]}
    assert [e.restaurant_id for e in errors[1:]] == ordered
    assert by_restaurant[north] == QuoteError(north, 10, 270.0, 486.0)
    assert by_restaurant[south] == QuoteError(south, 2, -180.0, -132.0)
    overall = errors[0]
    assert (overall.restaurant_id, overall.orders) == (None, 12)
    # -240, -120, 0, 60, ..., 540: the median between 180 and 240, the p90 at rank 9.9.
    assert (overall.p50_seconds, overall.p90_seconds) == (210.0, 474.0)
    assert await store.quote_errors(AnalyticsScope.of([idle])) == [QuoteError(None, 0, None, None)]
    assert await store.quote_errors(scope, start=placed.date() + timedelta(days=1)) == [
        QuoteError(None, 0, None, None)
    ]
    # A second fact for an order (a later ready moment) changes nothing: the first one stays.
    await store.record([replace(facts[0], ready_at=facts[0].ready_at + timedelta(hours=1))])
    assert (await store.quote_errors(scope))[0] == overall
