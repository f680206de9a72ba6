"""The public menu, as the original's clients read it (restaurant, then categories with foods)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from restman_core.domain.menus import is_orderable
from restman_core.errors import NotFound
from restman_core.ports.storage import Database, Transaction
from restman_core.views import category_view, food_view, restaurant_view


async def build_menu(db: Database, restaurant_id: uuid.UUID) -> bytes:
    """The public menu as JSON bytes: an active restaurant, its active categories in display
    order, and in each only the foods that can be ordered now."""

    async def work(tx: Transaction) -> dict[str, Any]:
        restaurant = await tx.restaurants.get(restaurant_id)
        if restaurant is None or not restaurant.is_active:
            raise NotFound("Restaurant not found")
        categories = [c for c in await tx.categories.list_for(restaurant_id) if c.is_active]
        foods = await tx.foods.list_for(restaurant_id)
        by_category = {c.id: c for c in categories}
        return {
            "restaurant": restaurant_view(restaurant),
            "categories": [
                {
                    **category_view(c),
                    "foods": [
                        food_view(f)
                        for f in foods
                        if f.category_id == c.id
                        and is_orderable(restaurant, by_category.get(f.category_id), f)
                    ],
                }
                for c in categories
            ],
        }

    menu = await db.run(work)
    return json.dumps(menu, separators=(",", ":")).encode()
