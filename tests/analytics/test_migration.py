"""A store written by the previous layout (ReplacingMergeTree, every delivery kept, no sign)
is migrated when the adapter opens it: the same reports, one live row per fact."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from restman_core.adapters.clickhouse import ClickHouseAnalyticsStore
from restman_core.adapters.clickhouse.rollups import ROLLUPS
from restman_core.adapters.clickhouse.rows import rows_by_table
from restman_core.adapters.clickhouse.schema import FACT_TABLES, LEGACY_SUFFIX, FactTable
from restman_core.domain.analytics import AnalyticsScope
from tests.analytics.scenario import Scenario


def _legacy_statement(database: str, table: FactTable) -> str:
    """The table as the previous layout created it."""
    columns = ", ".join(f"{name} {kind}" for name, kind in table.columns)
    engine = "ReplacingMergeTree" + (f"({table.version})" if table.version else "")
    return (
        f"CREATE TABLE {database}.{table.name} ({columns}) ENGINE = {engine} "
        f"PARTITION BY toYYYYMM({table.time_column}) "
        f"ORDER BY (restaurant_id, {', '.join(table.key)})"
    )


async def _reports(store: ClickHouseAnalyticsStore, scope: AnalyticsScope) -> tuple[Any, ...]:
    return (
        await store.top_foods(scope),
        await store.top_foods(scope, start=date(2024, 3, 11), end=date(2024, 3, 11)),
        await store.revenue(scope),
        await store.orders_by_status(scope),
        await store.kitchen_times(scope),
    )


async def test_a_store_of_the_previous_layout_is_migrated_on_open(
    store: ClickHouseAnalyticsStore,
) -> None:
    scenario = Scenario()
    facts = scenario.facts()
    scope = AnalyticsScope.of([scenario.restaurant_a, scenario.restaurant_b])
    await store.record(facts)
    want = await _reports(store, scope)

    legacy = ClickHouseAnalyticsStore(
        store._engine, f"restman_legacy_{uuid4().hex[:8]}", embedded=True
    )

    def write_legacy(client: Any) -> None:
        client.command(f"CREATE DATABASE {legacy.database}")
        for table in FACT_TABLES:
            client.command(_legacy_statement(legacy.database, table))
        for _ in range(2):  # every fact delivered twice, as the previous layout kept them
            for table, rows in rows_by_table(facts).items():
                client.insert(
                    table.name,
                    rows,
                    column_names=table.column_names,
                    database=legacy.database,
                )

    await legacy._run(write_legacy)
    await legacy.ensure_schema()
    assert await _reports(legacy, scope) == want

    def tables(client: Any) -> set[str]:
        rows = client.query(
            "SELECT name FROM system.tables WHERE database = {db:String}",
            parameters={"db": legacy.database},
        ).result_rows
        return {str(name) for (name,) in rows}

    rollups = {name for r in ROLLUPS for name in (r.name, *(view for view, _ in r.views))}
    assert await legacy._run(tables) == {table.name for table in FACT_TABLES} | rollups
    assert not any(name.endswith(LEGACY_SUFFIX) for name in await legacy._run(tables))
    await legacy.ensure_schema()  # opening again changes nothing
    assert await _reports(legacy, scope) == want
    await legacy._run(lambda client: client.command(f"DROP DATABASE {legacy.database}"))
    await legacy.close()
