"""Modifier groups of a restaurant: created, listed, replaced, patched and deleted by its
owner (and admins), and their options 86'd or restocked by its owner, staff and admins."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from restman_core.domain.access import Actor, Role
from restman_core.domain.clock import Clock
from restman_core.domain.menus import clean_non_negative_int
from restman_core.domain.modifiers import ModifierGroup
from restman_core.errors import InvalidInput, NotFound
from restman_core.menu_views import group_view
from restman_core.ports.cache import Cache
from restman_core.ports.storage import Database, Transaction
from restman_core.services.access import managed_restaurant, may_operate, require_role
from restman_core.services.menu_common import (
    Fields,
    invalidate_menu,
    menu_event,
    record_menu_change,
)
from restman_core.services.modifier_fields import group_from
from restman_core.views import food_view

GROUP_NOT_FOUND = "Modifier group not found"


async def operated(tx: Transaction, actor: Actor, restaurant_id: uuid.UUID) -> None:
    """Pass for the restaurant's owner, staff and admins; NotFound for other owners and
    staff, Forbidden for customers."""
    if not await may_operate(tx, actor, restaurant_id):
        require_role(actor, Role.OWNER, Role.KITCHEN)
        raise NotFound("Restaurant not found")


class ModifierService:
    def __init__(self, db: Database, clock: Clock, *, cache: Cache | None = None) -> None:
        self._db = db
        self._clock = clock
        self._cache = cache

    async def _changed(
        self, tx: Transaction, kind: str, restaurant_id: uuid.UUID, payload: dict[str, Any]
    ) -> None:
        await record_menu_change(tx, [menu_event(kind, restaurant_id, payload, self._clock.now())])

    async def _group(
        self, tx: Transaction, restaurant_id: uuid.UUID, group_id: uuid.UUID
    ) -> ModifierGroup:
        group = await tx.modifiers.get(group_id)
        if group is None or group.restaurant_id != restaurant_id or group.is_deleted:
            raise NotFound(GROUP_NOT_FOUND)
        return group

    async def create_group(
        self, actor: Actor, restaurant_id: uuid.UUID, fields: Fields
    ) -> ModifierGroup:
        """A new group with its options (owner, admin); the edit-time rules apply."""

        async def work(tx: Transaction) -> ModifierGroup:
            await managed_restaurant(tx, actor, restaurant_id)
            group = group_from(fields, None, restaurant_id, True, self._clock.now())
            await tx.modifiers.add(group)
            await self._changed(tx, "menu.modifier_group_created", restaurant_id, group_view(group))
            return group

        result = await self._db.run(work)
        await invalidate_menu(self._cache, restaurant_id)
        return result

    async def list_groups(self, actor: Actor, restaurant_id: uuid.UUID) -> Sequence[ModifierGroup]:
        """The restaurant's live groups with every live option, 86'd ones included (owner,
        staff, admin)."""

        async def work(tx: Transaction) -> Sequence[ModifierGroup]:
            await operated(tx, actor, restaurant_id)
            return await tx.modifiers.list_for(restaurant_id)

        return await self._db.run(work)

    async def get_group(
        self, actor: Actor, restaurant_id: uuid.UUID, group_id: uuid.UUID
    ) -> ModifierGroup:
        async def work(tx: Transaction) -> ModifierGroup:
            await operated(tx, actor, restaurant_id)
            return await self._group(tx, restaurant_id, group_id)

        return await self._db.run(work)

    async def update_group(
        self,
        actor: Actor,
        restaurant_id: uuid.UUID,
        group_id: uuid.UUID,
        fields: Fields,
        *,
        replace_all: bool,
    ) -> ModifierGroup:
        """PUT (omitted fields take defaults, omitted options are deleted) or PATCH (omitted
        fields and options kept). Options listed with their ``id`` are edited in place."""
        if replace_all and "name" not in fields:
            raise InvalidInput("name is required", details={"field": "name"})

        async def work(tx: Transaction) -> ModifierGroup:
            await managed_restaurant(tx, actor, restaurant_id)
            current = await self._group(tx, restaurant_id, group_id)
            updated = group_from(fields, current, restaurant_id, replace_all, self._clock.now())
            await tx.modifiers.save(updated)
            await self._changed(
                tx, "menu.modifier_group_updated", restaurant_id, group_view(updated)
            )
            return updated

        result = await self._db.run(work)
        await invalidate_menu(self._cache, restaurant_id)
        return result

    async def delete_group(
        self, actor: Actor, restaurant_id: uuid.UUID, group_id: uuid.UUID
    ) -> None:
        """Soft delete, detached from every food that had it (as Square removes a deleted
        modifier list from its items). Placed orders keep their frozen modifiers."""

        async def work(tx: Transaction) -> None:
            await managed_restaurant(tx, actor, restaurant_id)
            current = await self._group(tx, restaurant_id, group_id)
            now = self._clock.now()
            await tx.modifiers.save(replace(current, is_deleted=True, updated_at=now))
            for food in await tx.foods.list_for(restaurant_id):
                if group_id in food.modifier_group_ids:
                    detached = replace(
                        food,
                        modifier_group_ids=tuple(
                            g for g in food.modifier_group_ids if g != group_id
                        ),
                        updated_at=now,
                    )
                    await tx.foods.save(detached)
                    await self._changed(tx, "menu.food_updated", restaurant_id, food_view(detached))
            await self._changed(
                tx, "menu.modifier_group_deleted", restaurant_id, {"group_id": str(group_id)}
            )

        await self._db.run(work)
        await invalidate_menu(self._cache, restaurant_id)

    async def set_option_availability(
        self,
        actor: Actor,
        restaurant_id: uuid.UUID,
        group_id: uuid.UUID,
        option_id: uuid.UUID,
        is_available: object,
        stock_remaining: object = ...,
    ) -> ModifierGroup:
        """86 an option ("out of oat milk") or restock it (owner, staff, admin). As for
        foods, ``stock_remaining`` left out keeps the count and ``None`` stops tracking. 86ing
        the last option of a required group is allowed (it is the kitchen's call): its foods
        are then not orderable until an option comes back."""
        if not isinstance(is_available, bool):
            raise InvalidInput(
                "is_available must be true or false", details={"field": "is_available"}
            )

        async def work(tx: Transaction) -> ModifierGroup:
            await operated(tx, actor, restaurant_id)
            group = await self._group(tx, restaurant_id, group_id)
            option = next((o for o in group.live_options if o.id == option_id), None)
            if option is None:
                raise NotFound("Modifier option not found")
            stock = option.stock_remaining
            if stock_remaining is not ...:
                stock = clean_non_negative_int(stock_remaining, field="stock_remaining")
            changed = replace(option, is_available=is_available, stock_remaining=stock)
            updated = replace(
                group,
                options=tuple(changed if o.id == option_id else o for o in group.options),
                updated_at=self._clock.now(),
            )
            await tx.modifiers.save(updated)
            await self._changed(
                tx, "menu.modifier_availability_changed", restaurant_id, group_view(updated)
            )
            return updated

        result = await self._db.run(work)
        await invalidate_menu(self._cache, restaurant_id)
        return result
