"""Modifier groups on SQLite and PostgreSQL: the edit-time rules, placing with choices (prices,
frozen snapshots, option stock taken with the food's), wrong choices refused with nothing
written, tickets carrying the modifiers, stock given back on an early cancel, and the menus."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import pytest

from restman_core.domain.access import Actor
from restman_core.domain.kitchen import Ticket, TicketStatus
from restman_core.domain.orders import OrderStatus
from restman_core.errors import Conflict, Forbidden, InvalidInput, NotFound
from restman_core.ports.storage import Transaction
from restman_core.views_billing import bill_book_view
from tests.core.bill_support import stored_book
from tests.core.builders import (
    Core,
    Kitchen,
    add_staff,
    build_restaurant,
    placed_payload,
)

SIZE = {
    "name": "Size",
    "min_selected": 1,
    "max_selected": 1,
    "options": [
        {"name": "Small", "price_delta": "-0.50"},
        {"name": "Medium"},
        {"name": "Large", "price_delta": "0.50"},
    ],
}
MILK = {
    "name": "Milk",
    "max_selected": 1,
    "options": [{"name": "Oat milk", "price_delta": "0.40", "stock_remaining": 3}],
}


class Cafe:
    def __init__(self, kitchen: Kitchen, size: Any, milk: Any, coffee: Any) -> None:
        self.kitchen, self.size, self.milk, self.coffee = kitchen, size, milk, coffee

    def option(self, group: Any, name: str) -> str:
        return next(str(o.id) for o in group.options if o.name == name)

    def body(self, *modifiers: tuple[Any, str], quantity: int = 1, **line: Any) -> dict[str, Any]:
        return {
            "restaurant_id": str(self.kitchen.id),
            "order_type": "takeaway",
            "items": [
                {
                    "food_id": str(self.coffee.id),
                    "quantity": quantity,
                    "modifiers": [{"option_id": self.option(g, n)} for g, n in modifiers],
                    **line,
                }
            ],
        }


@pytest.fixture
async def cafe(core: Core) -> Cafe:
    kitchen = await build_restaurant(core)
    owner, rid = kitchen.owner, kitchen.id
    size = await core.modifiers.create_group(owner, rid, SIZE)
    milk = await core.modifiers.create_group(owner, rid, MILK)
    coffee = await core.menus.create_food(
        owner,
        rid,
        {
            "name": "Coffee",
            "price": "3.00",
            "category_id": str(kitchen.categories["Drinks"].id),
            "stock_remaining": 10,
            "modifier_group_ids": [str(size.id), str(milk.id)],
            "allergens": ["Milk", "milk", "soy"],
        },
    )
    return Cafe(kitchen, size, milk, coffee)


async def option_stock(core: Core, group_id: uuid.UUID) -> dict[str, int | None]:
    async def work(tx: Transaction) -> dict[str, int | None]:
        group = await tx.modifiers.get(group_id)
        assert group is not None
        return {o.name: o.stock_remaining for o in group.options}

    return await core.db.run(work)


async def open_tickets(core: Core, order_id: uuid.UUID) -> list[Ticket]:
    payload = await placed_payload(core.db, order_id)
    return await core.db.run(lambda tx: core.kitchen.open_tickets(tx, payload))


async def food_stock(core: Core, food_id: uuid.UUID) -> int | None:
    async def work(tx: Transaction) -> int | None:
        food = await tx.foods.get(food_id)
        assert food is not None
        return food.stock_remaining

    return await core.db.run(work)


async def test_groups_keep_their_options_in_order_and_foods_their_groups(
    core: Core, cafe: Cafe
) -> None:
    assert [o.name for o in cafe.size.options] == ["Small", "Medium", "Large"]
    assert [o.price_delta for o in cafe.size.options] == [
        Decimal("-0.50"),
        Decimal("0.00"),
        Decimal("0.50"),
    ]
    assert cafe.coffee.modifier_group_ids == (cafe.size.id, cafe.milk.id)
    assert cafe.coffee.allergens == ("milk", "soy")
    listed = await core.modifiers.list_groups(cafe.kitchen.owner, cafe.kitchen.id)
    assert [g.name for g in listed] == ["Size", "Milk"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (
            {"name": "G", "min_selected": 2, "max_selected": 1, "options": [{"name": "a"}]},
            "min_selected",
        ),
        (
            {"name": "G", "min_selected": 1, "options": [{"name": "a", "is_available": False}]},
            "options",
        ),
        ({"name": "G", "min_selected": 1, "options": []}, "options"),
        ({"name": "G", "options": [{"name": f"o{i}"} for i in range(51)]}, "options"),
        ({"name": "x" * 101, "options": []}, "name"),
        (
            {"name": "G", "options": [{"name": "a", "price_delta": "1000.01"}]},
            "options[0].price_delta",
        ),
        (
            {"name": "G", "options": [{"name": "a", "price_delta": "0.001"}]},
            "options[0].price_delta",
        ),
        ({"name": "G", "options": [{"name": "a"}, {"name": "A"}]}, "options"),
        ({"name": "G", "max_selected": 0, "options": []}, "max_selected"),
    ],
)
async def test_a_group_that_cannot_work_is_refused_when_edited(
    core: Core, kitchen: Kitchen, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await core.modifiers.create_group(kitchen.owner, kitchen.id, fields)
    assert caught.value.details is not None
    assert caught.value.details["field"] == field
    assert await core.modifiers.list_groups(kitchen.owner, kitchen.id) == []


async def test_a_patch_cannot_leave_a_required_group_without_options(
    core: Core, cafe: Cafe
) -> None:
    owner, rid = cafe.kitchen.owner, cafe.kitchen.id
    with pytest.raises(InvalidInput):
        await core.modifiers.update_group(
            owner, rid, cafe.size.id, {"options": []}, replace_all=False
        )
    with pytest.raises(InvalidInput):
        await core.modifiers.update_group(
            owner, rid, cafe.size.id, {"max_selected": 0}, replace_all=False
        )
    # Keeping "Large" by id, renaming it, dropping the others: a deleted option stays stored.
    large = cafe.option(cafe.size, "Large")
    edited = await core.modifiers.update_group(
        owner,
        rid,
        cafe.size.id,
        {"options": [{"id": large, "name": "Big", "price_delta": "0.60"}]},
        replace_all=False,
    )
    assert [(str(o.id), o.name) for o in edited.live_options] == [(large, "Big")]
    assert len(edited.options) == 3


async def test_foods_name_only_live_groups_of_their_restaurant(
    core: Core, cafe: Cafe, kitchen: Kitchen
) -> None:
    other = await core.modifiers.create_group(kitchen.owner, kitchen.id, MILK)
    owner, rid = cafe.kitchen.owner, cafe.kitchen.id
    for ids in ([str(other.id)], [str(cafe.size.id)] * 2, [str(uuid.uuid4())]):
        with pytest.raises(InvalidInput) as caught:
            await core.menus.update_food(
                owner, rid, cafe.coffee.id, {"modifier_group_ids": ids}, replace_all=False
            )
        assert caught.value.details
        assert caught.value.details["field"] == "modifier_group_ids"
    many = [await core.modifiers.create_group(owner, rid, MILK) for _ in range(21)]
    with pytest.raises(InvalidInput):
        await core.menus.update_food(
            owner,
            rid,
            cafe.coffee.id,
            {"modifier_group_ids": [str(g.id) for g in many]},
            replace_all=False,
        )
    with pytest.raises(InvalidInput):
        await core.menus.update_food(
            owner, rid, cafe.coffee.id, {"allergens": ["a" * 31]}, replace_all=False
        )


async def test_placing_prices_and_freezes_the_choices(
    core: Core, cafe: Cafe, customer: Actor
) -> None:
    body = cafe.body((cafe.size, "Large"), (cafe.milk, "Oat milk"), quantity=2)
    body["items"][0]["allergy_note"] = "severe nut allergy"
    order = (await core.orders.place_order(customer, body)).order
    (item,) = order.items
    assert (item.unit_price, item.subtotal, order.total_amount) == (
        Decimal("3.90"),
        Decimal("7.80"),
        Decimal("7.80"),
    )
    assert [(m.group_name, m.name, m.price_delta) for m in item.modifiers] == [
        ("Size", "Large", Decimal("0.50")),
        ("Milk", "Oat milk", Decimal("0.40")),
    ]
    assert item.allergy_note == "severe nut allergy"
    assert await food_stock(core, cafe.coffee.id) == 8
    assert (await option_stock(core, cafe.milk.id))["Oat milk"] == 1

    # The kitchen's ticket carries them, from the order.placed event.
    (ticket,) = await open_tickets(core, order.id)
    assert [m.name for m in ticket.items[0].modifiers] == ["Large", "Oat milk"]
    assert ticket.allergy_notes == ("2x Coffee: severe nut allergy",)

    # So does the bill's line, opened as the billing consumer opens it.
    payload = await placed_payload(core.db, order.id)

    async def open_bill(tx: Transaction) -> None:
        await core.billing.open_bill(tx, payload)

    await core.db.run(open_bill)
    (line,) = bill_book_view(await stored_book(core, order.id))["lines"]
    assert line["name"] == "Coffee (Large +0.50, Oat milk +0.40)"
    assert [m["name"] for m in line["modifiers"]] == ["Large", "Oat milk"]
    assert line["amount"] == "7.80"

    # Later edits never change the placed order: rename, reprice, delete.
    owner, rid = cafe.kitchen.owner, cafe.kitchen.id
    await core.modifiers.update_group(
        owner, rid, cafe.size.id, {"options": [{"name": "Only"}]}, replace_all=False
    )
    await core.modifiers.delete_group(owner, rid, cafe.milk.id)
    again = await core.orders.get_order(customer, order.id)
    assert again.items == order.items
    coffee = await core.menus.update_food(owner, rid, cafe.coffee.id, {}, replace_all=False)
    assert coffee.modifier_group_ids == (cafe.size.id,)


async def test_a_small_option_lowers_the_price(core: Core, cafe: Cafe, customer: Actor) -> None:
    order = (await core.orders.place_order(customer, cafe.body((cafe.size, "Small")))).order
    assert order.total_amount == Decimal("2.50")


@pytest.mark.parametrize(
    "choice",
    [
        "none",  # Size is required
        "two sizes",
        "foreign option",
        "unknown option",
        "86'd option",
        "listed twice",
    ],
)
async def test_a_wrong_choice_names_the_group_and_writes_nothing(
    core: Core, cafe: Cafe, customer: Actor, choice: str
) -> None:
    owner, rid = cafe.kitchen.owner, cafe.kitchen.id
    body = cafe.body((cafe.size, "Large"), (cafe.milk, "Oat milk"))
    mods = body["items"][0]["modifiers"]
    if choice == "none":
        body["items"][0]["modifiers"] = []
    elif choice == "two sizes":
        mods.append({"option_id": cafe.option(cafe.size, "Small")})
    elif choice == "foreign option":
        foreign = await core.modifiers.create_group(owner, rid, {**MILK, "name": "Syrup"})
        mods.append({"option_id": str(foreign.options[0].id)})
    elif choice == "unknown option":
        mods.append({"option_id": str(uuid.uuid4())})
    elif choice == "86'd option":
        await core.modifiers.set_option_availability(
            owner, rid, cafe.milk.id, cafe.milk.options[0].id, False
        )
    else:
        mods.append(dict(mods[0]))
    with pytest.raises(InvalidInput) as caught:
        await core.orders.place_order(customer, body)
    assert caught.value.details is not None
    assert caught.value.details["field"] == "modifiers"
    if choice in ("none", "two sizes"):
        assert caught.value.details["group"] == "Size"
        assert "Size" in caught.value.message
    assert await food_stock(core, cafe.coffee.id) == 10
    assert (await option_stock(core, cafe.milk.id))["Oat milk"] == 3
    assert await core.orders.list_orders(customer) == []


async def test_option_stock_is_taken_with_the_foods_or_not_at_all(
    core: Core, cafe: Cafe, customer: Actor
) -> None:
    with pytest.raises(Conflict) as caught:
        await core.orders.place_order(
            customer, cafe.body((cafe.size, "Large"), (cafe.milk, "Oat milk"), quantity=4)
        )
    assert "Oat milk" in caught.value.message
    assert await food_stock(core, cafe.coffee.id) == 10
    assert (await option_stock(core, cafe.milk.id))["Oat milk"] == 3


async def test_cancelling_before_the_kitchen_starts_gives_stock_back(
    core: Core, cafe: Cafe, customer: Actor
) -> None:
    body = cafe.body((cafe.size, "Large"), (cafe.milk, "Oat milk"), quantity=2)
    first = (await core.orders.place_order(customer, body)).order
    await core.orders.change_status(customer, first.id, OrderStatus.CANCELLED)
    assert await food_stock(core, cafe.coffee.id) == 10
    assert (await option_stock(core, cafe.milk.id))["Oat milk"] == 3

    # Once a cook started it, the stock is used: cancelling gives nothing back.
    second = (await core.orders.place_order(customer, cafe.body((cafe.size, "Large")))).order
    (ticket,) = await open_tickets(core, second.id)
    owner = cafe.kitchen.owner
    for status in (TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS):
        ticket = await core.kitchen.move_ticket(owner, ticket.id, status)
    await core.orders.change_status(owner, second.id, OrderStatus.CANCELLED)
    assert await food_stock(core, cafe.coffee.id) == 9


async def test_staff_86_an_option_and_customers_may_not(
    core: Core, cafe: Cafe, customer: Actor
) -> None:
    cook = await add_staff(core.db, cafe.kitchen.restaurant, cafe.kitchen.owner)
    oat = cafe.milk.options[0].id
    rid = cafe.kitchen.id
    group = await core.modifiers.set_option_availability(cook, rid, cafe.milk.id, oat, False, 0)
    assert (group.options[0].is_available, group.options[0].stock_remaining) == (False, 0)
    with pytest.raises(Forbidden):
        await core.modifiers.set_option_availability(customer, rid, cafe.milk.id, oat, True)
    with pytest.raises(Forbidden):
        await core.modifiers.create_group(cook, rid, MILK)
    with pytest.raises(NotFound):
        await core.modifiers.set_option_availability(cook, rid, cafe.milk.id, uuid.uuid4(), True)


async def test_the_public_menu_shows_groups_with_orderable_options(core: Core, cafe: Cafe) -> None:
    owner, rid = cafe.kitchen.owner, cafe.kitchen.id
    small = cafe.size.options[0].id
    await core.modifiers.set_option_availability(owner, rid, cafe.size.id, small, False)
    menu = json.loads(await core.menus.menu_json(rid))
    assert (menu["is_open_now"], menu["next_opening_at"]) == (True, None)
    drinks = next(c for c in menu["categories"] if c["name"] == "Drinks")
    coffee = next(f for f in drinks["foods"] if f["name"] == "Coffee")
    assert coffee["allergens"] == ["milk", "soy"]
    assert [
        (g["name"], g["min_selected"], [o["name"] for o in g["options"]])
        for g in coffee["modifier_groups"]
    ] == [("Size", 1, ["Medium", "Large"]), ("Milk", 0, ["Oat milk"])]
    # With every size 86'd the coffee cannot be ordered, so the menu does not offer it.
    for option in cafe.size.options[1:]:
        await core.modifiers.set_option_availability(owner, rid, cafe.size.id, option.id, False)
    menu = json.loads(await core.menus.menu_json(rid))
    drinks = next(c for c in menu["categories"] if c["name"] == "Drinks")
    assert "Coffee" not in [f["name"] for f in drinks["foods"]]
