"""Modifier groups of a restaurant and the 86 of one option, and the staff's view of the
menu (every food and category, 86'd ones with their stock)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from litestar import delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from msgspec import UNSET, UnsetType

from restman_api.bodies import Body, fields_of
from restman_api.body_rules import (
    OPTIONS,
    MaxSelected,
    MinSelected,
    ModifierName,
    PriceDelta,
    Stock,
)
from restman_api.errors import responses
from restman_api.state import Api, Caller
from restman_core.domain.money import format_money
from restman_core.menu_views import group_view
from restman_core.views import category_view, food_view

TAGS = ["menus"]
Json = dict[str, Any]
BASE = "/api/restaurants/{restaurant_id:uuid}"
GROUPS = BASE + "/modifier-groups"
GROUP = GROUPS + "/{group_id:uuid}"
WRITE_ERRORS = responses(400, 401, 403, 404)


class OptionBody(Body):
    """An option; ``id`` names a current option of the group to keep and edit it (an edit
    that leaves a current option out deletes it)."""

    name: ModifierName
    id: uuid.UUID | UnsetType = UNSET
    price_delta: PriceDelta | UnsetType = UNSET
    is_available: bool | UnsetType = UNSET
    stock_remaining: Stock | UnsetType | None = UNSET


class GroupCreate(Body):
    name: ModifierName
    min_selected: MinSelected | UnsetType = UNSET
    max_selected: MaxSelected | UnsetType | None = UNSET
    options: Annotated[list[OptionBody], OPTIONS] | UnsetType = UNSET


class GroupPatch(Body):
    name: ModifierName | UnsetType = UNSET
    min_selected: MinSelected | UnsetType = UNSET
    max_selected: MaxSelected | UnsetType | None = UNSET
    options: Annotated[list[OptionBody], OPTIONS] | UnsetType = UNSET


class OptionAvailability(Body):
    """86 an option or restock it; ``stock_remaining`` left out keeps the count, ``null``
    stops tracking it."""

    is_available: bool
    stock_remaining: Stock | UnsetType | None = UNSET


RULES = (
    " Rules as Square's modifier lists: min_selected (0..50; 1 or more makes the group "
    "required) not above max_selected (1..50, null for no maximum), at most 50 options, names "
    "of 1..100 characters, price_delta from -1000.00 to 1000.00 (zero or negative allowed); a "
    "required group needs an orderable option. Breaking one is a 400 naming the field and the "
    "group, nothing written (owner, admin)"
)


@post(
    GROUPS,
    operation_id="createModifierGroup",
    summary="Add a modifier group with its options." + RULES,
    tags=TAGS,
    responses=WRITE_ERRORS,
)
async def create_group(
    api: Api, actor: Caller, restaurant_id: FromPath[uuid.UUID], data: JSONBody[GroupCreate]
) -> Json:
    group = await api.platform.modifiers.create_group(actor, restaurant_id, fields_of(data))
    return group_view(group)


@get(
    GROUPS,
    operation_id="listModifierGroups",
    summary="The restaurant's modifier groups with every option, 86'd ones included, with "
    "their stock (owner, staff, admin)",
    tags=TAGS,
    responses=responses(400, 401, 403, 404),
)
async def list_groups(api: Api, actor: Caller, restaurant_id: FromPath[uuid.UUID]) -> list[Json]:
    return [group_view(g) for g in await api.platform.modifiers.list_groups(actor, restaurant_id)]


async def _update(
    api: Api, actor: Caller, ids: tuple[uuid.UUID, uuid.UUID], fields: Json, whole: bool
) -> Json:
    group = await api.platform.modifiers.update_group(actor, *ids, fields, replace_all=whole)
    return group_view(group)


@put(
    GROUP,
    operation_id="replaceModifierGroup",
    summary="Replace a modifier group: omitted fields take their defaults and omitted options "
    "are deleted (placed orders keep what they took)." + RULES,
    tags=TAGS,
    responses=WRITE_ERRORS,
)
async def replace_group(
    api: Api,
    actor: Caller,
    restaurant_id: FromPath[uuid.UUID],
    group_id: FromPath[uuid.UUID],
    data: JSONBody[GroupCreate],
) -> Json:
    return await _update(api, actor, (restaurant_id, group_id), fields_of(data), True)


@patch(
    GROUP,
    operation_id="updateModifierGroup",
    summary="Change some of a modifier group; options, when given, are the whole new list." + RULES,
    tags=TAGS,
    responses=WRITE_ERRORS,
)
async def update_group(
    api: Api,
    actor: Caller,
    restaurant_id: FromPath[uuid.UUID],
    group_id: FromPath[uuid.UUID],
    data: JSONBody[GroupPatch],
) -> Json:
    return await _update(api, actor, (restaurant_id, group_id), fields_of(data), False)


@delete(
    GROUP,
    operation_id="deleteModifierGroup",
    status_code=200,
    summary="Delete a modifier group and detach it from its foods (placed orders keep their "
    "modifiers; owner, admin)",
    tags=TAGS,
    responses=WRITE_ERRORS,
)
async def delete_group(
    api: Api, actor: Caller, restaurant_id: FromPath[uuid.UUID], group_id: FromPath[uuid.UUID]
) -> Json:
    await api.platform.modifiers.delete_group(actor, restaurant_id, group_id)
    return {"message": "Modifier group deleted successfully"}


@post(
    GROUP + "/options/{option_id:uuid}/availability",
    operation_id="setModifierOptionAvailability",
    status_code=200,
    summary="86 a modifier option or restock it (owner, staff, admin); answers the group",
    tags=TAGS,
    responses=WRITE_ERRORS,
)
async def set_option_availability(
    api: Api,
    actor: Caller,
    restaurant_id: FromPath[uuid.UUID],
    group_id: FromPath[uuid.UUID],
    option_id: FromPath[uuid.UUID],
    data: JSONBody[OptionAvailability],
) -> Json:
    stock: object = ... if data.stock_remaining is UNSET else data.stock_remaining
    group = await api.platform.modifiers.set_option_availability(
        actor, restaurant_id, group_id, option_id, data.is_available, stock
    )
    return group_view(group)


# The staff's view ----------------------------------------------------------------------------


@get(
    BASE + "/foods",
    operation_id="listFoods",
    summary="Every food of the restaurant with its stock, 86'd and sold-out ones included "
    "unless include_unavailable=false; category_id narrows to one category (owner, staff, "
    "admin; the public menu stays the customers' view)",
    tags=TAGS,
    responses=responses(400, 401, 403, 404),
)
async def list_foods(
    api: Api,
    actor: Caller,
    restaurant_id: FromPath[uuid.UUID],
    include_unavailable: FromQuery[bool] = True,
    category_id: FromQuery[uuid.UUID | None] = None,
) -> list[Json]:
    foods = await api.platform.staff_menu.list_foods(
        actor, restaurant_id, include_unavailable=include_unavailable, category_id=category_id
    )
    return [food_view(f) for f in foods]


@get(
    BASE + "/foods/{food_id:uuid}",
    operation_id="getFood",
    summary="One food with its stock, 86'd or not (owner, staff, admin)",
    tags=TAGS,
    responses=responses(400, 401, 403, 404),
)
async def get_food(
    api: Api, actor: Caller, restaurant_id: FromPath[uuid.UUID], food_id: FromPath[uuid.UUID]
) -> Json:
    return food_view(await api.platform.staff_menu.get_food(actor, restaurant_id, food_id))


@get(
    BASE + "/categories",
    operation_id="listCategories",
    summary="The restaurant's live categories in display order (owner, staff, admin)",
    tags=TAGS,
    responses=responses(400, 401, 403, 404),
)
async def list_categories(
    api: Api, actor: Caller, restaurant_id: FromPath[uuid.UUID]
) -> list[Json]:
    found = await api.platform.staff_menu.list_categories(actor, restaurant_id)
    return [category_view(c) for c in found]


@get(
    "/api/analytics/restaurants/{restaurant_id:uuid}/top-modifiers",
    operation_id="restaurantTopModifiers",
    tags=["analytics"],
    summary="The restaurant's most taken modifier options (line quantity times option "
    "quantity) and the revenue their price deltas brought, cancelled orders excluded; from "
    "the analytics store's modifier facts (the options frozen at placement) (owner, admin)",
    responses=responses(400, 401, 403, 404),
)
async def restaurant_top_modifiers(
    api: Api,
    actor: Caller,
    restaurant_id: FromPath[uuid.UUID],
    limit: Annotated[int, QueryParameter(ge=1, le=100, description="How many (default 10)")] = 10,
    start_date: Annotated[
        date | None, QueryParameter(description="Inclusive UTC date (YYYY-MM-DD)")
    ] = None,
    end_date: Annotated[
        date | None, QueryParameter(description="Inclusive UTC date (YYYY-MM-DD)")
    ] = None,
) -> list[Json]:
    found = await api.platform.reports.top_modifiers(
        actor, restaurant_id, limit=limit, start=start_date, end=end_date
    )
    return [
        {
            "option_id": str(t.option_id),
            "group_name": t.group_name,
            "name": t.name,
            "total_quantity": t.total_quantity,
            "total_revenue": format_money(t.total_revenue),
        }
        for t in found
    ]


MODIFIER_ROUTES = [
    create_group,
    list_groups,
    replace_group,
    update_group,
    delete_group,
    set_option_availability,
    list_foods,
    get_food,
    list_categories,
    restaurant_top_modifiers,
]
