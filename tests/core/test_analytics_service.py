"""The analytics use cases: who sees which restaurants, which periods are valid, and the JSON
views of the results, on the embedded SQLite database and the real ClickHouse engine (chdb).

chdb hosts one engine directory per process and other test packages open their own, so this
module opens its store once on a temporary directory and closes it when the module finishes.
Two owners each have one restaurant with one order, bill and kitchen ticket recorded in the
store; nothing else is recorded there, so "everything" is exactly those two.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from restman_core.adapters.clickhouse.store import open_analytics_store
from restman_core.adapters.sql.database import SqlDatabase
from restman_core.domain.access import Actor, Role
from restman_core.domain.analytics import RevenueSummary
from restman_core.errors import Forbidden, InvalidInput, NotFound
from restman_core.ports.analytics import AnalyticsStore
from restman_core.services.analytics import AnalyticsService
from restman_core.views import (
    day_revenue_view,
    kitchen_time_view,
    revenue_view,
    status_count_view,
    top_food_view,
)
from tests.analytics.builders import at, bill, item, order, ticket
from tests.core.builders import Core, Kitchen, add_user, build_restaurant

MARCH_1, MARCH_31 = date(2024, 3, 1), date(2024, 3, 31)


@dataclass
class World:
    """Two owners' restaurants with recorded facts, and a service that counts store opens."""

    db: SqlDatabase
    service: AnalyticsService
    grill: Kitchen
    pizzeria: Kitchen
    store_opens: list[int]


@pytest.fixture(scope="module")
async def store(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AnalyticsStore]:
    directory: Path = tmp_path_factory.mktemp("analytics-service")
    opened = open_analytics_store(f"chdb://{directory}/analytics", "restman_reports_test")
    await opened.ensure_schema()
    yield opened
    await opened.close()


async def _record(store: AnalyticsStore, grill: Kitchen, pizzeria: Kitchen) -> None:
    g, p = grill.id, pizzeria.id
    burger, pizza = grill.foods["Burger"].id, pizzeria.foods["Burger"].id
    og, op = uuid.uuid4(), uuid.uuid4()
    await store.record(
        [
            order(og, g, "COMPLETED", 3, at(1)),
            item(og, g, burger, "Burger", 3, "10.00", at(1)),
            bill(uuid.uuid4(), og, g, ("30.00", "3.00", "1.00"), "PAID", 2, at(1)),
            ticket(uuid.uuid4(), g, "grill", at(1), 60, 2),
            order(op, p, "NEW", 1, at(2)),
            item(op, p, pizza, "Pizza", 5, "8.00", at(2)),
            bill(uuid.uuid4(), op, p, ("40.00", "4.00", "0.00"), "PENDING", 1, at(2)),
            ticket(uuid.uuid4(), p, "oven", at(2), 120, 2),
        ]
    )


@pytest.fixture(scope="module")
async def world(store: AnalyticsStore, sqlite_database: SqlDatabase) -> World:
    core = Core.on(sqlite_database)
    grill = await build_restaurant(core, name="Harbour Grill")
    pizzeria = await build_restaurant(core, name="Forno")
    await _record(store, grill, pizzeria)
    opens: list[int] = []

    async def counted_store() -> AnalyticsStore:
        opens.append(1)
        return store

    service = AnalyticsService(sqlite_database, counted_store)
    return World(sqlite_database, service, grill, pizzeria, opens)


async def test_an_owner_sees_only_their_restaurant(world: World) -> None:
    reports, owner = world.service, world.grill.owner
    assert [f.food_name for f in await reports.top_foods(owner, start=MARCH_1, end=MARCH_31)] == [
        "Burger"
    ]
    revenue = await reports.revenue(owner, start=MARCH_1, end=MARCH_31)
    assert (revenue.total_revenue, revenue.total_orders) == (Decimal("30.00"), 1)
    assert [(c.status, c.count) for c in await reports.orders_by_status(owner)] == [
        ("COMPLETED", 1)
    ]
    assert [t.station for t in await reports.kitchen_times(owner)] == ["grill"]
    named = await reports.top_foods(owner, restaurant_id=world.grill.id)
    assert [f.food_name for f in named] == ["Burger"]


async def test_naming_a_restaurant_outside_the_scope_is_not_found(world: World) -> None:
    reports, owner = world.service, world.grill.owner
    with pytest.raises(NotFound, match="Restaurant not found"):
        await reports.revenue(owner, restaurant_id=world.pizzeria.id)
    with pytest.raises(NotFound):
        await reports.top_foods(owner, restaurant_id=uuid.uuid4())
    with pytest.raises(NotFound):
        await reports.kitchen_times(await _user(world, Role.ADMIN), restaurant_id=uuid.uuid4())


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.KITCHEN])
async def test_other_roles_are_forbidden_before_anything_opens(world: World, role: Role) -> None:
    reports, actor = world.service, await _user(world, role)
    opened_before = len(world.store_opens)
    with pytest.raises(Forbidden):
        await reports.top_foods(actor)
    with pytest.raises(Forbidden):
        await reports.orders_by_status(actor, restaurant_id=world.grill.id)
    with pytest.raises(Forbidden):  # access is decided before the input is looked at
        await reports.revenue(actor, start=date(2024, 2, 2), end=date(2024, 2, 1))
    assert len(world.store_opens) == opened_before


