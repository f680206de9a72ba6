"""Writing a batch of facts so that nothing is ever stored twice.

:func:`write_batch` runs inside one engine call: it fetches the stored rows the batch touches
(one ``SELECT`` per table, located by restaurant, immutable time and order, so the primary key
reads a few granules per fact), plans the signed rows with :mod:`dedup`, and makes one
``INSERT`` per table that gains rows. On the embedded engine every call holds the engine's
cross-process lock, so look-up and insert are one step that no other writer interleaves with.
On a ClickHouse server two writers recording the same fact *at the same moment* could both
find it missing; the analytics consumer never does that (one consumer owns a partition of the
event log at a time, and a retried batch runs after the failed one ended).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from clickhouse_connect.driver.client import Client

from restman_core.adapters.clickhouse.dedup import (
    Key,
    Locator,
    OrderPlan,
    Row,
    latest_by_key,
    locator_of,
    plan_immutable,
    plan_orders,
    plan_versioned,
    signed_changes,
)
from restman_core.adapters.clickhouse.schema import FACT_TABLES, ORDER_FACTS, FactTable

_TIME = "DateTime64(6, 'UTC')"


def fetch_stored(
    client: Client, database: str, table: FactTable, locators: Iterable[Locator]
) -> dict[Key, Row]:
    """The stored row of every key found at ``locators``: the latest version (always a ``+1``
    row, since a ``-1`` is only written beside a newer version), or any row of an immutable
    key (their values are equal)."""
    wanted = set(locators)
    if not wanted:
        return {}
    restaurants = sorted({restaurant for restaurant, _, _ in wanted})
    times = sorted({moment for _, moment, _ in wanted})
    orders = sorted({order for _, _, order in wanted})
    time = table.time_column
    latest_first = f"ORDER BY {table.version} DESC" if table.version is not None else ""
    # The range lets the primary key skip everything outside the batch's span even where
    # the set of times cannot be used for index analysis.
    sql = f"""
        SELECT {", ".join(table.column_names)} FROM {database}.{table.name}
        WHERE restaurant_id IN {{restaurants:Array(UUID)}}
          AND {time} >= {{first:{_TIME}}} AND {time} <= {{last:{_TIME}}}
          AND {time} IN {{times:Array({_TIME})}}
          AND order_id IN {{orders:Array(UUID)}}
        {latest_first}
        LIMIT 1 BY {", ".join(table.key)}
    """  # noqa: S608 - only the checked database name and declared column names are spliced in
    parameters: dict[str, Any] = {
        "restaurants": restaurants,
        "first": times[0],
        "last": times[-1],
        "times": times,
        "orders": orders,
    }
    rows = client.query(sql, parameters=parameters).result_rows
    found = latest_by_key(table, [list(row) for row in rows])
    # The look-up matches restaurants, times and orders separately: keep exact locators only.
    return {key: row for key, row in found.items() if locator_of(table, row) in wanted}


def plan_batch(
    client: Client, database: str, batches: Mapping[FactTable, list[Row]]
) -> dict[FactTable, list[Row]]:
    """The signed rows to insert per table for ``batches`` (rows in column order, no sign)."""
    planned: dict[FactTable, list[Row]] = {}
    orders = _plan_orders(client, database, batches)
    if orders.rows:
        planned[ORDER_FACTS] = orders.rows
    transition_locators = [locator for locator, _ in orders.transitions.values()]
    for table in FACT_TABLES:
        if table is ORDER_FACTS:
            continue
        rows = batches.get(table, [])
        locators = {locator_of(table, row) for row in rows}
        if table.follows_order_cancellation:
            locators.update(transition_locators)
        if not locators:
            continue
        stored = fetch_stored(client, database, table, locators)
        if table.version is None:
            signed = plan_immutable(table, rows, stored, orders)
        else:
            signed = signed_changes(plan_versioned(table, rows, stored))
        if signed:
            planned[table] = signed
    return planned


def _plan_orders(
    client: Client, database: str, batches: Mapping[FactTable, list[Row]]
) -> OrderPlan:
    """Plan the order rows; the store is asked about the batch's orders and about the orders
    of rows that follow cancellation (whose placed_at is their time)."""
    order_rows = batches.get(ORDER_FACTS, [])
    locators = {locator_of(ORDER_FACTS, row) for row in order_rows}
    for table, rows in batches.items():
        if table.follows_order_cancellation:
            locators.update(locator_of(table, row) for row in rows)
    stored = fetch_stored(client, database, ORDER_FACTS, locators)
    return plan_orders(order_rows, stored)


def write_batch(client: Client, database: str, batches: Mapping[FactTable, list[Row]]) -> None:
    """Plan and insert ``batches``: one insert per table that gains rows."""
    for table, rows in plan_batch(client, database, batches).items():
        client.insert(
            table.name,
            rows,
            column_names=table.stored_names,
            column_type_names=table.stored_types,
            database=database,
        )
