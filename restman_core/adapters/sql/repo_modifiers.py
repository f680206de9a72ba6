"""Modifier groups and their options, and the options' tracked stock."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, case, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from restman_core.adapters.sql.tables import modifier_groups, modifier_options
from restman_core.domain.modifiers import ModifierGroup, ModifierOption


def _group_values(group: ModifierGroup) -> dict[str, Any]:
    return {
        "restaurant_id": group.restaurant_id,
        "name": group.name,
        "min_selected": group.min_selected,
        "max_selected": group.max_selected,
        "is_deleted": group.is_deleted,
        "created_at": group.created_at,
        "updated_at": group.updated_at,
    }


def _option_values(option: ModifierOption) -> dict[str, Any]:
    return {
        "group_id": option.group_id,
        "name": option.name,
        "price_delta": option.price_delta,
        "is_available": option.is_available,
        "stock_remaining": option.stock_remaining,
        "position": option.position,
        "is_deleted": option.is_deleted,
    }


class SqlModifierRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, group: ModifierGroup) -> None:
        await self._conn.execute(
            modifier_groups.insert().values(id=group.id, **_group_values(group))
        )
        if group.options:
            await self._conn.execute(
                modifier_options.insert(),
                [{"id": o.id, **_option_values(o)} for o in group.options],
            )

    async def save(self, group: ModifierGroup) -> None:
        """Write the group and every option it holds: known ones updated, new ones inserted
        (deleted options are kept, flagged)."""
        await self._conn.execute(
            update(modifier_groups)
            .where(modifier_groups.c.id == group.id)
            .values(**_group_values(group))
        )
        existing = {
            row[0]
            for row in await self._conn.execute(
                select(modifier_options.c.id).where(modifier_options.c.group_id == group.id)
            )
        }
        new = [{"id": o.id, **_option_values(o)} for o in group.options if o.id not in existing]
        for option in group.options:
            if option.id in existing:
                await self._conn.execute(
                    update(modifier_options)
                    .where(modifier_options.c.id == option.id)
                    .values(**_option_values(option))
                )
        if new:
            await self._conn.execute(modifier_options.insert(), new)

    async def _load(self, *conditions: Any) -> list[ModifierGroup]:
        rows = list(
            await self._conn.execute(
                select(modifier_groups)
                .where(*conditions)
                .order_by(modifier_groups.c.created_at, modifier_groups.c.id)
            )
        )
        if not rows:
            return []
        options: dict[uuid.UUID, list[ModifierOption]] = defaultdict(list)
        query = (
            select(modifier_options)
            .where(modifier_options.c.group_id.in_([r.id for r in rows]))
            .order_by(modifier_options.c.group_id, modifier_options.c.position)
        )
        for o in await self._conn.execute(query):
            options[o.group_id].append(
                ModifierOption(
                    id=o.id,
                    group_id=o.group_id,
                    name=o.name,
                    price_delta=o.price_delta,
                    is_available=o.is_available,
                    stock_remaining=o.stock_remaining,
                    position=o.position,
                    is_deleted=o.is_deleted,
                )
            )
        return [
            ModifierGroup(
                id=r.id,
                restaurant_id=r.restaurant_id,
                name=r.name,
                min_selected=r.min_selected,
                max_selected=r.max_selected,
                options=tuple(options[r.id]),
                is_deleted=r.is_deleted,
                created_at=r.created_at,
                updated_at=r.updated_at,
            )
            for r in rows
        ]

    async def get(self, group_id: uuid.UUID) -> ModifierGroup | None:
        found = await self._load(modifier_groups.c.id == group_id)
        return found[0] if found else None

    async def get_many(self, group_ids: frozenset[uuid.UUID]) -> Sequence[ModifierGroup]:
        if not group_ids:
            return []
        return await self._load(modifier_groups.c.id.in_(group_ids))

    async def group_of_option(self, option_id: uuid.UUID) -> ModifierGroup | None:
        group_id = (
            await self._conn.execute(
                select(modifier_options.c.group_id).where(modifier_options.c.id == option_id)
            )
        ).scalar()
        return None if group_id is None else await self.get(group_id)

    async def list_for(self, restaurant_id: uuid.UUID) -> Sequence[ModifierGroup]:
        return await self._load(
            modifier_groups.c.restaurant_id == restaurant_id,
            modifier_groups.c.is_deleted.is_(False),
        )

    async def take_stock(self, takes: Mapping[uuid.UUID, int]) -> frozenset[uuid.UUID]:
        """Like the foods' ``take_stock``: one conditional UPDATE over the tracked options;
        the options short are reported and nothing is taken for them."""
        if not takes:
            return frozenset()
        stock = modifier_options.c.stock_remaining
        wanted = case(
            *((modifier_options.c.id == oid, quantity) for oid, quantity in takes.items()),
            else_=0,
        )
        tracked = and_(modifier_options.c.id.in_(list(takes)), stock.is_not(None))
        short = await self._conn.execute(
            select(modifier_options.c.id).where(tracked, stock < wanted)
        )
        missing = frozenset(r[0] for r in short)
        if missing:
            return missing
        taken = await self._conn.execute(
            update(modifier_options)
            .where(tracked, stock >= wanted)
            .values(stock_remaining=stock - wanted)
        )
        if taken.rowcount != len(takes):
            return frozenset(takes)
        return frozenset()

    async def return_stock(self, returns: Mapping[uuid.UUID, int]) -> None:
        """Give tracked stock back (a cancelled order); untracked options stay untracked."""
        if not returns:
            return
        stock = modifier_options.c.stock_remaining
        back = case(
            *((modifier_options.c.id == oid, quantity) for oid, quantity in returns.items()),
            else_=0,
        )
        await self._conn.execute(
            update(modifier_options)
            .where(modifier_options.c.id.in_(list(returns)), stock.is_not(None))
            .values(stock_remaining=stock + back)
        )
