"""Building categories and foods from request fields: validation with the domain's rules and
the PUT (replace) versus PATCH (merge) semantics. Shared by the menu use cases."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from restman_core.domain.courses import clean_course
from restman_core.domain.ids import new_id, parse_id
from restman_core.domain.menus import (
    Category,
    Food,
    Restaurant,
    clean_allergens,
    clean_discount_limit,
    clean_flag,
    clean_name,
    clean_non_negative_int,
    clean_optional_rate,
    clean_station,
    clean_text,
)
from restman_core.domain.modifiers import MAX_GROUPS_PER_FOOD
from restman_core.domain.money import parse_money
from restman_core.domain.schedule import parse_weekly_hours
from restman_core.errors import InvalidInput
from restman_core.ports.storage import Transaction
from restman_core.services.menu_common import Fields, pick


def category_from(
    fields: Fields,
    base: Category | None,
    restaurant_id: uuid.UUID,
    replace_all: bool,
    now: datetime,
) -> Category:
    """A category built from request fields: new (``base`` None), replaced (PUT) or patched."""
    order = pick(
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
            pick(
                fields,
                "description",
                base.description if base else None,
                replace_all=replace_all,
            ),
            field="description",
            multiline=True,
        ),
        display_order=order,
        station=clean_station(
            pick(fields, "station", base.station if base else None, replace_all=replace_all)
        ),
        course=clean_course(
            pick(fields, "course", base.course if base else None, replace_all=replace_all)
        ),
        is_active=base.is_active if base else True,
        created_at=base.created_at if base else now,
        updated_at=now,
        available_hours=parse_weekly_hours(
            pick(
                fields,
                "available_hours",
                base.available_hours.as_json() if base and base.available_hours else None,
                replace_all=replace_all,
            ),
            field="available_hours",
        ),
    )


async def modifier_groups_of(
    tx: Transaction, value: object, restaurant_id: uuid.UUID
) -> tuple[uuid.UUID, ...]:
    """A food's ordered modifier groups: at most 20 distinct live groups of its restaurant."""
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise InvalidInput(
            "modifier_group_ids must be a list", details={"field": "modifier_group_ids"}
        )
    if len(value) > MAX_GROUPS_PER_FOOD:
        raise InvalidInput(
            f"a food has at most {MAX_GROUPS_PER_FOOD} modifier groups",
            details={"field": "modifier_group_ids"},
        )
    ids = tuple(parse_id(v, what="modifier_group_ids") for v in value)
    if len(set(ids)) != len(ids):
        raise InvalidInput(
            "modifier_group_ids lists a group twice", details={"field": "modifier_group_ids"}
        )
    found = {g.id: g for g in await tx.modifiers.get_many(frozenset(ids))}
    unknown = [
        str(g)
        for g in ids
        if g not in found or found[g].restaurant_id != restaurant_id or found[g].is_deleted
    ]
    if unknown:
        raise InvalidInput(
            f"Unknown modifier groups for this restaurant: {', '.join(unknown)}",
            details={"field": "modifier_group_ids", "group_ids": unknown},
        )
    return ids


async def food_from(
    tx: Transaction,
    fields: Fields,
    base: Food | None,
    restaurant_id: uuid.UUID,
    replace_all: bool,
    now: datetime,
) -> Food:
    """A food built from request fields; its category must be a live one of the restaurant
    (a food of a deleted category may still be edited, none moves into one)."""
    raw_category = fields.get("category_id", base.category_id if base else None)
    if raw_category is None:
        raise InvalidInput("category_id is required", details={"field": "category_id"})
    category_id = parse_id(raw_category, what="category_id")
    category = await tx.categories.get(category_id)
    if category is None or category.restaurant_id != restaurant_id:
        raise InvalidInput(
            "Category does not belong to this restaurant", details={"field": "category_id"}
        )
    if not category.is_active and (base is None or base.category_id != category_id):
        # A food of a deleted category may still be edited; none moves into one.
        raise InvalidInput("The category was deleted", details={"field": "category_id"})
    if "price" not in fields and base is None:
        raise InvalidInput("price is required", details={"field": "price"})
    available = pick(
        fields,
        "is_available",
        base.is_available if base else True,
        replace_all=replace_all,
        default=True,
    )
    if not isinstance(available, bool):
        raise InvalidInput("is_available must be true or false", details={"field": "is_available"})
    return Food(
        id=base.id if base else new_id(),
        restaurant_id=restaurant_id,
        category_id=category_id,
        name=clean_name(fields.get("name", base.name if base else None)),
        description=clean_text(
            pick(
                fields,
                "description",
                base.description if base else None,
                replace_all=replace_all,
            ),
            field="description",
            multiline=True,
        ),
        price=parse_money(fields.get("price", base.price if base else None), field="price"),
        is_available=available,
        stock_remaining=clean_non_negative_int(
            pick(
                fields,
                "stock_remaining",
                base.stock_remaining if base else None,
                replace_all=replace_all,
            ),
            field="stock_remaining",
        ),
        prep_time_seconds=clean_non_negative_int(
            pick(
                fields,
                "prep_time_seconds",
                base.prep_time_seconds if base else None,
                replace_all=replace_all,
            ),
            field="prep_time_seconds",
            maximum=86_400,
        ),
        station=clean_station(
            pick(fields, "station", base.station if base else None, replace_all=replace_all)
        ),
        course=clean_course(
            pick(fields, "course", base.course if base else None, replace_all=replace_all)
        ),
        is_deleted=False,
        created_at=base.created_at if base else now,
        updated_at=now,
        modifier_group_ids=await modifier_groups_of(
            tx,
            pick(
                fields,
                "modifier_group_ids",
                base.modifier_group_ids if base else (),
                replace_all=replace_all,
            ),
            restaurant_id,
        ),
        allergens=clean_allergens(
            pick(fields, "allergens", base.allergens if base else (), replace_all=replace_all)
        ),
        tax_rate=clean_optional_rate(
            pick(fields, "tax_rate", base.tax_rate if base else None, replace_all=replace_all),
            field="tax_rate",
        ),
    )


def money_settings(fields: Fields, base: Restaurant | None, *, replace_all: bool) -> dict[str, Any]:
    """A restaurant's money settings from request fields (new, PUT or PATCH): whether prices
    include tax, the dine-in service charge rate, and staff's discount limit."""
    return {
        "prices_include_tax": clean_flag(
            pick(
                fields,
                "prices_include_tax",
                base.prices_include_tax if base else False,
                replace_all=replace_all,
                default=False,
            ),
            field="prices_include_tax",
        ),
        "service_charge_rate": clean_optional_rate(
            pick(
                fields,
                "service_charge_rate",
                base.service_charge_rate if base else None,
                replace_all=replace_all,
            ),
            field="service_charge_rate",
        ),
        "staff_discount_limit": clean_discount_limit(
            pick(
                fields,
                "staff_discount_limit",
                base.staff_discount_limit if base else None,
                replace_all=replace_all,
            )
        ),
    }
