"""Menus: restaurants, categories, foods, availability and stock, and the cached public menu."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from restman_core.domain.access import Actor, Role
from restman_core.domain.clock import Clock
from restman_core.domain.events import DomainEvent
from restman_core.domain.ids import new_id, parse_id
from restman_core.domain.menus import (
    Category,
    Food,
    Restaurant,
    clean_name,
    clean_non_negative_int,
    clean_station,
    clean_tax_rate,
    clean_text,
    is_orderable,
)
from restman_core.domain.money import parse_money
from restman_core.errors import InvalidInput, NotFound, RestmanError
from restman_core.ports.cache import Cache
from restman_core.ports.storage import Database, Page, Transaction
from restman_core.services.access import managed_restaurant, may_operate, require_role
from restman_core.views import category_view, food_view, restaurant_view

log = logging.getLogger(__name__)
Fields = Mapping[str, Any]


MenuCache = Cache
"""The cache port as the menu uses it."""


def menu_cache_key(restaurant_id: uuid.UUID) -> str:
    return f"menu:{restaurant_id}"


def _pick(
    fields: Fields, name: str, current: Any, *, replace_all: bool, default: Any = None
) -> Any:
    """The new value of one field: given → given; omitted → kept (PATCH) or default (PUT)."""
    if name in fields:
        return fields[name]
    return default if replace_all else current


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
        return DomainEvent(
            event_type=kind,
            key=restaurant_id,
            occurred_at=self._clock.now(),
            payload={"restaurant_id": str(restaurant_id), **payload},
        )

    async def _invalidate(self, restaurant_id: uuid.UUID) -> None:
        """Drop the cached menu after a committed change. A cache outage only delays freshness
        by at most the TTL, so it is logged, not raised."""
        if self._cache is None:
            return
        try:
            await self._cache.delete(menu_cache_key(restaurant_id))
        except RestmanError:
            log.warning("could not invalidate the menu cache of %s", restaurant_id)

    # Restaurants -------------------------------------------------------------------------

    async def create_restaurant(self, actor: Actor, fields: Fields) -> Restaurant:
        """Create a restaurant owned by the actor (owners and admins)."""
        require_role(actor, Role.OWNER)
        now = self._clock.now()
        restaurant = Restaurant(
            id=new_id(),
            owner_id=actor.user_id,
            name=clean_name(fields.get("name")),
            description=clean_text(fields.get("description"), field="description"),
            address=clean_text(fields.get("address"), field="address"),
            phone=clean_text(fields.get("phone"), field="phone", limit=20),
            tax_rate=clean_tax_rate(fields.get("tax_rate", self._default_tax_rate)),
            is_active=True,
            created_at=now,
            updated_at=now,
        )

        async def work(tx: Transaction) -> Restaurant:
            await tx.restaurants.add(restaurant)
            await tx.outbox.add(
                [self._event("restaurant.created", restaurant.id, restaurant_view(restaurant))]
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
            updated = replace(
                current,
                name=clean_name(fields.get("name", current.name)),
                description=clean_text(
                    _pick(fields, "description", current.description, replace_all=replace_all),
                    field="description",
                ),
                address=clean_text(
                    _pick(fields, "address", current.address, replace_all=replace_all),
                    field="address",
                ),
                phone=clean_text(
                    _pick(fields, "phone", current.phone, replace_all=replace_all),
                    field="phone",
                    limit=20,
                ),
                tax_rate=clean_tax_rate(
                    _pick(
                        fields,
                        "tax_rate",
                        current.tax_rate,
                        replace_all=replace_all,
                        default=current.tax_rate,
                    )
                ),
                updated_at=self._clock.now(),
            )
            await tx.restaurants.save(updated)
            await tx.outbox.add(
                [self._event("restaurant.updated", updated.id, restaurant_view(updated))]
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
            await tx.outbox.add([self._event("restaurant.deleted", restaurant_id, {})])

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
        self, tx: Transaction, actor: Actor, restaurant_id: uuid.UUID, category_id: uuid.UUID
    ) -> Category:
        await managed_restaurant(tx, actor, restaurant_id)
        category = await tx.categories.get(category_id)
        if category is None or category.restaurant_id != restaurant_id:
            raise NotFound("Category not found")
        return category

    def _category_from(
        self, fields: Fields, base: Category | None, restaurant_id: uuid.UUID, replace_all: bool
    ) -> Category:
        now = self._clock.now()
        order = _pick(
            fields,
            "display_order",
            base.display_order if base else 0,
            replace_all=replace_all,
            default=0,
        )
        if isinstance(order, bool) or not isinstance(order, int) or abs(order) > 1_000_000:
            raise InvalidInput(
                "display_order must be a whole number", details={"field": "display_order"}
            )
        return Category(
            id=base.id if base else new_id(),
            restaurant_id=restaurant_id,
            name=clean_name(fields.get("name", base.name if base else None)),
            description=clean_text(
                _pick(
                    fields,
                    "description",
                    base.description if base else None,
                    replace_all=replace_all,
                ),
                field="description",
            ),
            display_order=order,
            station=clean_station(
                _pick(fields, "station", base.station if base else None, replace_all=replace_all)
            ),
            is_active=base.is_active if base else True,
            created_at=base.created_at if base else now,
            updated_at=now,
        )

    async def create_category(
        self, actor: Actor, restaurant_id: uuid.UUID, fields: Fields
    ) -> Category:
        async def work(tx: Transaction) -> Category:
            await managed_restaurant(tx, actor, restaurant_id)
            category = self._category_from(fields, None, restaurant_id, True)
            await tx.categories.add(category)
            await tx.outbox.add(
                [self._event("menu.category_created", restaurant_id, category_view(category))]
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
            updated = self._category_from(fields, current, restaurant_id, replace_all)
            await tx.categories.save(updated)
            await tx.outbox.add(
                [self._event("menu.category_updated", restaurant_id, category_view(updated))]
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
            current = await self._owned_category(tx, actor, restaurant_id, category_id)
            if current.is_active:
                await tx.categories.save(
                    replace(current, is_active=False, updated_at=self._clock.now())
                )
                await tx.outbox.add(
                    [
                        self._event(
                            "menu.category_deleted",
                            restaurant_id,
                            {"category_id": str(category_id)},
                        )
                    ]
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

    async def _food_from(
        self,
        tx: Transaction,
        fields: Fields,
        base: Food | None,
        restaurant_id: uuid.UUID,
        replace_all: bool,
    ) -> Food:
        now = self._clock.now()
        raw_category = fields.get("category_id", base.category_id if base else None)
        if raw_category is None:
            raise InvalidInput("category_id is required", details={"field": "category_id"})
        category_id = parse_id(raw_category, what="category_id")
        category = await tx.categories.get(category_id)
        if category is None or category.restaurant_id != restaurant_id:
            raise InvalidInput(
                "Category does not belong to this restaurant", details={"field": "category_id"}
            )
        if "price" not in fields and base is None:
            raise InvalidInput("price is required", details={"field": "price"})
        available = _pick(
            fields,
            "is_available",
            base.is_available if base else True,
            replace_all=replace_all,
            default=True,
        )
        if not isinstance(available, bool):
            raise InvalidInput(
                "is_available must be true or false", details={"field": "is_available"}
            )
        return Food(
            id=base.id if base else new_id(),
            restaurant_id=restaurant_id,
            category_id=category_id,
            name=clean_name(fields.get("name", base.name if base else None)),
            description=clean_text(
                _pick(
                    fields,
                    "description",
                    base.description if base else None,
                    replace_all=replace_all,
                ),
                field="description",
            ),
            price=parse_money(fields.get("price", base.price if base else None), field="price"),
            is_available=available,
            stock_remaining=clean_non_negative_int(
                _pick(
                    fields,
                    "stock_remaining",
                    base.stock_remaining if base else None,
                    replace_all=replace_all,
                ),
                field="stock_remaining",
            ),
            prep_time_seconds=clean_non_negative_int(
                _pick(
                    fields,
                    "prep_time_seconds",
                    base.prep_time_seconds if base else None,
                    replace_all=replace_all,
                ),
                field="prep_time_seconds",
                maximum=86_400,
            ),
            station=clean_station(
                _pick(fields, "station", base.station if base else None, replace_all=replace_all)
            ),
            is_deleted=False,
            created_at=base.created_at if base else now,
            updated_at=now,
        )

    async def create_food(self, actor: Actor, restaurant_id: uuid.UUID, fields: Fields) -> Food:
        async def work(tx: Transaction) -> Food:
            await managed_restaurant(tx, actor, restaurant_id)
            food = await self._food_from(tx, fields, None, restaurant_id, True)
            await tx.foods.add(food)
            await tx.outbox.add([self._event("menu.food_created", restaurant_id, food_view(food))])
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
            updated = await self._food_from(tx, fields, current, restaurant_id, replace_all)
            await tx.foods.save(updated)
            await tx.outbox.add(
                [self._event("menu.food_updated", restaurant_id, food_view(updated))]
            )
            return updated

        result = await self._db.run(work)
        await self._invalidate(restaurant_id)
        return result

    async def delete_food(self, actor: Actor, restaurant_id: uuid.UUID, food_id: uuid.UUID) -> None:
        async def work(tx: Transaction) -> None:
            current = await self._owned_food(tx, actor, restaurant_id, food_id)
            await tx.foods.save(replace(current, is_deleted=True, updated_at=self._clock.now()))
            await tx.outbox.add(
                [self._event("menu.food_deleted", restaurant_id, {"food_id": str(food_id)})]
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
            await tx.outbox.add(
                [self._event("menu.food_availability_changed", restaurant_id, food_view(updated))]
            )
            return updated

        result = await self._db.run(work)
        await self._invalidate(restaurant_id)
        return result

    # The public menu -----------------------------------------------------------------------

    async def menu_json(self, restaurant_id: uuid.UUID) -> bytes:
        """The public menu as JSON bytes, from the cache when fresh. Only orderable foods of
        active categories of an active restaurant appear; an inactive restaurant is NotFound."""
        if self._cache is None or self._ttl <= 0:
            return await self._build_menu(restaurant_id)
        return await self._cache.get_or_build(
            menu_cache_key(restaurant_id), self._ttl, lambda: self._build_menu(restaurant_id)
        )

    async def _build_menu(self, restaurant_id: uuid.UUID) -> bytes:
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

        menu = await self._db.run(work)
        return json.dumps(menu, separators=(",", ":")).encode()
