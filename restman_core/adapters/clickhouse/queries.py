"""The report queries and the mapping of their rows to domain results.

Values are always bound as server-side parameters (``{name:Type}``); the only text spliced into
SQL is the checked database name and fixed fragments chosen by this module. The writer keeps
one live row per fact (:mod:`restman_core.adapters.clickhouse.schema`), so every report is one
plain aggregation that sums ``sign``: no grouping by fact key, no ``FINAL``, no join with the
cancelled orders. The reports that only sum read the daily roll-ups those signed rows feed
(:mod:`restman_core.adapters.clickhouse.rollups`), kitchen times the live durations rolled up
with their copies. The SQL is
ClickHouse's own and runs unchanged on the embedded engine and on a server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from restman_core.adapters.clickhouse.rollups import (
    BILL_DAILY,
    FOOD_DAILY,
    ORDER_STATUS_DAILY,
    TICKET_WAITS,
)
from restman_core.domain.analytics import (
    BILL_CANCELLED,
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
    scope: AnalyticsScope,
    start: date | None,
    end: date | None,
    time_column: str,
    *extra: str,
) -> tuple[str, dict[str, Any]]:
    """A ``WHERE`` clause for the scope, the inclusive UTC date range on ``time_column`` and
    the fixed ``extra`` conditions."""
    clauses: list[str] = []
    parameters: dict[str, Any] = {}
    if not scope.all_restaurants:
        clauses.append("restaurant_id IN {restaurant_ids:Array(UUID)}")
        parameters["restaurant_ids"] = sorted(scope.restaurant_ids)
    if start is not None and end is not None and start > end:
        raise InvalidInput("start_date must not be after end_date", details={"field": "start_date"})
    if start is not None:
        clauses.append(f"{time_column} >= {{period_start:DateTime64(6, 'UTC')}}")
        parameters["period_start"] = datetime.combine(start, time.min, UTC)
    if end is not None:
        # Inclusive end date: everything before the following midnight.
        clauses.append(f"{time_column} < {{period_end:DateTime64(6, 'UTC')}}")
        parameters["period_end"] = datetime.combine(end + timedelta(days=1), time.min, UTC)
    clauses.extend(extra)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", parameters


def _day_filter(
    scope: AnalyticsScope, start: date | None, end: date | None, *extra: str
) -> tuple[str, dict[str, Any]]:
    """A ``WHERE`` clause over a daily roll-up (:mod:`restman_core.adapters.clickhouse.
    rollups`): the scope, the inclusive UTC days on ``day`` and the fixed ``extra``
    conditions; the same facts as :func:`_filter` on their time column."""
    clauses: list[str] = []
    parameters: dict[str, Any] = {}
    if not scope.all_restaurants:
        clauses.append("restaurant_id IN {restaurant_ids:Array(UUID)}")
        parameters["restaurant_ids"] = sorted(scope.restaurant_ids)
    if start is not None and end is not None and start > end:
        raise InvalidInput("start_date must not be after end_date", details={"field": "start_date"})
    if start is not None:
        clauses.append("day >= {first_day:Date}")
        parameters["first_day"] = start
    if end is not None:
        clauses.append("day <= {last_day:Date}")
        parameters["last_day"] = end
    clauses.extend(extra)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", parameters


def top_foods_query(
    database: str, scope: AnalyticsScope, limit: int, start: date | None, end: date | None
) -> Query:
    """Items of orders not cancelled, less the items voided since (an item whose order fact
    has not arrived counts): an item of a cancelled order has its ``-1`` beside its ``+1``, and
    so has its void. A food whose every live item was voided is left out. The name is the one
    of the food's latest item placed in the period."""
    if limit < 1:
        raise InvalidInput("limit must be at least 1", details={"field": "limit"})
    where, parameters = _day_filter(scope, start, end)
    # Items weigh +sign and voids -sign in the roll-up (items: the weights' sum).
    sql = f"""
        SELECT food_id, argMaxMerge(latest_name) AS name,
               sum(quantity) AS total_quantity, sum(revenue) AS total_revenue
        FROM {database}.{FOOD_DAILY.name} {where}
        GROUP BY food_id
        HAVING sum(items) > 0
        ORDER BY total_quantity DESC, total_revenue DESC, name ASC, food_id ASC
        LIMIT {{limit:UInt32}}
    """  # noqa: S608 - only the checked database name and fixed fragments are spliced in
    return Query(sql, {**parameters, "limit": limit})


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
    """Sums over the live version of each bill generated in the period, cancelled excluded."""
    where, parameters = _day_filter(scope, start, end, "status != {cancelled:String}")
    sql = f"""
        SELECT sum(bills), sum(subtotal), sum(tax_amount), sum(tip_amount), sum(total_amount)
        FROM {database}.{BILL_DAILY.name} {where}
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
    """Orders placed in the period, each counted once under its live (latest) status."""
    where, parameters = _day_filter(scope, start, end)
    sql = f"""
        SELECT status, sum(orders) AS live
        FROM {database}.{ORDER_STATUS_DAILY.name} {where}
        GROUP BY status
        HAVING live > 0
        ORDER BY live DESC, status ASC
    """  # noqa: S608 - only the checked database name and fixed fragments are spliced in
    return Query(sql, parameters)


def orders_by_status_result(rows: Sequence[Sequence[Any]]) -> list[StatusCount]:
    return [StatusCount(status=str(status), count=int(count)) for status, count in rows]


def retracted_days_query(
    database: str, scope: AnalyticsScope, start: date | None, end: date | None
) -> Query:
    """The days of the period whose ``ticket_wait_values`` rows in scope include one with
    negative copies: a superseded READY version (a recall or a re-ready) whose ``-1`` a merge
    has not yet met with its ``+1``. Few or none: the view folds the pairs of one batch, and
    compaction those of a crowded month."""
    where, parameters = _day_filter(scope, start, end, "copies < 0")
    sql = f"SELECT DISTINCT day FROM {database}.{TICKET_WAITS.name} {where}"  # noqa: S608
    return Query(sql, parameters)


def kitchen_times_query(
    database: str,
    scope: AnalyticsScope,
    start: date | None,
    end: date | None,
    retracted_days: Sequence[date] = (),
) -> Query:
    """NEW-to-READY durations (microseconds) of tickets opened in the period whose live
    version is READY, per station and UTC day opened: count, mean and 90th percentile
    (``quantileExactInclusive``), over ``ticket_wait_values``.

    ``retracted_days`` are the days with rows of negative copies (found with
    :func:`retracted_days_query` in the same engine call). On every other day all rows are
    positive, and the live values are each row's duration repeated its copies (1 but for
    durations two tickets share): no row needs another. On those days the rows of one
    (station, duration) are summed first, across the parts that hold them, and each
    duration is repeated its live number of copies. The figures are the same whichever days
    are passed: naming a day that has no negative row only takes it the longer way."""
    table = f"{database}.{TICKET_WAITS.name}"
    retracted = sorted(set(retracted_days))
    where, parameters = _day_filter(
        scope, start, end, *(["day NOT IN {retracted:Array(Date)}"] if retracted else [])
    )
    positive = f"{where} AND" if where else "WHERE"
    # Once per row, then the extra copies of the few shared durations: the ARRAY JOIN runs
    # over those rows only.
    values = f"""
        SELECT station, day, waited FROM {table} {positive} copies = 1
        UNION ALL
        SELECT station, day, waited FROM (
            SELECT station, day, waited, copies FROM {table} {positive} copies > 1
        ) ARRAY JOIN range(toUInt64(copies)) AS copy
    """  # noqa: S608 - only the checked database name and fixed fragments
    if retracted:
        within, _ = _day_filter(scope, start, end, "day IN {retracted:Array(Date)}")
        values += f"""
            UNION ALL
            SELECT station, day, waited FROM (
                SELECT station, day, waited, sum(copies) AS live
                FROM {table} {within}
                GROUP BY station, day, waited
                HAVING live > 0
            ) ARRAY JOIN range(toUInt64(live)) AS copy
        """  # noqa: S608 - only the checked database name and fixed fragments
        parameters["retracted"] = retracted
    sql = f"""
        SELECT station, day, count() AS tickets, avg(waited) AS average_micros,
               quantileExactInclusive(0.9)(waited) AS p90_micros
        FROM ({values})
        GROUP BY station, day
        ORDER BY day ASC, station ASC
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
