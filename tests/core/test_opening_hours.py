"""Opening and category hours on SQLite and PostgreSQL with a frozen clock: an order outside
the restaurant's hours, or of a category outside its own, is a Conflict that says when it
opens; the public menu says whether the restaurant and each category are open."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from restman_core.adapters.local.cache import LocalCache
from restman_core.adapters.sql.database import SqlDatabase
from restman_core.domain.access import Actor
from restman_core.errors import Conflict, InvalidInput
from restman_core.services.menus import MenuService
from tests.core.builders import Core, build_restaurant, order_body


class FrozenClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


# 2026-12-07 is a Monday. Paris is UTC+1 in December.
MONDAY_NOON_PARIS = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
HOURS = {"mon": [["11:00", "15:00"], ["18:00", "02:00"]], "tue": [["18:00", "23:00"]]}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY_NOON_PARIS)


@pytest.fixture
def timed(database: SqlDatabase, clock: FrozenClock) -> Core:
    return Core.on(database, clock)


async def test_orders_outside_the_hours_are_refused_with_the_next_opening(
    timed: Core, clock: FrozenClock, customer: Actor
) -> None:
    kitchen = await build_restaurant(timed, timezone="Europe/Paris", opening_hours=HOURS)
    assert kitchen.restaurant.opening_hours is not None
    assert kitchen.restaurant.opening_hours.as_json() == HOURS
    placed = await timed.orders.place_order(customer, order_body(kitchen, [("Burger", 1)]))
    assert placed.order.total_amount > 0

    clock.moment = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)  # 16:30 in Paris
    with pytest.raises(Conflict) as caught:
        await timed.orders.place_order(customer, order_body(kitchen, [("Burger", 1)]))
    assert caught.value.details == {"next_opening_at": "2026-12-07T17:00:00Z"}
    menu = json.loads(await timed.menus.menu_json(kitchen.id))
    assert (menu["is_open_now"], menu["next_opening_at"]) == (False, "2026-12-07T17:00:00Z")

    # Monday's overnight range still runs at 01:30 on Tuesday in Paris.
    clock.moment = datetime(2026, 12, 8, 0, 30, tzinfo=UTC)
    await timed.orders.place_order(customer, order_body(kitchen, [("Burger", 1)]))
    # After closing on Tuesday night the next opening is the next Monday's lunch.
    clock.moment = datetime(2026, 12, 8, 22, 30, tzinfo=UTC)
    with pytest.raises(Conflict) as caught:
        await timed.orders.place_order(customer, order_body(kitchen, [("Burger", 1)]))
    assert caught.value.details == {"next_opening_at": "2026-12-14T10:00:00Z"}


async def test_a_category_outside_its_hours_is_not_served(
    timed: Core, clock: FrozenClock, customer: Actor
) -> None:
    kitchen = await build_restaurant(
        timed,
        categories={
            "Breakfast": {"available_hours": {d: [["07:00", "11:00"]] for d in ("mon", "tue")}},
            "Mains": {},
        },
        foods={
            "Pancakes": {"category": "Breakfast", "price": "6.00"},
            "Burger": {"category": "Mains", "price": "12.99"},
        },
    )
    with pytest.raises(Conflict) as caught:
        await timed.orders.place_order(
            customer, order_body(kitchen, [("Burger", 1), ("Pancakes", 1)])
        )
    assert caught.value.details == {
        "foods": ["Pancakes"],
        "next_opening_at": "2026-12-08T07:00:00Z",
    }
    await timed.orders.place_order(customer, order_body(kitchen, [("Burger", 1)]))
    menu = json.loads(await timed.menus.menu_json(kitchen.id))
    breakfast = next(c for c in menu["categories"] if c["name"] == "Breakfast")
    assert (breakfast["is_open_now"], breakfast["next_opening_at"]) == (
        False,
        "2026-12-08T07:00:00Z",
    )
    assert [f["name"] for f in breakfast["foods"]] == ["Pancakes"]  # readable, not orderable
    clock.moment = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)
    await timed.orders.place_order(customer, order_body(kitchen, [("Pancakes", 1)]))


async def test_hours_and_zones_are_validated_and_can_be_cleared(timed: Core, owner: Actor) -> None:
    with pytest.raises(InvalidInput) as caught:
        await timed.menus.create_restaurant(owner, {"name": "X", "timezone": "Nowhere/City"})
    assert caught.value.details == {"field": "timezone"}
    with pytest.raises(InvalidInput):
        await timed.menus.create_restaurant(owner, {"name": "X", "opening_hours": {"mon": "all"}})
    kitchen = await build_restaurant(timed, owner, opening_hours=HOURS)
    patched = await timed.menus.update_restaurant(
        owner, kitchen.id, {"opening_hours": None}, replace_all=False
    )
    assert (patched.opening_hours, patched.timezone) == (None, "UTC")


async def test_a_cached_menu_says_open_once_the_restaurant_has_opened(
    database: SqlDatabase, timed: Core, clock: FrozenClock
) -> None:
    """The menu is cached for an hour, yet ``is_open_now`` turns at the opening: a menu built
    before an opening or closing that has since passed is built again."""
    kitchen = await build_restaurant(timed, timezone="Europe/Paris", opening_hours=HOURS)
    cached = MenuService(database, clock, cache=LocalCache(), cache_ttl_seconds=3600)
    clock.moment = datetime(2026, 12, 7, 16, 59, tzinfo=UTC)  # 17:59 in Paris: closed
    menu = json.loads(await cached.menu_json(kitchen.id))
    assert (menu["is_open_now"], menu["next_opening_at"]) == (False, "2026-12-07T17:00:00Z")
    clock.moment = datetime(2026, 12, 7, 16, 59, 59, tzinfo=UTC)  # still closed: from cache
    assert json.loads(await cached.menu_json(kitchen.id)) == menu
    clock.moment = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)  # 18:00: open
    menu = json.loads(await cached.menu_json(kitchen.id))
    assert (menu["is_open_now"], menu["next_opening_at"]) == (True, None)
    clock.moment = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)  # 02:00 on Tuesday: closed again
    menu = json.loads(await cached.menu_json(kitchen.id))
    assert (menu["is_open_now"], menu["next_opening_at"]) == (False, "2026-12-08T17:00:00Z")
