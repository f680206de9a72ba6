"""Restaurants and the public menu."""

from __future__ import annotations

import uuid
from typing import Any, cast

from litestar import Request, Response, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody
from msgspec import UNSET, UnsetType

from restman_api.bodies import Body, fields_of
from restman_api.body_rules import (
    Hours,
    LongText,
    Name,
    Percent,
    Phone,
    Rate,
    SlotMinutes,
    SlotPrepSeconds,
    Timezone,
)
from restman_api.errors import responses
from restman_api.pagination import Before, Limit, page_of
from restman_api.state import Api, Caller, MaybeCaller, api_state
from restman_core.views import restaurant_view

TAGS = ["restaurants"]
Json = dict[str, Any]
ITEM = "/api/restaurants/{restaurant_id:uuid}"


class Pacing(Body):
    """How much prep work the kitchen takes on per time slot (slots aligned to UTC)."""

    slot_minutes: SlotMinutes
    max_prep_seconds_per_slot: SlotPrepSeconds


class RestaurantCreate(Body):
    name: Name
    description: LongText | UnsetType | None = UNSET
    address: LongText | UnsetType | None = UNSET
    phone: Phone | UnsetType | None = UNSET
    tax_rate: Rate | UnsetType = UNSET
    timezone: Timezone | UnsetType | None = UNSET
    opening_hours: Hours | UnsetType | None = UNSET
    auto_fire_courses: bool | UnsetType = UNSET
    # Money settings: tax taken out of prices (VAT style), a dine-in service charge, and the
    # largest discount staff may give (percent of a bill's subtotal).
    prices_include_tax: bool | UnsetType = UNSET
    service_charge_rate: Rate | UnsetType | None = UNSET
    staff_discount_limit: Percent | UnsetType | None = UNSET
    # Kitchen pacing: at most max_prep_seconds_per_slot of prep work per slot; null: none.
    pacing: Pacing | UnsetType | None = UNSET


class RestaurantPatch(Body):
    name: Name | UnsetType = UNSET
    description: LongText | UnsetType | None = UNSET
    address: LongText | UnsetType | None = UNSET
    phone: Phone | UnsetType | None = UNSET
    tax_rate: Rate | UnsetType = UNSET
    timezone: Timezone | UnsetType | None = UNSET
    opening_hours: Hours | UnsetType | None = UNSET
    auto_fire_courses: bool | UnsetType = UNSET
    # Money settings: tax taken out of prices (VAT style), a dine-in service charge, and the
    # largest discount staff may give (percent of a bill's subtotal).
    prices_include_tax: bool | UnsetType = UNSET
    service_charge_rate: Rate | UnsetType | None = UNSET
    staff_discount_limit: Percent | UnsetType | None = UNSET
    # Kitchen pacing: at most max_prep_seconds_per_slot of prep work per slot; null: none.
    pacing: Pacing | UnsetType | None = UNSET


@get(
    "/api/restaurants",
    operation_id="listRestaurants",
    summary="Active restaurants, newest first",
    tags=TAGS,
    responses=responses(400),
)
async def list_restaurants(api: Api, limit: Limit = 50, before: Before = None) -> list[Json]:
    async def created_at(restaurant_id: FromPath[uuid.UUID]) -> Any:
        return (await api.platform.menus.get_restaurant(None, restaurant_id)).created_at

    page = await page_of(limit, before, created_at)
    return [restaurant_view(r) for r in await api.platform.menus.list_restaurants(page)]


@post(
    "/api/restaurants",
    operation_id="createRestaurant",
    summary="Create a restaurant owned by the caller (owners, admins)",
    tags=TAGS,
    responses=responses(400, 401, 403),
)
async def create_restaurant(api: Api, actor: Caller, data: JSONBody[RestaurantCreate]) -> Json:
    return restaurant_view(await api.platform.menus.create_restaurant(actor, fields_of(data)))


@get(
    "/api/restaurants/my",
    operation_id="myRestaurants",
    summary="Restaurants the caller owns (owners) or staffs (kitchen staff)",
    tags=TAGS,
    responses=responses(401, 403),
)
async def my_restaurants(api: Api, actor: Caller) -> list[Json]:
    return [restaurant_view(r) for r in await api.platform.menus.my_restaurants(actor)]


@get(
    ITEM,
    operation_id="getRestaurant",
    summary="One restaurant (inactive ones only for their owner and admins)",
    tags=TAGS,
    responses=responses(400, 404),
)
async def get_restaurant(
    api: Api, maybe_actor: MaybeCaller, restaurant_id: FromPath[uuid.UUID]
) -> Json:
    return restaurant_view(await api.platform.menus.get_restaurant(maybe_actor, restaurant_id))


@put(
    ITEM,
    operation_id="replaceRestaurant",
    summary="Replace a restaurant's details (owner, admin)",
    tags=TAGS,
    responses=responses(400, 401, 403, 404),
)
async def replace_restaurant(
    api: Api, actor: Caller, restaurant_id: FromPath[uuid.UUID], data: JSONBody[RestaurantCreate]
) -> Json:
    updated = await api.platform.menus.update_restaurant(
        actor, restaurant_id, fields_of(data), replace_all=True
    )
    return restaurant_view(updated)


@patch(
    ITEM,
    operation_id="updateRestaurant",
    summary="Change some of a restaurant's details (owner, admin)",
    tags=TAGS,
    responses=responses(400, 401, 403, 404),
)
async def update_restaurant(
    api: Api, actor: Caller, restaurant_id: FromPath[uuid.UUID], data: JSONBody[RestaurantPatch]
) -> Json:
    updated = await api.platform.menus.update_restaurant(
        actor, restaurant_id, fields_of(data), replace_all=False
    )
    return restaurant_view(updated)


@delete(
    ITEM,
    operation_id="deleteRestaurant",
    summary="Soft-delete a restaurant: nothing of it stays orderable (owner, admin)",
    tags=TAGS,
    status_code=200,
    responses=responses(400, 401, 403, 404),
)
async def delete_restaurant(api: Api, actor: Caller, restaurant_id: FromPath[uuid.UUID]) -> Json:
    await api.platform.menus.delete_restaurant(actor, restaurant_id)
    return {"message": "Restaurant deleted successfully"}


@get(
    ITEM + "/menu",
    operation_id="getMenu",
    summary=(
        "The public menu: orderable foods by category (cached), each with its modifier groups "
        "and their orderable options; the restaurant and each category say is_open_now and "
        "next_opening_at as of the answer (a cached menu is rebuilt at each opening and closing). "
        "Foods of "
        "a category outside its hours stay listed; placing them is a 409"
    ),
    tags=TAGS,
    responses=responses(400, 404),
)
async def get_menu(
    request: Request[Any, Any, Any], restaurant_id: FromPath[uuid.UUID]
) -> Response[Json]:
    # The hottest public read: the app state is taken from the request rather than through the
    # ``api`` dependency, whose resolution (a provider call with its own signature model, and
    # a cleanup group) costs more than the cached menu itself.
    menu = await api_state(request.app).platform.menus.menu_json(restaurant_id)
    # The cache holds the menu already encoded as JSON: bytes go out unchanged, and the
    # annotation documents the object they encode.
    return Response(cast(Json, menu), media_type="application/json")


RESTAURANT_ROUTES = [
    list_restaurants,
    create_restaurant,
    my_restaurants,
    get_restaurant,
    replace_restaurant,
    update_restaurant,
    delete_restaurant,
    get_menu,
]
