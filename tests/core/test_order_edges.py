"""Edges of order placement on SQLite and PostgreSQL: a bounded number of statements whatever
the number of items, replays that answer what the first request answered, totals that the bill
can still hold, and storage refusals that surface as the core's errors."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.domain.access import Actor, Role
from restman_core.domain.orders import OrderStatus
from restman_core.errors import Conflict, InvalidInput
from tests.core.builders import Core, Kitchen, build_restaurant, counted_statements, order_body


def many_foods(count: int) -> dict[str, dict[str, Any]]:
    """Foods Dish-0.. in Mains; every other one tracks stock."""
    return {
        f"Dish-{n}": {
            "category": "Mains",
            "price": "1.25",
            **({"stock_remaining": 9} if n % 2 else {}),
        }
        for n in range(count)
    }


async def test_placing_issues_the_same_statements_for_1_or_50_items(
    core: Core, owner: Actor, customer: Actor
) -> None:
    kitchen = await build_restaurant(core, owner, foods=many_foods(50))
    one = order_body(kitchen, [("Dish-1", 1)])
    fifty = order_body(kitchen, [(f"Dish-{n}", 1) for n in range(50)])
    # The first order taking tracked stock at a restaurant runs its reads twice: it learns that
    # the restaurant's orders take turns (restman_core.services.placement_gates).
    await core.orders.place_order(customer, one)
    with counted_statements(core.db) as for_one:
        await core.orders.place_order(customer, one, "k-one")
    with counted_statements(core.db) as for_fifty:
        placed = await core.orders.place_order(customer, fifty, "k-fifty")
    assert len(placed.order.items) == 50
    assert len(for_fifty) == len(for_one), (for_one, for_fifty)


async def test_listing_orders_issues_the_same_statements_for_1_or_30_orders(
    core: Core, kitchen: Kitchen, customer: Actor, database: SqlDatabase
) -> None:
    await core.orders.place_order(customer, order_body(kitchen, [("Cola", 1)]))
    with counted_statements(database) as for_one:
        assert len(await core.orders.list_orders(kitchen.owner, restaurant_id=kitchen.id)) == 1
    for _ in range(29):
        await core.orders.place_order(customer, order_body(kitchen, [("Cola", 1), ("Burger", 2)]))
    with counted_statements(database) as for_thirty:
        assert len(await core.orders.list_orders(kitchen.owner, restaurant_id=kitchen.id)) == 30
    assert len(for_thirty) == len(for_one)


async def test_a_replay_answers_what_the_first_request_answered(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    body = order_body(kitchen, [("Burger", 2)])
    first = (await core.orders.place_order(customer, body, "replay-me")).order
    await core.orders.change_status(kitchen.owner, first.id, OrderStatus.ACCEPTED)
    await core.orders.change_status(kitchen.owner, first.id, OrderStatus.IN_PROGRESS)

    again = await core.orders.place_order(customer, body, "replay-me")
    assert again.replayed
    assert again.order == first  # status, history and updated_at as first answered
    with pytest.raises(Conflict, match="different request"):
        await core.orders.place_order(customer, order_body(kitchen, [("Cola", 1)]), "replay-me")


async def test_an_order_whose_bill_would_overflow_is_refused(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    # 9.5e9 fits the column, but with 10% tax its bill (10.45e9) would not.
    mains = str(kitchen.categories["Mains"].id)
    food = await core.menus.create_food(
        kitchen.owner, kitchen.id, {"name": "Ingot", "price": "9500000000.00", "category_id": mains}
    )
    body = {"restaurant_id": str(kitchen.id), "items": [{"food_id": str(food.id), "quantity": 1}]}
    with pytest.raises(InvalidInput, match="too large"):
        await core.orders.place_order(customer, body)
    assert await core.orders.list_orders(customer) == []


async def test_an_actor_unknown_to_storage_gets_an_error_not_a_driver_exception(
    core: Core, kitchen: Kitchen
) -> None:
    # A session for a user whose row is gone: the foreign key refuses the order.
    ghost = Actor(user_id=uuid.uuid4(), role=Role.CUSTOMER)
    with pytest.raises(InvalidInput):
        await core.orders.place_order(ghost, order_body(kitchen, [("Cola", 1)]))
    ghost_owner = Actor(user_id=uuid.uuid4(), role=Role.OWNER)
    with pytest.raises(InvalidInput):
        await core.menus.create_restaurant(ghost_owner, {"name": "Nowhere"})
