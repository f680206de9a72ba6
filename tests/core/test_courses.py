"""Courses on SQLite and PostgreSQL: a dine-in order's first course fires at once and later ones
are held (visible, not counted in all-day, not bumped) until fired by staff or, where the
restaurant sets auto_fire_courses, until the previous course is delivered; firing twice or on
another restaurant's order is refused, and of two racing fires exactly one wins."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from restman_core.domain.access import Actor
from restman_core.domain.courses import course_of, held_courses
from restman_core.domain.kitchen import TicketStatus
from restman_core.domain.orders import Order, OrderStatus
from restman_core.errors import Conflict, InvalidInput, NotFound
from restman_core.ports.storage import Transaction
from tests.core.builders import (
    Core,
    Kitchen,
    build_restaurant,
    order_body,
    outbox_events,
    placed_payload,
)

T = TicketStatus
COURSED_CATEGORIES: dict[str, dict[str, Any]] = {
    "Starters": {"course": 1},
    "Mains": {},
    "Desserts": {"course": 3, "station": "pastry"},
}
COURSED_FOODS: dict[str, dict[str, Any]] = {
    "Soup": {"category": "Starters", "price": "6.00"},
    "Bread": {"category": "Mains", "price": "3.00", "course": 1},  # the food's course wins
    "Steak": {"category": "Mains", "price": "24.00", "station": "grill"},
    "Tart": {"category": "Desserts", "price": "7.00"},
}


@pytest.fixture
async def coursed(core: Core, owner: Actor) -> Kitchen:
    return await build_restaurant(core, owner, categories=COURSED_CATEGORIES, foods=COURSED_FOODS)


async def seat(core: Core, customer: Actor, kitchen: Kitchen, **extra: Any) -> Order:
    lines = [("Soup", 1), ("Bread", 1), ("Steak", 2), ("Tart", 1)]
    body = order_body(kitchen, lines, **({"order_type": "dine_in", "table": "5"} | extra))
    order = (await core.orders.place_order(customer, body)).order
    payload = await placed_payload(core.db, order.id)

    async def work(tx: Transaction) -> None:
        await core.kitchen.open_tickets(tx, payload)

    await core.db.run(work)
    return order


async def shape(core: Core, kitchen: Kitchen) -> list[tuple[int, str, bool]]:
    tickets = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    return sorted((t.course, t.station, t.held) for t in tickets)


def test_a_foods_course_wins_over_its_categorys_and_mains_is_the_default() -> None:
    assert course_of(1, 3) == 1
    assert course_of(None, 3) == 3
    assert course_of(None, None) == 2


@given(st.sets(st.sampled_from([1, 2, 3])), st.booleans())
def test_only_dine_in_holds_and_never_its_first_course(courses: set[int], dine_in: bool) -> None:
    held = held_courses(dine_in, courses)
    assert held <= courses
    if not dine_in or not courses:
        assert held == set()
    else:
        assert min(courses) not in held
        assert held == courses - {min(courses)}


async def test_later_courses_of_a_dine_in_order_are_held(
    core: Core, coursed: Kitchen, customer: Actor
) -> None:
    order = await seat(core, customer, coursed)
    assert sorted({i.food_name: i.course for i in order.items}.items()) == [
        ("Bread", 1),
        ("Soup", 1),
        ("Steak", 2),
        ("Tart", 3),
    ]
    assert await shape(core, coursed) == [
        (1, "kitchen", False),
        (2, "grill", True),
        (3, "pastry", True),
    ]
    day = await core.kitchen.all_day(coursed.owner, restaurant_id=coursed.id)
    assert sorted(line.food_name for line in day) == ["Bread", "Soup"]  # held ones do not count
    held = next(t for t in await core.kitchen.list_tickets(coursed.owner) if t.course == 2)
    with pytest.raises(Conflict, match="held"):
        await core.kitchen.move_ticket(coursed.owner, held.id, T.ACCEPTED)


async def test_a_takeaway_order_holds_nothing(
    core: Core, coursed: Kitchen, customer: Actor
) -> None:
    await seat(core, customer, coursed, order_type="takeaway", table=None)
    assert [held for _, _, held in await shape(core, coursed)] == [False, False, False]


async def test_firing_releases_a_course_once(core: Core, coursed: Kitchen, customer: Actor) -> None:
    order = await seat(core, customer, coursed)
    tickets = await core.kitchen.fire(coursed.owner, order.id, 2)
    assert sorted((t.course, t.held) for t in tickets) == [(1, False), (2, False), (3, True)]
    day = await core.kitchen.all_day(coursed.owner, restaurant_id=coursed.id)
    assert ("Steak", 2) in [(line.food_name, line.quantity) for line in day]
    with pytest.raises(Conflict, match="already fired"):
        await core.kitchen.fire(coursed.owner, order.id, 2)
    with pytest.raises(Conflict, match="already fired"):
        await core.kitchen.fire(coursed.owner, order.id, 1)
    with pytest.raises(InvalidInput, match="course"):
        await core.kitchen.fire(coursed.owner, order.id, 4)
    soup_only = order_body(coursed, [("Soup", 1)], order_type="dine_in", table="6")
    small = (await core.orders.place_order(customer, soup_only)).order
    with pytest.raises(NotFound, match="no course 2"):
        await core.kitchen.fire(coursed.owner, small.id, 2)


async def test_firing_another_restaurants_order_or_a_closed_one_is_refused(
    core: Core, coursed: Kitchen, customer: Actor
) -> None:
    order = await seat(core, customer, coursed)
    rival = await build_restaurant(core)
    with pytest.raises(NotFound):
        await core.kitchen.fire(rival.owner, order.id, 2)
    await core.orders.change_status(coursed.owner, order.id, OrderStatus.CANCELLED)
    with pytest.raises(Conflict, match="CANCELLED"):
        await core.kitchen.fire(coursed.owner, order.id, 2)
    tickets = await core.kitchen.list_tickets(coursed.owner, restaurant_id=coursed.id)
    assert {t.status for t in tickets} == {T.CANCELLED}


async def test_two_terminals_firing_at_once_exactly_one_wins(
    core: Core, coursed: Kitchen, customer: Actor
) -> None:
    order = await seat(core, customer, coursed)
    results = await asyncio.gather(
        *(core.kitchen.fire(coursed.owner, order.id, 2) for _ in range(2)), return_exceptions=True
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "list"]
    fired = [t for t in await core.kitchen.list_tickets(coursed.owner) if t.course == 2]
    assert [(t.held, t.version) for t in fired] == [(False, 2)]


async def test_auto_fire_releases_the_next_course_when_the_previous_is_delivered(
    core: Core, owner: Actor, customer: Actor
) -> None:
    coursed = await build_restaurant(
        core, owner, categories=COURSED_CATEGORIES, foods=COURSED_FOODS, auto_fire_courses=True
    )
    assert coursed.restaurant.auto_fire_courses is True
    await seat(core, customer, coursed)
    (first,) = [t for t in await core.kitchen.list_tickets(owner) if t.course == 1]
    for step in (T.ACCEPTED, T.IN_PROGRESS, T.READY):
        await core.kitchen.move_ticket(owner, first.id, step)
    assert [h for _, _, h in await shape(core, coursed)] == [False, True, True]  # READY: not yet
    await core.kitchen.move_ticket(owner, first.id, T.DELIVERED_TO_SERVICE)
    assert [h for _, _, h in await shape(core, coursed)] == [False, False, True]


async def test_an_addition_to_a_fired_course_cooks_at_once_and_to_a_held_one_waits(
    core: Core, coursed: Kitchen, customer: Actor
) -> None:
    order = await seat(core, customer, coursed)
    more = {"items": [{"food_id": coursed.food_id(n), "quantity": 1} for n in ("Soup", "Tart")]}
    await core.orders.changes.add_items(coursed.owner, order.id, more)
    (added,) = await outbox_events(core.db, order.id, "order.items_added")

    async def work(tx: Transaction) -> list[tuple[int, bool]]:
        opened = await core.kitchen.open_addition(tx, added["data"])
        return sorted((t.course, t.held) for t in opened)

    assert await core.db.run(work) == [(1, False), (3, True)]
