"""Recording facts: redelivery never double counts, a batch is one insert per table, and the
schema survives being created again."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from restman_core.adapters.clickhouse import ClickHouseAnalyticsStore
from restman_core.adapters.clickhouse.sharing import SharedEmbeddedEngine
from restman_core.domain.analytics import AnalyticsScope
from restman_core.errors import InvalidInput
from tests.analytics.builders import at, bill, item, order, ticket
from tests.analytics.scenario import Scenario


async def _reports(store: ClickHouseAnalyticsStore, scope: AnalyticsScope) -> tuple[Any, ...]:
    return (
        await store.top_foods(scope),
        await store.revenue(scope),
        await store.orders_by_status(scope),
        await store.kitchen_times(scope),
        await store.top_foods(scope, start=date(2024, 3, 10), end=date(2024, 3, 10)),
    )


async def test_a_redelivered_batch_changes_no_report(store: ClickHouseAnalyticsStore) -> None:
    scenario = Scenario()
    facts = scenario.facts()
    facts.append(ticket(uuid4(), scenario.restaurant_a, "grill", at(10, 10), 75, 2))
    scope = AnalyticsScope.of([scenario.restaurant_a, scenario.restaurant_b])
    await store.record(facts)
    once = await _reports(store, scope)
    await store.record(facts)
    await store.record(list(reversed(facts)))
    assert await _reports(store, scope) == once
    assert once[1].total_orders == 3
    assert once[0][0].total_quantity == 4  # Pizza, not 8 or 12


async def test_redelivery_counts_once_even_after_merges(store: ClickHouseAnalyticsStore) -> None:
    scenario = Scenario()
    facts = scenario.facts()
    scope = AnalyticsScope.of([scenario.restaurant_a])
    await store.record(facts)
    await store.record(facts)
    before = await _reports(store, scope)

    def optimize(client: Any) -> None:
        for table in ("order_facts", "order_item_facts", "bill_facts", "ticket_timing_facts"):
            client.command(f"OPTIMIZE TABLE {store.database}.{table} FINAL")

    await store._run(optimize)
    assert await _reports(store, scope) == before


async def test_a_bill_paid_after_it_was_generated_counts_once(
    store: ClickHouseAnalyticsStore,
) -> None:
    restaurant, bill_id, order_id = uuid4(), uuid4(), uuid4()
    amounts = ("12.99", "1.30", "2.00")
    scope = AnalyticsScope.of([restaurant])
    await store.record([bill(bill_id, order_id, restaurant, amounts, "PENDING", 1, at(5))])
    pending = await store.revenue(scope)
    await store.record([bill(bill_id, order_id, restaurant, amounts, "PAID", 2, at(5))])
    paid = await store.revenue(scope)
    assert pending == paid
    assert (paid.total_orders, str(paid.total_revenue), str(paid.gross_total)) == (
        1,
        "12.99",
        "16.29",
    )
    await store.record([bill(bill_id, order_id, restaurant, amounts, "CANCELLED", 3, at(5))])
    assert (await store.revenue(scope)).total_orders == 0


class _CountingClient:
    """The real driver client, with a tally of insert calls per table."""

    def __init__(self, client: Any, inserts: Counter[str]) -> None:
        self._client = client
        self.inserts = inserts

    def insert(self, table: str, *args: Any, **kwargs: Any) -> Any:
        self.inserts[table] += 1
        return self._client.insert(table, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


async def test_a_mixed_batch_is_one_insert_per_table(store: ClickHouseAnalyticsStore) -> None:
    inserts: Counter[str] = Counter()
    shared = store._engine
    assert isinstance(shared, SharedEmbeddedEngine)
    counted = SharedEmbeddedEngine(
        shared.directory,
        lambda: _CountingClient(shared._open_client(), inserts),  # type: ignore[arg-type,return-value]
    )
    batch_store = ClickHouseAnalyticsStore(counted, store.database, embedded=True)
    scenario = Scenario()
    facts = [*scenario.facts()]
    facts += [ticket(uuid4(), scenario.restaurant_a, "fry", at(10), 30, 2) for _ in range(3)]
    await batch_store.record(facts)
    assert inserts == Counter(
        {"order_facts": 1, "order_item_facts": 1, "bill_facts": 1, "ticket_timing_facts": 1}
    )
    await batch_store.record([])
    await batch_store.close()
    assert sum(inserts.values()) == 4
    foods = await store.top_foods(AnalyticsScope.of([scenario.restaurant_b]))
    assert [(food.food_name, food.total_quantity) for food in foods] == [("Pizza", 4)]


async def test_only_facts_can_be_recorded(store: ClickHouseAnalyticsStore) -> None:
    restaurant = uuid4()
    with pytest.raises(InvalidInput):
        await store.record([order(uuid4(), restaurant, "PLACED", 1, at(1)), "order"])  # type: ignore[list-item]


async def test_the_schema_can_be_created_again_without_losing_facts(
    store: ClickHouseAnalyticsStore,
) -> None:
    restaurant, order_id = uuid4(), uuid4()
    await store.record([item(order_id, restaurant, uuid4(), "Soup", 1, "4.20", at(2))])
    await store.ensure_schema()
    foods = await store.top_foods(AnalyticsScope.of([restaurant]))
    assert [(food.food_name, str(food.total_revenue)) for food in foods] == [("Soup", "4.20")]
