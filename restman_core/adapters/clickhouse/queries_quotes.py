"""The quote error report: how far orders' ready times fell from their quotes.

One aggregation over ``quote_error_daily`` (one row per quote fact, its error in microseconds
computed when written; quotes are written once per order: no sign to fold) with grouping sets,
so each restaurant's figures and the whole scope's come from one read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from restman_core.adapters.clickhouse.queries import Query, _day_filter, _seconds
from restman_core.adapters.clickhouse.rollups import QUOTE_ERROR_DAILY
from restman_core.domain.analytics import AnalyticsScope
from restman_core.domain.analytics_changes import QuoteError


def quote_errors_query(
    database: str, scope: AnalyticsScope, start: date | None, end: date | None
) -> Query:
    """Per restaurant and over the scope (the row whose ``grouping`` flag is set): quoted
    orders placed in the period that were ready, and the median and 90th percentile of ready
    minus quoted, in microseconds."""
    quote_filter, parameters = _day_filter(scope, start, end, "sign = 1")
    sql = f"""
        SELECT grouping(restaurant_id) AS overall, restaurant_id, count() AS orders,
               quantileExactInclusive(0.5)(error) AS p50_micros,
               quantileExactInclusive(0.9)(error) AS p90_micros
        FROM {database}.{QUOTE_ERROR_DAILY.name} {quote_filter}
        GROUP BY GROUPING SETS ((restaurant_id), ())
    """  # noqa: S608 - only the checked database name and fixed fragments are spliced in
    return Query(sql, parameters)


def quote_errors_result(rows: Sequence[Sequence[Any]]) -> list[QuoteError]:
    """The whole scope first (``restaurant_id`` ``None``, figures ``None`` for no orders),
    then each restaurant with quoted orders that were ready, by id."""
    overall = QuoteError(None, 0, None, None)
    restaurants: list[QuoteError] = []
    for flag, restaurant_id, orders, p50, p90 in rows:
        if int(orders) == 0:
            continue
        found = QuoteError(
            None if int(flag) else restaurant_id, int(orders), _seconds(p50), _seconds(p90)
        )
        if int(flag):
            overall = found
        else:
            restaurants.append(found)
    # Sorted here: the engine orders UUIDs by their halves, not as Python (and clients) do.
    return [overall, *sorted(restaurants, key=lambda e: str(e.restaurant_id))]
