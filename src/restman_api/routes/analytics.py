"""Analytics reports for owners (their restaurants) and admins (every restaurant)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from litestar import get
from litestar.params import FromPath, FromQuery, QueryParameter

from restman_api.errors import responses
from restman_api.state import Api, Caller
from restman_core.domain.access import Role
from restman_core.domain.analytics import AnalyticsScope
from restman_core.domain.money import format_money
from restman_core.errors import InvalidInput, NotFound
from restman_core.services.access import require_role

TAGS = ["analytics"]
Json = dict[str, Any]
ERRORS = responses(400, 401, 403, 404, 503)
TopLimit = Annotated[int, QueryParameter(ge=1, le=100, description="How many foods (default 10)")]
Day = Annotated[date | None, QueryParameter(description="Inclusive UTC date (YYYY-MM-DD)")]


async def _scope(
    api: Api, actor: Caller, restaurant_id: FromQuery[uuid.UUID | None] = None
) -> AnalyticsScope:
    """Admins see everything, owners their own restaurants; anyone else is Forbidden. Naming a
    restaurant outside the caller's scope is NotFound."""
    require_role(actor, Role.OWNER)
    if actor.is_admin:
        return (
            AnalyticsScope.everything()
            if restaurant_id is None
            else AnalyticsScope.of([restaurant_id])
        )
    owned = {r.id for r in await api.platform.menus.my_restaurants(actor)}
    if restaurant_id is None:
        return AnalyticsScope.of(owned)
    if restaurant_id not in owned:
        raise NotFound("Restaurant not found")
    return AnalyticsScope.of([restaurant_id])


EARLIEST, LATEST = date(1970, 1, 1), date(2149, 6, 6)  # the analytics store's Date range


def _period(start: date | None, end: date | None) -> tuple[date | None, date | None]:
    for name, day in (("start_date", start), ("end_date", end)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise InvalidInput(
                f"{name} must be between {EARLIEST} and {LATEST}", details={"field": name}
            )
    if start is not None and end is not None and start > end:
        raise InvalidInput("start_date must not be after end_date", details={"field": "start_date"})
    return start, end


async def _top_foods(
    api: Api, scope: AnalyticsScope, limit: int, start: date | None, end: date | None
) -> list[Json]:
    store = await api.platform.analytics()
    foods = await store.top_foods(scope, limit, *_period(start, end))
    return [
        {
            "food_id": str(f.food_id),
            "food_name": f.food_name,
            "total_quantity": f.total_quantity,
            "total_revenue": format_money(f.total_revenue),
        }
        for f in foods
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
    scope = await _scope(api, actor, restaurant_id)
    return await _top_foods(api, scope, limit, start_date, end_date)


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
    scope = await _scope(api, actor, restaurant_id)
    return await _top_foods(api, scope, limit, start_date, end_date)


@get(
    "/api/analytics/revenue",
    operation_id="revenue",
    tags=TAGS,
    responses=ERRORS,
    summary="Net sales (subtotals of bills not cancelled), orders, average, tax, tips, gross",
)
async def revenue(
    api: Api,
    actor: Caller,
    start_date: Day = None,
    end_date: Day = None,
    restaurant_id: FromQuery[uuid.UUID | None] = None,
) -> Json:
    scope = await _scope(api, actor, restaurant_id)
    summary = await (await api.platform.analytics()).revenue(scope, *_period(start_date, end_date))
    return {
        "total_revenue": format_money(summary.total_revenue),
        "total_orders": summary.total_orders,
        "average_order_value": format_money(summary.average_order_value),
        "tax_total": format_money(summary.tax_total),
        "tip_total": format_money(summary.tip_total),
        "gross_total": format_money(summary.gross_total),
    }


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
    scope = await _scope(api, actor, restaurant_id)
    store = await api.platform.analytics()
    counts = await store.orders_by_status(scope, *_period(start_date, end_date))
    return [{"status": c.status, "count": c.count} for c in counts]


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
) -> list[Json]:
    scope = await _scope(api, actor, restaurant_id)
    store = await api.platform.analytics()
    times = await store.kitchen_times(scope, *_period(start_date, end_date))
    return [
        {
            "station": t.station,
            "day": t.day.isoformat(),
            "tickets": t.tickets,
            "average_seconds": t.average_seconds,
            "p90_seconds": t.p90_seconds,
        }
        for t in times
    ]


ANALYTICS_ROUTES = [top_foods, restaurant_top_foods, revenue, orders_by_status, kitchen_times]
