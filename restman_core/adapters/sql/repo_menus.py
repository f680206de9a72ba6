"""Restaurants, categories and foods."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.rows import limit_of, page_filter, shallow, values
from restman_core.adapters.sql.tables import categories, foods, menu_versions, restaurants
from restman_core.domain.menus import Category, Food, Restaurant
from restman_core.ports.storage import Page


# The reads of every order placement, built once: constructing a statement and its cache key
# costs more than SQLite takes to run it.
@functools.cache
def _restaurant_by_id() -> Select[Any]:
    return select(restaurants).where(restaurants.c.id == bindparam("id"))


@functools.cache
def _categories_of() -> Select[Any]:
    return (
        select(categories)
        .where(categories.c.restaurant_id == bindparam("restaurant_id"))
        .order_by(categories.c.display_order, categories.c.created_at, categories.c.id)
    )


@functools.cache
def _foods_by_id() -> Select[Any]:
    return select(foods).where(foods.c.id.in_(bindparam("ids", expanding=True)))


class SqlRestaurantRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, restaurant: Restaurant) -> None:
        await self._conn.execute(restaurants.insert().values(**shallow(restaurant)))
        await self._conn.execute(
            menu_versions.insert().values(restaurant_id=restaurant.id, version=0)
        )

    async def menu_changed(self, restaurant_id: uuid.UUID) -> None:
        await self._conn.execute(
            update(menu_versions)
            .where(menu_versions.c.restaurant_id == restaurant_id)
            .values(version=menu_versions.c.version + 1)
        )

    async def menu_version(self, restaurant_id: uuid.UUID) -> int | None:
        query = select(menu_versions.c.version).where(
            menu_versions.c.restaurant_id == restaurant_id
        )
        version = (await self._conn.execute(query)).scalar()
        return None if version is None else int(version)

    async def save(self, restaurant: Restaurant) -> None:
        data = shallow(restaurant)
        data.pop("id")
        await self._conn.execute(
            update(restaurants).where(restaurants.c.id == restaurant.id).values(**data)
        )

    async def get(self, restaurant_id: uuid.UUID) -> Restaurant | None:
        row = (await self._conn.execute(_restaurant_by_id(), {"id": restaurant_id})).first()
        return Restaurant(**values(row)) if row else None

    async def _page(self, page: Page, *conditions: Any) -> Sequence[Restaurant]:
        query = select(restaurants).where(*conditions)
        cursor = page_filter(restaurants, page)
        if cursor is not None:
            query = query.where(cursor)
        query = query.order_by(restaurants.c.created_at.desc(), restaurants.c.id.desc())
        rows = await self._conn.execute(query.limit(limit_of(page)))
        return [Restaurant(**values(r)) for r in rows]

    async def list_active(self, page: Page) -> Sequence[Restaurant]:
        return await self._page(page, restaurants.c.is_active.is_(True))

    async def list_all(self, page: Page) -> Sequence[Restaurant]:
        return await self._page(page)

    async def list_owned(self, owner_id: uuid.UUID) -> Sequence[Restaurant]:
        query = (
            select(restaurants)
            .where(restaurants.c.owner_id == owner_id)
            .order_by(restaurants.c.created_at.desc())
        )
        return [Restaurant(**values(r)) for r in await self._conn.execute(query)]

    async def list_ids(self, ids: frozenset[uuid.UUID]) -> Sequence[Restaurant]:
        if not ids:
            return []
        query = (
            select(restaurants)
            .where(restaurants.c.id.in_(ids))
            .order_by(restaurants.c.created_at.desc())
        )
        return [Restaurant(**values(r)) for r in await self._conn.execute(query)]


class SqlCategoryRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, category: Category) -> None:
        await self._conn.execute(categories.insert().values(**shallow(category)))

    async def save(self, category: Category) -> None:
        data = shallow(category)
        data.pop("id")
        await self._conn.execute(
            update(categories).where(categories.c.id == category.id).values(**data)
        )

    async def get(self, category_id: uuid.UUID) -> Category | None:
        query = select(categories).where(categories.c.id == category_id)
        row = (await self._conn.execute(query)).first()
        return Category(**values(row)) if row else None

    async def list_for(self, restaurant_id: uuid.UUID) -> Sequence[Category]:
        rows = await self._conn.execute(_categories_of(), {"restaurant_id": restaurant_id})
        return [Category(**values(r)) for r in rows]


class SqlFoodRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, food: Food) -> None:
        await self._conn.execute(foods.insert().values(**shallow(food)))

    async def save(self, food: Food) -> None:
        data = shallow(food)
        data.pop("id")
        await self._conn.execute(update(foods).where(foods.c.id == food.id).values(**data))

    async def get(self, food_id: uuid.UUID) -> Food | None:
        row = (await self._conn.execute(select(foods).where(foods.c.id == food_id))).first()
        return Food(**values(row)) if row else None

    async def list_for(self, restaurant_id: uuid.UUID) -> Sequence[Food]:
        query = (
            select(foods)
            .where(foods.c.restaurant_id == restaurant_id, foods.c.is_deleted.is_(False))
            .order_by(foods.c.name, foods.c.id)
        )
        return [Food(**values(r)) for r in await self._conn.execute(query)]

    async def get_many(self, food_ids: frozenset[uuid.UUID]) -> Sequence[Food]:
        if not food_ids:
            return []
        rows = await self._conn.execute(_foods_by_id(), {"ids": list(food_ids)})
        return [Food(**values(r)) for r in rows]

    async def take_stock(self, takes: Mapping[uuid.UUID, int]) -> frozenset[uuid.UUID]:
        """One conditional UPDATE for all tracked foods: each row is decremented only if it has
        enough; rows that did not are reported. Untracked stock (NULL) is never touched."""
        if not takes:
            return frozenset()
        wanted = case(
            *((foods.c.id == food_id, quantity) for food_id, quantity in takes.items()),
            else_=0,
        )
        enough = or_(foods.c.stock_remaining.is_(None), foods.c.stock_remaining >= wanted)
        tracked = and_(foods.c.id.in_(list(takes)), foods.c.stock_remaining.is_not(None))
        short = await self._conn.execute(
            select(foods.c.id).where(tracked, foods.c.stock_remaining < wanted)
        )
        missing = frozenset(r[0] for r in short)
        if missing:
            return missing
        taken = await self._conn.execute(
            update(foods)
            .where(tracked, enough)
            .values(stock_remaining=foods.c.stock_remaining - wanted)
        )
        if taken.rowcount != len(takes):
            # A concurrent order took stock between the check and the update (possible only
            # below SERIALIZABLE): report every food short so the caller aborts the whole unit
            # and nothing taken here is kept.
            return frozenset(takes)
        return frozenset()

    async def return_stock(self, returns: Mapping[uuid.UUID, int]) -> None:
        """Give tracked stock back (a cancelled order); untracked foods stay untracked."""
        if not returns:
            return
        back = case(
            *((foods.c.id == food_id, quantity) for food_id, quantity in returns.items()),
            else_=0,
        )
        await self._conn.execute(
            update(foods)
            .where(foods.c.id.in_(list(returns)), foods.c.stock_remaining.is_not(None))
            .values(stock_remaining=foods.c.stock_remaining + back)
        )
