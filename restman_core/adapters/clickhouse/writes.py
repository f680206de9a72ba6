"""Writing a batch of facts so that nothing is ever stored twice.

:func:`write_batch` runs inside one engine call: it fetches the stored rows the batch touches
(one ``SELECT`` per table, located by restaurant, immutable time and order, so the primary key
reads a few granules per fact), plans the signed rows with :mod:`dedup`, and makes one
``INSERT`` per table that gains rows. On the embedded engine every call holds the engine's
cross-process lock, so look-up and insert are one step that no other writer interleaves with.
On a ClickHouse server the two are not one locked step: two writers recording the same fact
at the same moment could both find it missing (``docs/analytics.md`` says when that can happen).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from clickhouse_connect.driver.client import Client

from restman_core.adapters.clickhouse.dedup import (
    Key,
    Locator,
    OrderPlan,
    Row,
    latest_by_key,
    locators_of,
    plan_immutable,
    plan_orders,
    plan_versioned,
    signed_changes,
)
from restman_core.adapters.clickhouse.schema import FACT_TABLES, ORDER_FACTS, FactTable

_TIME = "DateTime64(6, 'UTC')"
Fetch = Callable[[FactTable, set[Locator]], dict[Key, Row]]
_LOCATOR_STRUCTURE = "r UUID, t Int64, o UUID"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _locator_text(locators: Iterable[Locator]) -> str:
    """The locators as TabSeparated text, for a string literal in the query: one literal costs
    the server one parse instead of thousands of array elements, and costs the driver nothing
    (a bound string parameter is escaped character by character: 0.6 s for a batch of 20,000
    facts). Ids as 32 hex digits and times as microseconds since the epoch (the engine reads
    both, and they cost a third of dashed ids and ``strftime``): only hex digits, digits, tabs
    and newlines, so it needs no escaping. Times are aware (facts hold UTC)."""
    return "\n".join(
        f"{restaurant.hex}\t{(moment - _EPOCH) // _MICROSECOND}\t{order.hex}"
        for restaurant, moment, order in locators
    )


def fetch_stored(
    client: Client, database: str, table: FactTable, locators: Iterable[Locator]
) -> dict[Key, Row]:
    """The stored row of every key found at ``locators``: the latest version (always a ``+1``
    row, since a ``-1`` is only written beside a newer version), or any row of an immutable
    key (their values are equal)."""
    wanted = set(locators)
    if not wanted:
        return {}
    times = [moment for _, moment, _ in wanted]
    text = _locator_text(wanted)
    time = table.time_column
    latest_first = f"ORDER BY {table.version} DESC" if table.version is not None else ""
    # The tuple is a prefix of the sorting key, so the primary key reads only the granules
    # that can hold a locator; the range prunes partitions before that.
    sql = f"""
        SELECT {", ".join(table.column_names)} FROM {database}.{table.name}
        WHERE {time} >= {{first:{_TIME}}} AND {time} <= {{last:{_TIME}}}
          AND (restaurant_id, {time}, order_id) IN (
              SELECT r, fromUnixTimestamp64Micro(t, 'UTC'), o
              FROM format(TabSeparated, '{_LOCATOR_STRUCTURE}', '{text}')
          )
        {latest_first}
        LIMIT 1 BY {", ".join(table.key)}
    """  # noqa: S608 - the checked database name, declared names and locator text only
    parameters: dict[str, Any] = {
        "first": min(times),
        "last": max(times),
    }
    # The locator literal may pass the default query size (256 KiB).
    settings = {"max_query_size": len(sql) + 65_536}
    rows = client.query(sql, parameters=parameters, settings=settings).result_rows
    return latest_by_key(table, [list(row) for row in rows])


def plan_batch(fetch: Fetch, batches: Mapping[FactTable, list[Row]]) -> dict[FactTable, list[Row]]:
    """The signed rows to insert per table for ``batches`` (rows in column order, no sign),
    given ``fetch``, which returns the stored row of each key found at some locators (see
    :func:`fetch_stored`)."""
    planned: dict[FactTable, list[Row]] = {}
    orders = _plan_orders(fetch, batches)
    if orders.rows:
        planned[ORDER_FACTS] = orders.rows
    transition_locators = [locator for locator, _ in orders.transitions.values()]
    for table in FACT_TABLES:
        if table is ORDER_FACTS:
            continue
        rows = batches.get(table, [])
        locators = locators_of(table, rows)
        if table.follows_order_cancellation:
            locators.update(transition_locators)
        if not locators:
            continue
        stored = fetch(table, locators)
        if table.version is None:
            signed = plan_immutable(table, rows, stored, orders)
        else:
            signed = signed_changes(plan_versioned(table, rows, stored))
        if signed:
            planned[table] = signed
    return planned


def _plan_orders(fetch: Fetch, batches: Mapping[FactTable, list[Row]]) -> OrderPlan:
    """Plan the order rows; the store is asked about the batch's orders and about the orders
    of rows that follow cancellation (whose placed_at is their time)."""
    order_rows = batches.get(ORDER_FACTS, [])
    locators = locators_of(ORDER_FACTS, order_rows)
    for table, rows in batches.items():
        if table.follows_order_cancellation:
            locators.update(locators_of(table, rows))
    stored = fetch(ORDER_FACTS, locators)
    return plan_orders(order_rows, stored)


def write_batch(client: Client, database: str, batches: Mapping[FactTable, list[Row]]) -> None:
    """Plan and insert ``batches``: one insert per table that gains rows."""

    def fetch(table: FactTable, locators: set[Locator]) -> dict[Key, Row]:
        return fetch_stored(client, database, table, locators)

    for table, rows in plan_batch(fetch, batches).items():
        # Handed over as columns: the driver encodes a block column by column, and pivoting the
        # rows here (in C, by zip) is cheaper than its own pivot, row by row in Python.
        client.insert(
            table.name,
            list(zip(*rows, strict=True)),
            column_names=table.stored_names,
            column_type_names=table.stored_types,
            database=database,
            column_oriented=True,
        )
