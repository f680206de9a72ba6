"""The staff's view of a menu: every food (86'd and sold-out ones included, with their stock)
and every live category, for the restaurant's owner, staff and admins, so that whoever 86'd
a food can see it and undo it. The public menu stays the customers' view."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from restman_core.domain.access import Actor
from restman_core.domain.menus import Category, Food, is_orderable
from restman_core.errors import NotFound
from restman_core.ports.storage import Database, Transaction
from restman_core.services.modifiers import operated


class StaffMenuService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def list_foods(
        self,
        actor: Actor,
        restaurant_id: uuid.UUID,
        *,
        include_unavailable: bool = True,
        category_id: uuid.UUID | None = None,
    ) -> Sequence[Food]:
        """The restaurant's foods (not deleted), by name; ``include_unavailable=False`` keeps
        only the orderable ones, ``category_id`` one category's."""

        async def work(tx: Transaction) -> Sequence[Food]:
            await operated(tx, actor, restaurant_id)
            restaurant = await tx.restaurants.get(restaurant_id)
            if restaurant is None:
                raise NotFound("Restaurant not found")
            categories = {c.id: c for c in await tx.categories.list_for(restaurant_id)}
            foods = await tx.foods.list_for(restaurant_id)
            return [
                f
                for f in foods
                if (category_id is None or f.category_id == category_id)
                and (
                    include_unavailable
                    or is_orderable(restaurant, categories.get(f.category_id), f)
                )
            ]

        return await self._db.run(work)

    async def get_food(self, actor: Actor, restaurant_id: uuid.UUID, food_id: uuid.UUID) -> Food:
        async def work(tx: Transaction) -> Food:
            await operated(tx, actor, restaurant_id)
            food = await tx.foods.get(food_id)
            if food is None or food.restaurant_id != restaurant_id or food.is_deleted:
                raise NotFound("Food not found")
            return food

        return await self._db.run(work)

    async def list_categories(self, actor: Actor, restaurant_id: uuid.UUID) -> Sequence[Category]:
        """The live categories in display order."""

        async def work(tx: Transaction) -> Sequence[Category]:
            await operated(tx, actor, restaurant_id)
            return [c for c in await tx.categories.list_for(restaurant_id) if c.is_active]

        return await self._db.run(work)
