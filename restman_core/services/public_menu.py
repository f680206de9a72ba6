"""The public menu, as the original's clients read it (restaurant, then categories with foods),
with each food's modifier groups and whether the restaurant and each category are open."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from restman_core.domain.clock import format_timestamp
from restman_core.domain.menus import Food, is_orderable
from restman_core.domain.modifiers import ModifierGroup
from restman_core.domain.schedule import WeeklyHours, is_open, next_change, next_opening
from restman_core.errors import NotFound
from restman_core.menu_views import food_groups_view
from restman_core.ports.storage import Database, Transaction
from restman_core.views import category_view, food_view, restaurant_view


def _hours_fields(hours: WeeklyHours | None, timezone: str, now: datetime) -> dict[str, Any]:
    opens = next_opening(hours, timezone, now)
    return {
        "is_open_now": is_open(hours, timezone, now),
        "next_opening_at": format_timestamp(opens) if opens else None,
    }


def _choosable(food: Food, groups: dict[uuid.UUID, ModifierGroup]) -> bool:
    """Every required group attached to the food still has an orderable option."""
    return all(
        not groups[g].is_required or groups[g].orderable_options
        for g in food.modifier_group_ids
        if g in groups
    )


def _food(food: Food, groups: dict[uuid.UUID, ModifierGroup]) -> dict[str, Any]:
    view = food_view(food)
    view["modifier_groups"] = food_groups_view(food.modifier_group_ids, groups)
    return view


_VALID_UNTIL = "_valid_until"


async def build_menu(db: Database, restaurant_id: uuid.UUID, now: datetime) -> bytes:
    """The public menu as a cache entry: a first line saying until when its opening state
    holds (the next opening or closing; empty when nothing ever changes), then JSON bytes
    (:func:`menu_entry_body` reads it): an active restaurant, its active categories in display
    order, and in each only the foods that can be ordered (available, in stock, and every
    required modifier group with an orderable option), each with its groups and their
    orderable options. The restaurant and each category say ``is_open_now`` and
    ``next_opening_at`` as of ``now``: foods of a category outside its hours stay listed (a
    customer may read the breakfast menu in the evening) and placing them is refused."""

    async def work(tx: Transaction) -> dict[str, Any]:
        restaurant = await tx.restaurants.get(restaurant_id)
        if restaurant is None or not restaurant.is_active:
            raise NotFound("Restaurant not found")
        categories = [c for c in await tx.categories.list_for(restaurant_id) if c.is_active]
        foods = await tx.foods.list_for(restaurant_id)
        groups = {g.id: g for g in await tx.modifiers.list_for(restaurant_id)}
        by_category = {c.id: c for c in categories}
        tz = restaurant.timezone
        changes = [next_change(restaurant.opening_hours, tz, now)]
        changes += [next_change(c.available_hours, tz, now) for c in categories]
        due = [c for c in changes if c is not None]
        return {
            _VALID_UNTIL: min(due) if due else None,
            "restaurant": restaurant_view(restaurant),
            **_hours_fields(restaurant.opening_hours, tz, now),
            "categories": [
                {
                    **category_view(c),
                    **_hours_fields(c.available_hours, tz, now),
                    "foods": [
                        _food(f, groups)
                        for f in foods
                        if f.category_id == c.id
                        and is_orderable(restaurant, by_category.get(f.category_id), f)
                        and _choosable(f, groups)
                    ],
                }
                for c in categories
            ],
        }

    menu = await db.run(work)
    valid_until: datetime | None = menu.pop(_VALID_UNTIL)
    stamp = format_timestamp(valid_until).encode() if valid_until else b""
    return stamp + b"\n" + json.dumps(menu, separators=(",", ":")).encode()


def menu_entry_body(entry: bytes, now: datetime) -> bytes | None:
    """The menu JSON of an ``entry`` made by :func:`build_menu`, or None when an opening or
    closing (of the restaurant or one of its categories) has happened since it was built, so
    its ``is_open_now`` is wrong and it must be built again."""
    stamp, _, body = entry.partition(b"\n")
    if stamp and datetime.fromisoformat(stamp.decode()) <= now:
        return None
    return body
