"""Placing orders on SQLite and PostgreSQL: the contract's checks, totals and snapshots,
idempotency keys, stock, and status changes with their permissions."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from restman_core.domain.access import Actor, Role
from restman_core.domain.orders import OrderStatus, OrderType
from restman_core.errors import Conflict, Forbidden, InvalidInput, NotFound
from restman_core.ports.storage import Page, Transaction
from tests.core.builders import (
    Core,
    Kitchen,
    add_staff,
    add_user,
    build_restaurant,
    order_body,
    outbox_events,
)

S = OrderStatus


async def stock_of(core: Core, food_id: uuid.UUID) -> int | None:
    async def work(tx: Transaction) -> int | None:
        food = await tx.foods.get(food_id)
        assert food is not None
        return food.stock_remaining

    return await core.db.run(work)


async def test_totals_snapshots_history_and_event(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    body = order_body(
        kitchen,
        [("Burger", 2), ("Cola", 3)],
        order_type="dine_in",
        table="12",
        special_instructions="no onions",
    )
    body["items"][0]["notes"] = "medium"
    placed = await core.orders.place_order(customer, body)
    order = placed.order
    assert not placed.replayed
    assert (order.status, order.order_type, order.table) == (S.PLACED, OrderType.DINE_IN, "12")
    assert order.total_amount == Decimal("33.48")  # 2 x 12.99 + 3 x 2.50

    # A later price change does not touch the order: items snapshot name and price.
    await core.menus.update_food(
        kitchen.owner,
        kitchen.id,
        kitchen.foods["Burger"].id,
        {"name": "Big Burger", "price": "99.00"},
        replace_all=False,
    )
    stored = await core.orders.get_order(customer, order.id)
    assert stored.total_amount == Decimal("33.48")
    lines = [
        (i.food_name, i.quantity, i.unit_price, i.subtotal, i.station, i.notes)
        for i in stored.items
    ]
    assert lines == [
        ("Burger", 2, Decimal("12.99"), Decimal("25.98"), "kitchen", "medium"),
        ("Cola", 3, Decimal("2.50"), Decimal("7.50"), "bar", None),
    ]
    assert [(h.status, h.actor_id) for h in stored.history] == [(S.PLACED, customer.user_id)]
    assert stored.special_instructions == "no onions"

    events = await outbox_events(core.db, order.id)
    assert [e["event_type"] for e in events] == ["order.placed"]
    data = events[0]["data"]
    assert (data["order_id"], data["total_amount"], data["tax_rate"]) == (
        str(order.id),
        "33.48",
        "0.1000",
    )


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"order_type": "dine_in"}, InvalidInput),  # no table
        ({"order_type": "drone"}, InvalidInput),
        ({"items": []}, InvalidInput),
        ({"items": [{"quantity": 1}]}, InvalidInput),
        ({"restaurant_id": "not-an-id"}, InvalidInput),
        ({"restaurant_id": str(uuid.uuid4())}, NotFound),
    ],
)
async def test_malformed_orders_are_refused(
    core: Core, kitchen: Kitchen, customer: Actor, change: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        await core.orders.place_order(customer, {**order_body(kitchen, [("Burger", 1)]), **change})


@pytest.mark.parametrize("quantity", [0, 101, -1, 2.5, "3", True])
async def test_quantity_must_be_1_to_100(
    core: Core, kitchen: Kitchen, customer: Actor, quantity: object
) -> None:
    body = order_body(kitchen, [("Burger", 1)])
    body["items"][0]["quantity"] = quantity
    with pytest.raises(InvalidInput, match="quantity"):
        await core.orders.place_order(customer, body)


async def test_quantity_bounds_are_inclusive(core: Core, kitchen: Kitchen, customer: Actor) -> None:
    placed = await core.orders.place_order(
        customer, order_body(kitchen, [("Cola", 100), ("Burger", 1)])
    )
    assert [i.quantity for i in placed.order.items] == [100, 1]


async def test_inactive_restaurant_takes_no_orders(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    await core.menus.delete_restaurant(kitchen.owner, kitchen.id)
    with pytest.raises(NotFound):
        await core.orders.place_order(customer, order_body(kitchen, [("Burger", 1)]))


async def test_food_of_another_restaurant_is_refused(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    other = await build_restaurant(core)
    body = order_body(kitchen, [("Burger", 1)])
    body["items"].append({"food_id": other.food_id("Cola"), "quantity": 1})
    with pytest.raises(InvalidInput, match="Unknown food"):
        await core.orders.place_order(customer, body)
    body["items"][1]["food_id"] = str(uuid.uuid4())
    with pytest.raises(InvalidInput, match="Unknown food"):
        await core.orders.place_order(customer, body)


async def test_unorderable_foods_are_refused(core: Core, kitchen: Kitchen, customer: Actor) -> None:
    owner, rid = kitchen.owner, kitchen.id
    await core.menus.set_availability(owner, rid, kitchen.foods["Steak"].id, False)
    with pytest.raises(InvalidInput, match="not available: Steak"):
        await core.orders.place_order(customer, order_body(kitchen, [("Steak", 1)]))
    await core.menus.delete_category(owner, rid, kitchen.categories["Drinks"].id)
    with pytest.raises(InvalidInput, match="not available: Cola"):
        await core.orders.place_order(customer, order_body(kitchen, [("Cola", 1)]))
    await core.menus.delete_food(owner, rid, kitchen.foods["Burger"].id)
    with pytest.raises(InvalidInput, match="not available: Burger"):
        await core.orders.place_order(customer, order_body(kitchen, [("Burger", 1)]))
    # None of these left an order behind.
    assert await core.orders.list_orders(customer) == []


async def test_idempotency_key_replays_the_same_request(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    body = order_body(kitchen, [("Burger", 1)])
    first = await core.orders.place_order(customer, body, "key-1")
    again = await core.orders.place_order(customer, dict(body), " key-1 ")
    assert (again.order.id, again.replayed) == (first.order.id, True)
    assert len(await core.orders.list_orders(customer)) == 1
    assert len(await outbox_events(core.db, first.order.id, "order.placed")) == 1

    with pytest.raises(Conflict, match="different request"):
        await core.orders.place_order(customer, order_body(kitchen, [("Burger", 2)]), "key-1")

    # Keys belong to their user: another customer's identical key is independent.
    neighbour = await add_user(core.db, Role.CUSTOMER, "neighbour")
    theirs = await core.orders.place_order(neighbour, body, "key-1")
    assert not theirs.replayed
    assert theirs.order.id != first.order.id
    with pytest.raises(InvalidInput):
        await core.orders.place_order(customer, body, "   ")


async def test_stock_is_taken_and_never_goes_negative(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    steak = kitchen.foods["Steak"].id
    await core.menus.set_availability(kitchen.owner, kitchen.id, steak, True, 3)
    # Two lines of the same food count together.
    await core.orders.place_order(customer, order_body(kitchen, [("Steak", 1), ("Steak", 1)]))
    assert await stock_of(core, steak) == 1
    with pytest.raises(Conflict, match="Not enough stock for: Steak"):
        await core.orders.place_order(customer, order_body(kitchen, [("Steak", 2), ("Burger", 1)]))
    assert await stock_of(core, steak) == 1  # the refused order took nothing
    await core.orders.place_order(customer, order_body(kitchen, [("Steak", 1)]))
    assert await stock_of(core, steak) == 0
    # Sold out: the same answer as losing the last unit to someone else.
    with pytest.raises(Conflict, match="Not enough stock for: Steak"):
        await core.orders.place_order(customer, order_body(kitchen, [("Steak", 1)]))
    assert await stock_of(core, steak) == 0
    assert await stock_of(core, kitchen.foods["Burger"].id) is None  # untracked stays untracked


async def test_operator_moves_through_the_machine(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    order = (await core.orders.place_order(customer, order_body(kitchen, [("Burger", 1)]))).order
    cook = await add_staff(core.db, kitchen.restaurant, kitchen.owner)
    for actor, target in [
        (kitchen.owner, S.ACCEPTED),
        (cook, S.IN_PROGRESS),
        (cook, S.READY),
        (kitchen.owner, S.COMPLETED),
    ]:
        order = await core.orders.change_status(actor, order.id, target)
        assert order.status is target
    stored = await core.orders.get_order(customer, order.id)
    assert [h.status for h in stored.history] == [
        S.PLACED,
        S.ACCEPTED,
        S.IN_PROGRESS,
        S.READY,
        S.COMPLETED,
    ]
    assert stored.history[2].actor_id == cook.user_id
    with pytest.raises(Conflict, match="from COMPLETED to CANCELLED"):
        await core.orders.change_status(kitchen.owner, order.id, S.CANCELLED)
    updates = await outbox_events(core.db, order.id, "order.status_updated")
    assert [(e["data"]["old_status"], e["data"]["new_status"]) for e in updates][-1] == (
        "READY",
        "COMPLETED",
    )


async def test_illegal_moves_are_conflicts(core: Core, kitchen: Kitchen, customer: Actor) -> None:
    order = (await core.orders.place_order(customer, order_body(kitchen, [("Burger", 1)]))).order
    for target in (S.READY, S.COMPLETED, S.PLACED, S.IN_PROGRESS):
        with pytest.raises(Conflict):
            await core.orders.change_status(kitchen.owner, order.id, target)
    assert (await core.orders.get_order(customer, order.id)).status is S.PLACED


async def test_customer_may_only_cancel_a_placed_order(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    first = (await core.orders.place_order(customer, order_body(kitchen, [("Burger", 1)]))).order
    with pytest.raises(Forbidden):
        await core.orders.change_status(customer, first.id, S.ACCEPTED)
    cancelled = await core.orders.change_status(customer, first.id, S.CANCELLED)
    assert cancelled.status is S.CANCELLED
    assert len(await outbox_events(core.db, first.id, "order.cancelled")) == 1

    second = (await core.orders.place_order(customer, order_body(kitchen, [("Burger", 1)]))).order
    await core.orders.change_status(kitchen.owner, second.id, S.ACCEPTED)
    with pytest.raises(Conflict, match="PLACED"):
        await core.orders.change_status(customer, second.id, S.CANCELLED)
    assert (await core.orders.get_order(customer, second.id)).status is S.ACCEPTED


async def test_orders_are_visible_only_to_their_people(
    core: Core, kitchen: Kitchen, customer: Actor, admin: Actor
) -> None:
    order = (await core.orders.place_order(customer, order_body(kitchen, [("Burger", 1)]))).order
    stranger = await add_user(core.db, Role.CUSTOMER, "stranger")
    rival = await add_user(core.db, Role.OWNER, "rival")
    for outsider in (stranger, rival):
        with pytest.raises(NotFound):
            await core.orders.get_order(outsider, order.id)
        with pytest.raises(NotFound):
            await core.orders.change_status(outsider, order.id, S.CANCELLED)
    assert (await core.orders.get_order(admin, order.id)).id == order.id
    assert [o.id for o in await core.orders.list_orders(customer)] == [order.id]
    assert await core.orders.list_orders(stranger) == []
    owned = await core.orders.list_orders(kitchen.owner, restaurant_id=kitchen.id)
    assert [o.id for o in owned] == [order.id]
    assert await core.orders.list_orders(rival, restaurant_id=kitchen.id) == []
    with pytest.raises(Forbidden):
        await core.orders.list_orders(customer, restaurant_id=kitchen.id)


@pytest.mark.parametrize("price", ["0.01", "0.10", "1234567.89", "9999999999.99"])
async def test_money_survives_storage_exactly(
    core: Core, owner: Actor, customer: Actor, price: str
) -> None:
    # Tax free, so that even the largest price still fits its bill.
    kitchen = await build_restaurant(core, owner, tax_rate="0")
    mains = str(kitchen.categories["Mains"].id)
    food = await core.menus.create_food(
        kitchen.owner, kitchen.id, {"name": f"Dish {price}", "price": price, "category_id": mains}
    )
    body = {
        "restaurant_id": str(kitchen.id),
        "items": [{"food_id": str(food.id), "quantity": 1}],
    }
    order = (await core.orders.place_order(customer, body)).order
    stored = await core.orders.get_order(customer, order.id)
    assert stored.total_amount == Decimal(price)
    assert str(stored.items[0].unit_price) == price
    assert stored.created_at.utcoffset() is not None
    assert stored.created_at == order.created_at


async def test_an_order_total_beyond_the_column_is_refused(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    mains = str(kitchen.categories["Mains"].id)
    food = await core.menus.create_food(
        kitchen.owner, kitchen.id, {"name": "Gold", "price": "9999999999.99", "category_id": mains}
    )
    body = {"restaurant_id": str(kitchen.id), "items": [{"food_id": str(food.id), "quantity": 2}]}
    with pytest.raises(InvalidInput, match="too large"):
        await core.orders.place_order(customer, body)


async def test_order_lists_page_newest_first(core: Core, kitchen: Kitchen, customer: Actor) -> None:
    placed = [
        (await core.orders.place_order(customer, order_body(kitchen, [("Cola", n)]))).order
        for n in (1, 2, 3)
    ]
    newest_first = [o.id for o in reversed(placed)]
    first = await core.orders.list_orders(customer, page=Page(limit=2))
    assert [o.id for o in first] == newest_first[:2]
    rest = await core.orders.list_orders(
        customer, page=Page(limit=2, before=first[-1].created_at, before_id=first[-1].id)
    )
    assert [o.id for o in rest] == newest_first[2:]
    accepted = await core.orders.change_status(kitchen.owner, placed[0].id, S.ACCEPTED)
    only = await core.orders.list_orders(kitchen.owner, restaurant_id=kitchen.id, status=S.ACCEPTED)
    assert [o.id for o in only] == [accepted.id]
