"""Menus on SQLite and PostgreSQL: restaurants, categories and foods, soft deletes, ownership,
and the public menu that lists only what can be ordered."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest

from restman_core.domain.access import Actor, Role
from restman_core.errors import Forbidden, InvalidInput, NotFound
from restman_core.ports.storage import Page
from tests.core.builders import Core, Kitchen, add_staff, add_user, build_restaurant


async def test_restaurant_crud_and_soft_delete(core: Core, owner: Actor, customer: Actor) -> None:
    created = await core.menus.create_restaurant(
        owner, {"name": "  Chez Ann ", "address": "1 Main St", "tax_rate": "0.0825"}
    )
    assert (created.name, created.tax_rate, created.owner_id) == (
        "Chez Ann",
        Decimal("0.0825"),
        owner.user_id,
    )
    assert await core.menus.get_restaurant(None, created.id) == created

    patched = await core.menus.update_restaurant(
        owner, created.id, {"phone": "555-0100"}, replace_all=False
    )
    assert (patched.phone, patched.address) == ("555-0100", "1 Main St")
    put = await core.menus.update_restaurant(
        owner, created.id, {"name": "Chez Ann II"}, replace_all=True
    )
    assert (put.name, put.address, put.phone) == ("Chez Ann II", None, None)

    await core.menus.delete_restaurant(owner, created.id)
    await core.menus.delete_restaurant(owner, created.id)  # twice is fine
    with pytest.raises(NotFound):
        await core.menus.get_restaurant(customer, created.id)
    # The owner still sees it (inactive) among theirs; the public list does not show it.
    assert not (await core.menus.get_restaurant(owner, created.id)).is_active
    assert created.id in {r.id for r in await core.menus.my_restaurants(owner)}
    assert created.id not in {r.id for r in await core.menus.list_restaurants(Page(limit=200))}


async def test_restaurant_input_is_validated(core: Core, owner: Actor) -> None:
    with pytest.raises(InvalidInput):
        await core.menus.create_restaurant(owner, {"name": "   "})
    with pytest.raises(InvalidInput):
        await core.menus.create_restaurant(owner, {"name": "X", "tax_rate": "1.5"})


async def test_only_the_owner_manages_a_restaurant(
    core: Core, kitchen: Kitchen, customer: Actor, admin: Actor
) -> None:
    other_owner = await add_user(core.db, Role.OWNER, "rival")
    mains = kitchen.categories["Mains"].id
    with pytest.raises(NotFound):
        await core.menus.update_restaurant(
            other_owner, kitchen.id, {"name": "Mine"}, replace_all=False
        )
    with pytest.raises(NotFound):
        await core.menus.create_category(other_owner, kitchen.id, {"name": "Sneaky"})
    with pytest.raises(NotFound):
        await core.menus.create_food(
            other_owner, kitchen.id, {"name": "X", "price": "1.00", "category_id": str(mains)}
        )
    with pytest.raises(Forbidden):
        await core.menus.create_restaurant(customer, {"name": "Mine"})
    with pytest.raises(Forbidden):
        await core.menus.update_restaurant(
            customer, kitchen.id, {"name": "Mine"}, replace_all=False
        )
    with pytest.raises(Forbidden):
        await core.menus.create_category(customer, kitchen.id, {"name": "Sneaky"})
    # Admins manage every restaurant.
    renamed = await core.menus.update_restaurant(
        admin, kitchen.id, {"name": "Renamed"}, replace_all=False
    )
    assert renamed.name == "Renamed"


async def test_category_and_food_crud(core: Core, kitchen: Kitchen) -> None:
    owner, rid = kitchen.owner, kitchen.id
    desserts = await core.menus.create_category(
        owner, rid, {"name": "Desserts", "display_order": 3, "station": "Pastry"}
    )
    assert desserts.station == "pastry"
    cake = await core.menus.create_food(
        owner,
        rid,
        {"name": "Cake", "price": "4.5", "category_id": str(desserts.id), "stock_remaining": 3},
    )
    assert (cake.price, cake.stock_remaining, cake.is_available) == (Decimal("4.50"), 3, True)
    updated = await core.menus.update_food(
        owner, rid, cake.id, {"price": "5.25"}, replace_all=False
    )
    assert (updated.price, updated.stock_remaining) == (Decimal("5.25"), 3)
    renamed = await core.menus.update_category(
        owner, rid, desserts.id, {"name": "Sweets"}, replace_all=False
    )
    assert (renamed.name, renamed.display_order, renamed.station) == ("Sweets", 3, "pastry")

    await core.menus.delete_food(owner, rid, cake.id)
    with pytest.raises(NotFound):
        await core.menus.update_food(owner, rid, cake.id, {"price": "1.00"}, replace_all=False)
    with pytest.raises(NotFound):
        await core.menus.delete_food(owner, rid, cake.id)

    await core.menus.delete_category(owner, rid, desserts.id)
    menu = json.loads(await core.menus.menu_json(rid))
    assert "Sweets" not in [c["name"] for c in menu["categories"]]


async def test_food_price_with_more_than_two_places_is_refused(
    core: Core, kitchen: Kitchen
) -> None:
    mains = str(kitchen.categories["Mains"].id)
    for price in ("12.999", "-1.00", "NaN", "1e12"):
        with pytest.raises(InvalidInput):
            await core.menus.create_food(
                kitchen.owner, kitchen.id, {"name": "Odd", "price": price, "category_id": mains}
            )


async def test_category_and_food_must_belong_to_the_path_restaurant(
    core: Core, kitchen: Kitchen
) -> None:
    owner = kitchen.owner
    other = await build_restaurant(core, owner)  # same owner, another restaurant
    burger = kitchen.foods["Burger"].id
    mains = kitchen.categories["Mains"].id
    with pytest.raises(NotFound):
        await core.menus.update_food(owner, other.id, burger, {"price": "1.00"}, replace_all=False)
    with pytest.raises(NotFound):
        await core.menus.delete_food(owner, other.id, burger)
    with pytest.raises(NotFound):
        await core.menus.update_category(owner, other.id, mains, {"name": "X"}, replace_all=False)
    with pytest.raises(NotFound):
        await core.menus.delete_category(owner, other.id, mains)
    with pytest.raises(NotFound):
        await core.menus.set_availability(owner, other.id, burger, False)
    # A food cannot be filed under another restaurant's category.
    with pytest.raises(InvalidInput, match="Category"):
        await core.menus.create_food(
            owner, other.id, {"name": "Stray", "price": "1.00", "category_id": str(mains)}
        )
    with pytest.raises(NotFound):
        await core.menus.update_food(
            owner, kitchen.id, uuid.uuid4(), {"price": "1.00"}, replace_all=False
        )
    # Nothing changed in the first restaurant.
    menu = json.loads(await core.menus.menu_json(kitchen.id))
    assert {f["name"] for c in menu["categories"] for f in c["foods"]} == set(kitchen.foods)


async def test_menu_lists_only_orderable_foods(core: Core, kitchen: Kitchen) -> None:
    owner, rid = kitchen.owner, kitchen.id
    drinks = kitchen.categories["Drinks"]
    mains = str(kitchen.categories["Mains"].id)
    await core.menus.create_food(
        owner, rid, {"name": "Soup", "price": "5.00", "category_id": mains, "stock_remaining": 0}
    )
    gone = await core.menus.create_food(
        owner, rid, {"name": "Gone", "price": "5.00", "category_id": mains}
    )
    await core.menus.delete_food(owner, rid, gone.id)
    await core.menus.set_availability(owner, rid, kitchen.foods["Steak"].id, False)
    await core.menus.delete_category(owner, rid, drinks.id)

    menu = json.loads(await core.menus.menu_json(rid))
    assert menu["restaurant"]["id"] == str(rid)
    listed = {c["name"]: [f["name"] for f in c["foods"]] for c in menu["categories"]}
    assert listed == {"Mains": ["Burger"]}
    burger = menu["categories"][0]["foods"][0]
    assert burger["price"] == "12.99"

    await core.menus.delete_restaurant(owner, rid)
    with pytest.raises(NotFound):
        await core.menus.menu_json(rid)


async def test_staff_set_availability_and_stock(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    cook = await add_staff(core.db, kitchen.restaurant, kitchen.owner)
    steak = kitchen.foods["Steak"].id
    sold_out = await core.menus.set_availability(cook, kitchen.id, steak, True, 0)
    assert (sold_out.is_available, sold_out.stock_remaining) == (True, 0)
    restocked = await core.menus.set_availability(cook, kitchen.id, steak, True, 5)
    assert restocked.stock_remaining == 5
    kept = await core.menus.set_availability(cook, kitchen.id, steak, False)
    assert (kept.is_available, kept.stock_remaining) == (False, 5)
    untracked = await core.menus.set_availability(cook, kitchen.id, steak, True, None)
    assert untracked.stock_remaining is None
    with pytest.raises(InvalidInput):
        await core.menus.set_availability(cook, kitchen.id, steak, "yes")
    with pytest.raises(InvalidInput):
        await core.menus.set_availability(cook, kitchen.id, steak, True, -1)
    with pytest.raises(Forbidden):
        await core.menus.set_availability(customer, kitchen.id, steak, False)
    stranger = await add_user(core.db, Role.KITCHEN, "stranger")
    with pytest.raises(NotFound):
        await core.menus.set_availability(stranger, kitchen.id, steak, False)
