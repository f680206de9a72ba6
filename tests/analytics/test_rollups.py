"""The daily roll-ups behind the summed reports: every report is unchanged by redelivery,
reordering and rebatching of the facts, and a store opened without its roll-ups gets them
filled from the facts it holds."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

from restman_core.adapters.clickhouse import ClickHouseAnalyticsStore, open_analytics_store
from restman_core.adapters.clickhouse.compaction import crowded_partitions
from restman_core.adapters.clickhouse.rollups import ROLLUPS, TICKET_WAITS
from restman_core.domain.analytics import AnalyticsFact, AnalyticsScope, PaymentFact, RefundFact
from restman_core.domain.analytics_changes import ModifierFact
from tests.analytics.builders import at, bill, item, order, ticket
from tests.analytics.scenario import Scenario
from tests.analytics.test_changes import quote, voided


async def every_report(store: ClickHouseAnalyticsStore, scope: AnalyticsScope) -> tuple[Any, ...]:
    """Every report the store answers, over the whole history and over one day."""
    day: dict[str, date] = {"start": date(2024, 3, 10), "end": date(2024, 3, 10)}
    return (
        await store.top_foods(scope),
        await store.top_foods(scope, 10, **day),
        await store.revenue(scope),
        await store.revenue(scope, **day),
        await store.money_totals(scope),
        await store.payment_methods(scope),
        await store.payment_methods(scope, **day),
        await store.orders_by_status(scope),
        await store.orders_by_status(scope, **day),
        await store.kitchen_times(scope),
        await store.quote_errors(scope),
        await store.top_modifiers(scope),
        await store.top_modifiers(scope, 10, **day),
    )


def _facts(scenario: Scenario) -> list[AnalyticsFact]:
    """The scenario, with a voided item, payments, a refund, a recalled ticket, quotes and
    modifiers (one of a cancelled order)."""
    a = scenario.restaurant_a
    facts = scenario.facts()
    order_id, bill_id, cancelled = uuid4(), uuid4(), uuid4()
    oat, large = uuid4(), uuid4()
    placed = at(10, 20)
    soup = item(order_id, a, uuid4(), "Soup", 3, "4.50", placed)
    paid_at = placed + timedelta(minutes=40)
    facts += [
        order(order_id, a, "COMPLETED", 4, placed),
        soup,
        voided(soup),
        bill(bill_id, order_id, a, ("13.50", "1.35", "1.00"), "PAID", 2, placed),
        PaymentFact(
            uuid4(), bill_id, order_id, a, "card", Decimal("10.00"), Decimal("1.00"), placed,
            paid_at,
        ),
        PaymentFact(
            uuid4(), bill_id, order_id, a, "cash", Decimal("5.85"), Decimal("0.00"), placed,
            paid_at,
        ),
        RefundFact(
            uuid4(), bill_id, order_id, a, Decimal("2.00"), Decimal("1.50"), placed, paid_at
        ),
        ticket(uuid4(), a, "grill", at(10, 21), 90, 2),
        quote(a, at(10, 12), 30),
        quote(scenario.restaurant_b, at(11, 12), -60),
        ModifierFact(
            soup.item_id, oat, order_id, a, "Milk", "Oat milk", 3, Decimal("1.20"), placed
        ),
        ModifierFact(
            uuid4(), oat, order_id, a, "Milk", "Oat milk", 2, Decimal("0.80"), placed
        ),
        ModifierFact(
            uuid4(), large, order_id, a, "Size", "Large", 1, Decimal("-0.50"), placed
        ),
        order(cancelled, a, "CANCELLED", 6, at(10, 22)),
        ModifierFact(
            uuid4(), large, cancelled, a, "Size", "Large", 5, Decimal("-2.50"), at(10, 22)
        ),
    ]  # fmt: skip
    return facts


async def test_no_report_changes_when_facts_come_again_in_any_order_and_batching(
    store: ClickHouseAnalyticsStore,
) -> None:
    scenario = Scenario()
    facts = _facts(scenario)
    scope = AnalyticsScope.of([scenario.restaurant_a, scenario.restaurant_b])
    await store.record(facts)
    once = await every_report(store, scope)
    await store.record(facts)
    await store.record(list(reversed(facts)))
    for start in range(0, len(facts), 4):
        await store.record(facts[start : start + 4])
    assert await every_report(store, scope) == once
    methods = {m.payment_method: (m.payments, str(m.amount_total)) for m in once[5]}
    assert methods == {"card": (1, "10.00"), "cash": (1, "5.85")}
    assert (str(once[4].refund_total), str(once[4].refund_revenue)) == ("2.00", "1.50")
    # The soup was voided whole: it is not among the top foods.
    assert "Soup" not in {food.food_name for food in once[0]}
    assert once[10][0].orders == 2
    modifiers = [(m.name, m.total_quantity, str(m.total_revenue)) for m in once[11]]
    assert modifiers == [("Oat milk", 5, "2.00"), ("Large", 1, "-0.50")]


@contextlib.asynccontextmanager
async def _store_with_scenario(
    tmp_path: Any, database: str
) -> AsyncIterator[tuple[ClickHouseAnalyticsStore, Scenario, AnalyticsScope]]:
    """A store of its own on ``tmp_path`` with its schema, a scenario and the scope of both
    its restaurants; closed on the way out."""
    store = open_analytics_store(f"chdb://{tmp_path}/analytics", database)
    try:
        await store.ensure_schema()
        scenario = Scenario()
        yield store, scenario, AnalyticsScope.of([scenario.restaurant_a, scenario.restaurant_b])
    finally:
        await store.close()


async def test_roll_ups_missing_from_a_store_are_filled_from_its_facts(tmp_path: Any) -> None:
    async with _store_with_scenario(tmp_path, "restman_rollups_test") as (store, scenario, scope):
        await store.record(_facts(scenario))
        before = await every_report(store, scope)
        assert before[0]
        assert before[2].total_orders > 0

        def drop_rollups(client: Any) -> None:
            for rollup in ROLLUPS:
                for view, _ in rollup.views:
                    client.command(f"DROP VIEW {store.database}.{view}")
                client.command(f"DROP TABLE {store.database}.{rollup.name}")

        await store._run(drop_rollups)
        await store.ensure_schema()
        assert await every_report(store, scope) == before
        await store.ensure_schema()  # opening again changes nothing
        assert await every_report(store, scope) == before
        # The views run again: a new fact counts once.
        late = uuid4()
        await store.record([order(late, scenario.restaurant_b, "PLACED", 1, at(12))] * 2)
        statuses = await store.orders_by_status(AnalyticsScope.of([scenario.restaurant_b]))
        assert ("PLACED", 1) in {(s.status, s.count) for s in statuses}


async def test_roll_up_partitions_stay_in_few_parts_and_merging_changes_no_figure(
    tmp_path: Any,
) -> None:
    async with _store_with_scenario(tmp_path, "restman_compaction_test") as (
        store,
        scenario,
        scope,
    ):
        facts = _facts(scenario)
        # One fact per batch: each batch adds a part to the roll-up partitions it reaches.
        for fact in facts:
            await store.record([fact])
        crowded = await store._run(lambda client: crowded_partitions(client, store.database))
        assert crowded == []
        split = await every_report(store, scope)
        await store.truncate_all()
        await store.record(facts)
        assert await every_report(store, scope) == split


async def test_a_store_with_the_earlier_kitchen_roll_up_is_given_the_current_one(
    tmp_path: Any,
) -> None:
    # ``ticket_wait_daily`` (one signed row per READY version, every report netting them out)
    # preceded ``ticket_wait_values``: opening such a store drops it and its view, so nothing
    # writes there any more, and the current roll-up holds every duration.
    async with _store_with_scenario(tmp_path, "restman_retired_test") as (store, scenario, scope):
        await store.record(_facts(scenario))
        before = await store.kitchen_times(scope)
        assert before
        db = store.database

        def make_the_earlier_layout(client: Any) -> None:
            for view, _ in TICKET_WAITS.views:
                client.command(f"DROP VIEW {db}.{view}")
            client.command(f"DROP TABLE {db}.{TICKET_WAITS.name}")
            client.command(
                f"CREATE TABLE {db}.ticket_wait_daily (restaurant_id UUID, day Date, "
                "station LowCardinality(String), waited Int64, sign Int8) ENGINE = MergeTree "
                "PARTITION BY toYYYYMM(day) ORDER BY (restaurant_id, day, station, waited)"
            )
            earlier_view = f"""
                CREATE MATERIALIZED VIEW {db}.ticket_wait_daily_mv TO {db}.ticket_wait_daily AS
                SELECT restaurant_id, toDate(new_at, 'UTC') AS day, station,
                       toUnixTimestamp64Micro(assumeNotNull(ready_at))
                           - toUnixTimestamp64Micro(new_at) AS waited, sign
                FROM {db}.ticket_timing_facts WHERE ready_at IS NOT NULL
            """  # noqa: S608 - the test's own database name
            client.command(earlier_view)

        await store._run(make_the_earlier_layout)
        await store.ensure_schema()
        tables = await store._run(
            lambda client: {
                str(name)
                for (name,) in client.query(
                    "SELECT name FROM system.tables WHERE database = {db:String}",
                    parameters={"db": db},
                ).result_rows
            }
        )
        assert "ticket_wait_daily" not in tables
        assert "ticket_wait_daily_mv" not in tables
        assert await store.kitchen_times(scope) == before
