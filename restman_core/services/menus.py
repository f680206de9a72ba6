"""Menus: restaurants, categories, foods, availability and stock, and the cached public menu."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from restman_core.domain.access import Actor, Role
from restman_core.domain.clock import Clock
from restman_core.domain.events import DomainEvent
from restman_core.domain.menus import (
    Category,
    Food,
    Restaurant,
    clean_non_negative_int,
)
from restman_core.errors import InvalidInput, NotFound
from restman_core.ports.cache import Cache
from restman_core.ports.storage import Database, Page, Transaction
from restman_core.services.access import managed_restaurant, may_operate, require_role
from restman_core.services.menu_common import (
    Fields,
    invalidate_menu,
    menu_cache_key,
    menu_event,
    record_menu_change,
)
from restman_core.services.menu_fields import category_from, food_from
from restman_core.services.public_menu import build_menu, menu_entry_body
from restman_core.services.restaurant_fields import new_restaurant, restaurant_updated
from restman_core.views import category_view, food_view, restaurant_view

__all__ = ["MenuCache", "MenuService", "menu_cache_key"]

MenuCache = Cache
"""The cache port as the menu uses it."""


class MenuService:
    """Use cases for restaurants and their menus."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        cache: MenuCache | None = None,
        cache_ttl_seconds: int = 300,
        default_tax_rate: Decimal = Decimal("0.10"),
    ) -> None:
        self._db = db
        self._clock = clock
        self._cache = cache
        self._ttl = cache_ttl_seconds
        self._default_tax_rate = default_tax_rate

    def _event(self, kind: str, restaurant_id: uuid.UUID, payload: dict[str, Any]) -> DomainEvent:
        return menu_event(kind, restaurant_id, payload, self._clock.now())

    async def _invalidate(self, restaurant_id: uuid.UUID) -> None:
        await invalidate_menu(self._cache, restaurant_id)

    # Restaurants -------------------------------------------------------------------------

    async def create_restaurant(self, actor: Actor, fields: Fields) -> Restaurant:
        """Create a restaurant owned by the actor (owners and admins)."""
        require_role(actor, Role.OWNER)
        now = self._clock.now()
        restaurant = new_restaurant(actor, fields, self._default_tax_rate, now)

        async def work(tx: Transaction) -> Restaurant:
            await tx.restaurants.add(restaurant)
            await record_menu_change(
                tx, [self._event("restaurant.created", restaurant.id, restaurant_view(restaurant))]
            )
            return restaurant

        return await self._db.run(work)

    async def update_restaurant(
        self, actor: Actor, restaurant_id: uuid.UUID, fields: Fields, *, replace_all: bool
    ) -> Restaurant:
        """PUT (``replace_all``: omitted optional fields are cleared) or PATCH."""
        if replace_all and "name" not in fields:
            raise InvalidInput("name is required", details={"field": "name"})

        async def work(tx: Transaction) -> Restaurant:
            current = await managed_restaurant(tx, actor, restaurant_id)
            updated = restaurant_updated(
                current, fields, replace_all, self._default_tax_rate, self._clock.now()
            )
            await tx.restaurants.save(updated)
            await record_menu_change(
                tx, [self._event("restaurant.updated", updated.id, restaurant_view(updated))]
            )
            return updated

        result = await self._db.run(work)
        await self._invalidate(restaurant_id)
        return result

    async def delete_restaurant(self, actor: Actor, restaurant_id: uuid.UUID) -> None:
        """Soft delete: the restaurant stops being listed and nothing of it stays orderable.
        Deleting twice is fine."""

        async def work(tx: Transaction) -> None:
            current = await managed_restaurant(tx, actor, restaurant_id)
            if not current.is_active:
                return
            await tx.restaurants.save(
                replace(current, is_active=False, updated_at=self._clock.now())
            )
            await record_menu_change(tx, [self._event("restaurant.deleted", restaurant_id, {})])

        await self._db.run(work)
        await self._invalidate(restaurant_id)

    async def get_restaurant(self, actor: Actor | None, restaurant_id: uuid.UUID) -> Restaurant:
        """Active restaurants are public; inactive ones only for their owner and admins."""

        async def work(tx: Transaction) -> Restaurant:
            restaurant = await tx.restaurants.get(restaurant_id)
            if restaurant is None:
                raise NotFound("Restaurant not found")
            if not restaurant.is_active and not (
                actor is not None and (actor.is_admin or actor.user_id == restaurant.owner_id)
            ):
                raise NotFound("Restaurant not found")
            return restaurant

        return await self._db.run(work)

    async def list_restaurants(self, page: Page) -> Sequence[Restaurant]:
        """Active restaurants, newest first."""
        return await self._db.run(lambda tx: tx.restaurants.list_active(page))

    async def my_restaurants(self, actor: Actor) -> Sequence[Restaurant]:
        """Owned restaurants (inactive included) for owners, staffed ones for kitchen staff,
        every restaurant for admins."""

        async def work(tx: Transaction) -> Sequence[Restaurant]:
            if actor.role is Role.OWNER:
                return await tx.restaurants.list_owned(actor.user_id)
            if actor.role is Role.KITCHEN:
                return await tx.restaurants.list_ids(await tx.staff.restaurants_of(actor.user_id))
            if actor.is_admin:
                return await tx.restaurants.list_all(Page(limit=200))
            require_role(actor, Role.OWNER, Role.KITCHEN)
            return []

        return await self._db.run(work)

    # Categories ----------------------------------------------------------------------------

    async def _owned_category(
        self,
        tx: Transaction,
        actor: Actor,
        restaurant_id: uuid.UUID,
        category_id: uuid.UUID,
        *,
        allow_deleted: bool = False,
    ) -> Category:
        await managed_restaurant(tx, actor, restaurant_id)
        category = await tx.categories.get(category_id)
        # A deleted category is gone for editing too (deleting it again is still fine).
        if category is None or category.restaurant_id != restaurant_id:
            raise NotFound("Category not found")
        if not category.is_active and not allow_deleted:
            raise NotFound("Category not found")
        return category

    async def create_category(
        self, actor: Actor, restaurant_id: uuid.UUID, fields: Fields
    ) -> Category:
        async def work(tx: Transaction) -> Category:
            await managed_restaurant(tx, actor, restaurant_id)
            category = category_from(fields, None, restaurant_id, True, self._clock.now())
            await tx.categories.add(category)
            await record_menu_change(
                tx, [self._event("menu.category_created", restaurant_id, category_view(category))]
            )
            return category

        result = await self._db.run(work)
        await self._invalidate(restaurant_id)
        return result

    async def update_category(
        self,
        actor: Actor,
        restaurant_id: uuid.UUID,
        category_id: uuid.UUID,
        fields: Fields,
        *,
        replace_all: bool,
    ) -> Category:
        if replace_all and "name" not in fields:
            raise InvalidInput("name is required", details={"field": "name"})

        async def work(tx: Transaction) -> Category:
            current = await self._owned_category(tx, actor, restaurant_id, category_id)
            updated = category_from(fields, current, restaurant_id, replace_all, self._clock.now())
            await tx.categories.save(updated)
            await record_menu_change(
                tx, [self._event("menu.category_updated", restaurant_id, category_view(updated))]
            )
            return updated

        result = await self._db.run(work)
        await self._invalidate(restaurant_id)
        return result

    async def delete_category(
        self, actor: Actor, restaurant_id: uuid.UUID, category_id: uuid.UUID
    ) -> None:
        """Soft delete; the category's foods are no longer orderable either."""

        async def work(tx: Transaction) -> None:
            current = await self._owned_category(
                tx, actor, restaurant_id, category_id, allow_deleted=True
            )
            if current.is_active:
                await tx.categories.save(
                    replace(current, is_active=False, updated_at=self._clock.now())
                )
                await record_menu_change(
                    tx,
                    [
                        self._event(
                            "menu.category_deleted",
                            restaurant_id,
                            {"category_id": str(category_id)},
                        )
                    ],
                )

        await self._db.run(work)
        await self._invalidate(restaurant_id)

    # Foods ---------------------------------------------------------------------------------

    async def _owned_food(
        self, tx: Transaction, actor: Actor, restaurant_id: uuid.UUID, food_id: uuid.UUID
    ) -> Food:
        await managed_restaurant(tx, actor, restaurant_id)
        food = await tx.foods.get(food_id)
        if food is None or food.restaurant_id != restaurant_id or food.is_deleted:
            raise NotFound("Food not found")
        return food

    async def create_food(self, actor: Actor, restaurant_id: uuid.UUID, fields: Fields) -> Food:
        async def work(tx: Transaction) -> Food:
            await managed_restaurant(tx, actor, restaurant_id)
            food = await food_from(tx, fields, None, restaurant_id, True, self._clock.now())
            await tx.foods.add(food)
            await record_menu_change(
                tx, [self._event("menu.food_created", restaurant_id, food_view(food))]
            )
            return food

        result = await self._db.run(work)
        await self._invalidate(restaurant_id)
        return result

    async def update_food(
        self,
        actor: Actor,
        restaurant_id: uuid.UUID,
        food_id: uuid.UUID,
        fields: Fields,
        *,
        replace_all: bool,
    ) -> Food:
        if replace_all and not {"name", "price", "category_id"} <= set(fields):
            raise InvalidInput("name, price and category_id are required")

        async def work(tx: Transaction) -> Food:
            current = await self._owned_food(tx, actor, restaurant_id, food_id)
            updated = await food_from(
                tx, fields, current, restaurant_id, replace_all, self._clock.now()
            )
            await tx.foods.save(updated)
            await record_menu_change(
                tx, [self._event("menu.food_updated", restaurant_id, food_view(updated))]
            )
            return updated

        result = await self._db.run(work)
        await self._invalidate(restaurant_id)
        return result

    async def delete_food(self, actor: Actor, restaurant_id: uuid.UUID, food_id: uuid.UUID) -> None:
        async def work(tx: Transaction) -> None:
            current = await self._owned_food(tx, actor, restaurant_id, food_id)
            await tx.foods.save(replace(current, is_deleted=True, updated_at=self._clock.now()))
            await record_menu_change(
                tx, [self._event("menu.food_deleted", restaurant_id, {"food_id": str(food_id)})]
            )

        await self._db.run(work)
        await self._invalidate(restaurant_id)

    async def set_availability(
        self,
        actor: Actor,
        restaurant_id: uuid.UUID,
        food_id: uuid.UUID,
        is_available: object,
        stock_remaining: object = ...,
    ) -> Food:
        """86 a food or restock it (owner, staff, admin). ``stock_remaining`` left out keeps the
        current count; ``None`` stops tracking stock."""
        if not isinstance(is_available, bool):
            raise InvalidInput(
                "is_available must be true or false", details={"field": "is_available"}
            )

        async def work(tx: Transaction) -> Food:
            if not await may_operate(tx, actor, restaurant_id):
                require_role(actor, Role.OWNER, Role.KITCHEN)
                raise NotFound("Restaurant not found")
            food = await tx.foods.get(food_id)
            if food is None or food.restaurant_id != restaurant_id or food.is_deleted:
                raise NotFound("Food not found")
            stock = food.stock_remaining
            if stock_remaining is not ...:
                stock = clean_non_negative_int(stock_remaining, field="stock_remaining")
            updated = replace(
                food,
                is_available=is_available,
                stock_remaining=stock,
                updated_at=self._clock.now(),
            )
            await tx.foods.save(updated)
            await record_menu_change(
                tx,
                [self._event("menu.food_availability_changed", restaurant_id, food_view(updated))],
            )
            return updated

        result = await self._db.run(work)
        await self._invalidate(restaurant_id)
        return result

    # The public menu -----------------------------------------------------------------------

    async def menu_json(self, restaurant_id: uuid.UUID) -> bytes:
        """The public menu as JSON bytes, from the cache when fresh. Only orderable foods of
        active categories of an active restaurant appear; an inactive restaurant is NotFound.
        ``is_open_now`` and ``next_opening_at`` hold at the instant of the answer: a cached
        menu built before an opening or closing that has since happened is built again."""
        now = self._clock.now()
        if self._cache is None or self._ttl <= 0:
            return await self._menu_as_of(restaurant_id, now)
        key = menu_cache_key(restaurant_id)
        for _ in range(2):
            entry = await self._cache.get_or_build(
                key, self._ttl, lambda: build_menu(self._db, restaurant_id, self._clock.now())
            )
            body = menu_entry_body(entry, now)
            if body is not None:
                return body
            await self._cache.delete(key)
        # Built again and already past its change again (a clock at an edge): build as of now.
        return await self._menu_as_of(restaurant_id, now)

    async def _menu_as_of(self, restaurant_id: uuid.UUID, now: datetime) -> bytes:
        """The menu JSON built as of ``now``, without the cache."""
        return (await build_menu(self._db, restaurant_id, now)).partition(b"\n")[2]
