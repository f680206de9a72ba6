"""Analytics reports over HTTP: parse the query, ask `platform.reports` (which decides who sees
which restaurants and checks the period), and answer the views of the results."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from litestar import get
from litestar.params import FromPath, FromQuery, QueryParameter

from restman_api.errors import responses
from restman_api.state import Api, Caller
from restman_core.views import (
    kitchen_report_view,
    kitchen_time_view,
    method_total_view,
    revenue_view,
    status_count_view,
    top_food_view,
)

TAGS = ["analytics"]
Json = dict[str, Any]
ERRORS = responses(400, 401, 403, 404, 503)
TopLimit = Annotated[int, QueryParameter(ge=1, le=100, description="How many foods (default 10)")]
Day = Annotated[date | None, QueryParameter(description="Inclusive UTC date (YYYY-MM-DD)")]
QuoteErrorFlag = Annotated[
    bool,
    QueryParameter(
        description=(
            "Answer an object: the station rows as `stations`, and the quote error (ready minus"
            " quoted, seconds) as `quote_error_p50_seconds` and `quote_error_p90_seconds`"
            " over the report and per restaurant (null when no quoted order was ready)"
        )
    ),
]


@get(
    "/api/analytics/top-foods",
    operation_id="topFoods",
    tags=TAGS,
    responses=ERRORS,
    summary="Best-selling foods by quantity (cancelled orders excluded)",
)
async def top_foods(
    api: Api,
    actor: Caller,
    limit: TopLimit = 10,
    start_date: Day = None,
    end_date: Day = None,
    restaurant_id: FromQuery[uuid.UUID | None] = None,
) -> list[Json]:
    foods = await api.platform.reports.top_foods(
        actor, restaurant_id=restaurant_id, limit=limit, start=start_date, end=end_date
    )
    return [top_food_view(f) for f in foods]


@get(
    "/api/analytics/restaurants/{restaurant_id:uuid}/top-foods",
    operation_id="restaurantTopFoods",
    tags=TAGS,
    responses=ERRORS,
    summary="Best-selling foods of one restaurant",
)
async def restaurant_top_foods(
    api: Api,
    actor: Caller,
    restaurant_id: FromPath[uuid.UUID],
    limit: TopLimit = 10,
    start_date: Day = None,
    end_date: Day = None,
) -> list[Json]:
    foods = await api.platform.reports.top_foods(
        actor, restaurant_id=restaurant_id, limit=limit, start=start_date, end=end_date
    )
    return [top_food_view(f) for f in foods]


@get(
    "/api/analytics/revenue",
    operation_id="revenue",
    tags=TAGS,
    responses=ERRORS,
    summary=(
        "Net sales (subtotals of bills not cancelled, less discounts and the sales part of "
        "refunds), orders, average, tax, tips, gross (less refunds), discount_total, refund_total"
    ),
)
async def revenue(
    api: Api,
    actor: Caller,
    start_date: Day = None,
    end_date: Day = None,
    restaurant_id: FromQuery[uuid.UUID | None] = None,
) -> Json:
    summary = await api.platform.reports.revenue(
        actor, restaurant_id=restaurant_id, start=start_date, end=end_date
    )
    return revenue_view(summary)


@get(
    "/api/analytics/orders-by-status",
    operation_id="ordersByStatus",
    tags=TAGS,
    responses=ERRORS,
    summary="Orders counted by their latest status",
)
async def orders_by_status(
    api: Api,
    actor: Caller,
    start_date: Day = None,
    end_date: Day = None,
    restaurant_id: FromQuery[uuid.UUID | None] = None,
) -> list[Json]:
    counts = await api.platform.reports.orders_by_status(
        actor, restaurant_id=restaurant_id, start=start_date, end=end_date
    )
    return [status_count_view(c) for c in counts]


@get(
    "/api/analytics/kitchen-times",
    operation_id="kitchenTimes",
    tags=TAGS,
    responses=ERRORS,
    summary="Time from NEW to READY per station and day: average and p90 (seconds)",
)
async def kitchen_times(
    api: Api,
    actor: Caller,
    start_date: Day = None,
    end_date: Day = None,
    restaurant_id: FromQuery[uuid.UUID | None] = None,
    quote_error: QuoteErrorFlag = False,
) -> list[Json] | Json:
    """The station rows as a list; with ``quote_error=true`` an object holding them as
    ``stations`` beside the quote error over the report and per restaurant (an original
    client, which sends no such flag, gets the list as before)."""
    times = await api.platform.reports.kitchen_times(
        actor, restaurant_id=restaurant_id, start=start_date, end=end_date
    )
    if not quote_error:
        return [kitchen_time_view(t) for t in times]
    errors = await api.platform.reports.quote_errors(
        actor, restaurant_id=restaurant_id, start=start_date, end=end_date
    )
    return kitchen_report_view(times, errors)


@get(
    "/api/analytics/payment-methods",
    operation_id="paymentMethods",
    tags=TAGS,
    responses=ERRORS,
    summary="Payments of the period's bills per method: how many, their amounts, their tips",
)
async def payment_methods(
    api: Api,
    actor: Caller,
    start_date: Day = None,
    end_date: Day = None,
    restaurant_id: FromQuery[uuid.UUID | None] = None,
) -> list[Json]:
    totals = await api.platform.reports.payment_methods(
        actor, restaurant_id=restaurant_id, start=start_date, end=end_date
    )
    return [method_total_view(t) for t in totals]


ANALYTICS_ROUTES = [
    top_foods,
    restaurant_top_foods,
    revenue,
    orders_by_status,
    kitchen_times,
    payment_methods,
]