async def test_an_admin_sees_everything_or_the_restaurant_named(world: World) -> None:
    reports, admin = world.service, await _user(world, Role.ADMIN)
    foods = await reports.top_foods(admin, start=MARCH_1, end=MARCH_31)
    assert [(f.food_name, f.total_quantity) for f in foods] == [("Pizza", 5), ("Burger", 3)]
    revenue = await reports.revenue(admin)
    assert (revenue.total_revenue, revenue.total_orders) == (Decimal("70.00"), 2)
    assert {t.station for t in await reports.kitchen_times(admin)} == {"grill", "oven"}
    only = await reports.orders_by_status(admin, restaurant_id=world.pizzeria.id)
    assert [(c.status, c.count) for c in only] == [("NEW", 1)]


async def test_an_owner_without_restaurants_gets_empty_reports(world: World) -> None:
    reports, owner = world.service, await _user(world, Role.OWNER)
    assert await reports.top_foods(owner) == []
    assert await reports.revenue(owner) == RevenueSummary.empty()
    assert await reports.kitchen_times(owner) == []


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (date(2024, 2, 2), date(2024, 2, 1), "start_date"),
        (date(1969, 12, 31), None, "start_date"),
        (None, date(2149, 6, 7), "end_date"),
    ],
)
async def test_bad_periods_are_invalid_input(
    world: World, start: date | None, end: date | None, field: str
) -> None:
    reports, owner = world.service, world.grill.owner
    opened_before = len(world.store_opens)
    for report in (reports.top_foods, reports.revenue, reports.orders_by_status):
        with pytest.raises(InvalidInput) as raised:
            await report(owner, start=start, end=end)
        assert raised.value.details == {"field": field}
    assert len(world.store_opens) == opened_before


@pytest.mark.parametrize("limit", [0, 101])
async def test_limits_outside_1_to_100_are_invalid_input(world: World, limit: int) -> None:
    with pytest.raises(InvalidInput, match="limit"):
        await world.service.top_foods(world.grill.owner, limit=limit)


async def test_the_period_bounds_are_inclusive_days(world: World) -> None:
    reports, admin = world.service, await _user(world, Role.ADMIN)
    day_one = await reports.top_foods(admin, start=MARCH_1, end=MARCH_1)
    assert [f.food_name for f in day_one] == ["Burger"]
    edges = await reports.revenue(admin, start=date(1970, 1, 1), end=date(2149, 6, 6))
    assert edges.total_orders == 2


async def test_daily_revenue_is_one_point_per_day(world: World) -> None:
    reports, admin = world.service, await _user(world, Role.ADMIN)
    days = await reports.daily_revenue(admin, start=date(2024, 3, 1), end=date(2024, 3, 3))
    assert [day_revenue_view(day, s) for day, s in days] == [
        {"day": "2024-03-01", "total_revenue": "30.00"},
        {"day": "2024-03-02", "total_revenue": "40.00"},
        {"day": "2024-03-03", "total_revenue": "0.00"},
    ]
    with pytest.raises(InvalidInput):
        await reports.daily_revenue(admin, start=date(2023, 3, 1), end=date(2024, 3, 1))
    with pytest.raises(NotFound):
        await reports.daily_revenue(
            world.grill.owner, restaurant_id=world.pizzeria.id, start=MARCH_1, end=MARCH_31
        )


async def test_views_have_the_contract_shapes(world: World) -> None:
    reports, owner = world.service, world.grill.owner
    assert [top_food_view(f) for f in await reports.top_foods(owner)] == [
        {
            "food_id": str(world.grill.foods["Burger"].id),
            "food_name": "Burger",
            "total_quantity": 3,
            "total_revenue": "30.00",
        }
    ]
    assert revenue_view(await reports.revenue(owner)) == {
        "total_revenue": "30.00",
        "total_orders": 1,
        "average_order_value": "30.00",
        "tax_total": "3.00",
        "tip_total": "1.00",
        "gross_total": "34.00",
        "discount_total": "0.00",
        "refund_total": "0.00",
    }
    statuses = await reports.orders_by_status(owner)
    assert [status_count_view(c) for c in statuses] == [{"status": "COMPLETED", "count": 1}]
    assert [kitchen_time_view(t) for t in await reports.kitchen_times(owner)] == [
        {
            "station": "grill",
            "day": "2024-03-01",
            "tickets": 1,
            "average_seconds": 60.0,
            "p90_seconds": 60.0,
        }
    ]


async def _user(world: World, role: Role) -> Actor:
    return await add_user(world.db, role, "analyst")
