"""Edges of menu editing on SQLite and PostgreSQL: PUT replaces every optional field, deleted
categories stay deleted, and restaurant lists page by cursor."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from restman_core.domain.access import Actor
from restman_core.errors import InvalidInput, NotFound
from restman_core.ports.storage import Page
from tests.core.builders import Core, Kitchen, build_restaurant


async def test_put_restaurant_resets_an_omitted_tax_rate_to_the_default(
    core: Core, owner: Actor
) -> None:
    restaurant = await core.menus.create_restaurant(
        owner, {"name": "Taxing", "phone": "555", "tax_rate": "0.0825"}
    )
    replaced = await core.menus.update_restaurant(
        owner, restaurant.id, {"name": "Taxing"}, replace_all=True
    )
    assert (replaced.tax_rate, replaced.phone) == (Decimal("0.1000"), None)
    patched = await core.menus.update_restaurant(
        owner, restaurant.id, {"tax_rate": "0.05"}, replace_all=False
    )
    kept = await core.menus.update_restaurant(owner, restaurant.id, {}, replace_all=False)
    assert patched.tax_rate == kept.tax_rate == Decimal("0.0500")


async def test_a_deleted_category_can_no_longer_be_edited_or_filled(
    core: Core, kitchen: Kitchen
) -> None:
    owner, rid = kitchen.owner, kitchen.id
    drinks = kitchen.categories["Drinks"]
    await core.menus.delete_category(owner, rid, drinks.id)
    with pytest.raises(NotFound):
        await core.menus.update_category(owner, rid, drinks.id, {"name": "Back"}, replace_all=False)
    with pytest.raises(InvalidInput, match="category"):
        await core.menus.create_food(
            owner, rid, {"name": "Juice", "price": "3.00", "category_id": str(drinks.id)}
        )
    with pytest.raises(InvalidInput, match="category"):
        await core.menus.update_food(
            owner,
            rid,
            kitchen.foods["Burger"].id,
            {"category_id": str(drinks.id)},
            replace_all=False,
        )
    await core.menus.delete_category(owner, rid, drinks.id)  # deleting twice is fine


async def test_restaurants_page_with_a_cursor_without_gaps(core: Core, owner: Actor) -> None:
    made = {(await build_restaurant(core, owner, categories={}, foods={})).id for _ in range(5)}
    found: list[uuid.UUID] = []
    page = Page(limit=2)
    while True:
        batch = await core.menus.list_restaurants(page)
        found.extend(r.id for r in batch)
        if len(batch) < 2 or made <= set(found):
            break
        page = Page(limit=2, before=batch[-1].created_at, before_id=batch[-1].id)
    assert made <= set(found)
    assert len(found) == len(set(found))
