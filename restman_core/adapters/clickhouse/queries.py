"""The report queries and the mapping of their rows to domain results.

Values are always bound as server-side parameters (``{name:Type}``); the only text spliced into
SQL is the checked database name and fixed fragments chosen by this module. Each query takes
the latest version of every fact with ``argMax(..., version)`` (or, for immutable items, one row
per ``item_id``) so that a redelivered fact, merged away or not, counts once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from restman_core.adapters.clickhouse.schema import (
    BILL_FACTS,
    ORDER_FACTS,
    ORDER_ITEM_FACTS,
    TICKET_TIMING_FACTS,
)
from restman_core.domain.analytics import (
    BILL_CANCELLED,
    ORDER_CANCELLED,
    AnalyticsScope,
    KitchenTime,
    RevenueSummary,
    StatusCount,
    TopFood,
    average_order_value,
)
from restman_core.domain.money import round_cents
from restman_core.errors import InvalidInput

_TENTH = Decimal("0.1")
_MICROS_PER_SECOND = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class Query:
    """SQL text plus the parameters it binds."""

    sql: str
    parameters: dict[str, Any] = field(default_factory=dict)


def _filter(
    scope: AnalyticsScope, start: date | None, end: date | None, time_column: str | None
) -> tuple[str, dict[str, Any]]:
    """A ``WHERE`` clause for the scope and the inclusive UTC date range on ``time_column``."""
    clauses: list[str] = []
    parameters: dict[str, Any] = {}
    if not scope.all_restaurants:
        clauses.append("restaurant_id IN {restaurant_ids:Array(UUID)}")
        parameters["restaurant_ids"] = sorted(scope.restaurant_ids)
    if start is not None and end is not None and start > end:
        raise InvalidInput("start_date must not be after end_date", details={"field": "start_date"})
    if time_column is not None and start is not None:
        clauses.append(f"{time_column} >= {{period_start:DateTime64(6, 'UTC')}}")
        parameters["period_start"] = datetime.combine(start, time.min, UTC)
    if time_column is not None and end is not None:
        # Inclusive end date: everything before the following midnight.
        clauses.append(f"{time_column} < {{period_end:DateTime64(6, 'UTC')}}")
        parameters["period_end"] = datetime.combine(end + timedelta(days=1), time.min, UTC)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", parameters


def top_foods_query(
    database: str, scope: AnalyticsScope, limit: int, start: date | None, end: date | None
) -> Query:
    """Items of orders not cancelled (an item whose order fact has not arrived counts)."""
    if limit < 1:
        raise InvalidInput("limit must be at least 1", details={"field": "limit"})
    item_filter, parameters = _filter(scope, start, end, "placed_at")
    order_filter, _ = _filter(scope, None, None, None)
    sql = f"""
        SELECT food_id, argMax(item_food_name, item_placed_at) AS latest_name,
               sum(item_quantity) AS total_quantity, sum(item_subtotal) AS total_revenue
        FROM (
            SELECT item_id, any(order_id) AS item_order_id, any(food_id) AS food_id,
                   any(food_name) AS item_food_name, any(quantity) AS item_quantity,
                   any(subtotal) AS item_subtotal, any(placed_at) AS item_placed_at
            FROM {database}.{ORDER_ITEM_FACTS.name} {item_filter}
            GROUP BY item_id
        )
        WHERE item_order_id NOT IN (
            SELECT order_id FROM {database}.{ORDER_FACTS.name} {order_filter}
            GROUP BY order_id HAVING argMax(status, version) = {{cancelled:String}}
        )
        GROUP BY food_id
        ORDER BY total_quantity DESC, total_revenue DESC, latest_name ASC, food_id ASC
        LIMIT {{limit:UInt32}}
    """  # noqa: S608 - only the checked database name and fixed fragments are spliced in
    return Query(sql, {**parameters, "cancelled": ORDER_CANCELLED, "limit": limit})


def top_foods_result(rows: Sequence[Sequence[Any]]) -> list[TopFood]:
    return [
        TopFood(
            food_id=food_id,
            food_name=name,
            total_quantity=int(quantity),
            total_revenue=round_cents(Decimal(revenue)),
        )
        for food_id, name, quantity, revenue in rows
    ]


def revenue_query(
    database: str, scope: AnalyticsScope, start: date | None, end: date | None
) -> Query:
    """Sums over the latest version of each bill generated in the period, cancelled excluded."""
    bill_filter, parameters = _filter(scope, start, end, "generated_at")
    sql = f"""
        SELECT count() AS bills, sum(latest_subtotal), sum(latest_tax), sum(latest_tip),
               sum(latest_total)
        FROM (
            SELECT bill_id, argMax(status, version) AS latest_status,
                   argMax(subtotal, version) AS latest_subtotal,
                   argMax(tax_amount, version) AS latest_tax,
                   argMax(tip_amount, version) AS latest_tip,
                   argMax(total_amount, version) AS latest_total
            FROM {database}.{BILL_FACTS.name} {bill_filter}
            GROUP BY bill_id
        )
        WHERE latest_status != {{cancelled:String}}
    """  # noqa: S608 - only the checked database name and fixed fragments are spliced in
    return Query(sql, {**parameters, "cancelled": BILL_CANCELLED})


def revenue_result(rows: Sequence[Sequence[Any]]) -> RevenueSummary:
    if not rows or int(rows[0][0]) == 0:
        return RevenueSummary.empty()
    bills, subtotal, tax, tip, total = rows[0]
    net = round_cents(Decimal(subtotal))
    return RevenueSummary(
        total_revenue=net,
        total_orders=int(bills),
        average_order_value=average_order_value(net, int(bills)),
        tax_total=round_cents(Decimal(tax)),
        tip_total=round_cents(Decimal(tip)),
        gross_total=round_cents(Decimal(total)),
    )


def orders_by_status_query(
    database: str, scope: AnalyticsScope, start: date | None, end: date | None
) -> Query:
    """Orders placed in the period, each counted once under its latest status."""
    order_filter, parameters = _filter(scope, start, end, "placed_at")
    sql = f"""
        SELECT latest_status, count() AS orders
        FROM (
            SELECT order_id, argMax(status, version) AS latest_status
            FROM {database}.{ORDER_FACTS.name} {order_filter}
            GROUP BY order_id
        )
        GROUP BY latest_status
        ORDER BY orders DESC, latest_status ASC
    """  # noqa: S608 - only the checked database name and fixed fragments are spliced in
    return Query(sql, parameters)


def orders_by_status_result(rows: Sequence[Sequence[Any]]) -> list[StatusCount]:
    return [StatusCount(status=str(status), count=int(count)) for status, count in rows]


def kitchen_times_query(
    database: str, scope: AnalyticsScope, start: date | None, end: date | None
) -> Query:
    """NEW-to-READY durations (microseconds) of tickets opened in the period whose latest
    version is READY, per station and UTC day opened."""
    ticket_filter, parameters = _filter(scope, start, end, "new_at")
    # argMax over a one-element tuple: aggregate functions may skip NULL arguments, and a NULL
    # ready_at (a recalled ticket) must win when it is the latest version.
    sql = f"""
        SELECT latest_station, toDate(latest_new_at, 'UTC') AS day, count() AS tickets,
               avg(waited) AS average_micros,
               quantileExactInclusive(0.9)(waited) AS p90_micros
        FROM (
            SELECT ticket_id, argMax(station, version) AS latest_station,
                   argMax(new_at, version) AS latest_new_at,
                   argMax(tuple(ready_at), version).1 AS latest_ready_at,
                   toUnixTimestamp64Micro(assumeNotNull(latest_ready_at))
                       - toUnixTimestamp64Micro(latest_new_at) AS waited
            FROM {database}.{TICKET_TIMING_FACTS.name} {ticket_filter}
            GROUP BY ticket_id
        )
        WHERE latest_ready_at IS NOT NULL AND waited >= 0
        GROUP BY latest_station, day
        ORDER BY day ASC, latest_station ASC
    """  # noqa: S608 - only the checked database name and fixed fragments are spliced in
    return Query(sql, parameters)


def _seconds(micros: float) -> float:
    """Microseconds to seconds, rounded half-up to one decimal."""
    seconds = Decimal(repr(float(micros))) / _MICROS_PER_SECOND
    return float(seconds.quantize(_TENTH, rounding=ROUND_HALF_UP))


def kitchen_times_result(rows: Sequence[Sequence[Any]]) -> list[KitchenTime]:
    return [
        KitchenTime(
            station=str(station),
            day=day,
            tickets=int(tickets),
            average_seconds=_seconds(average),
            p90_seconds=_seconds(p90),
        )
        for station, day, tickets, average, p90 in rows
    ]
