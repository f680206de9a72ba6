"""Categories, foods, availability and kitchen staff of a restaurant."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Response, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody
from msgspec import UNSET, UnsetType

from restman_api.bodies import Body, fields_of
from restman_api.body_rules import (
    Allergens,
    Course,
    DisplayOrder,
    Email,
    GroupIds,
    Hours,
    LongText,
    Money,
    Name,
    PrepSeconds,
    Rate,
    Station,
    Stock,
)
from restman_api.errors import responses
from restman_api.state import Api, Caller
from restman_core.views import category_view, food_view, user_view

TAGS = ["menus"]
Json = dict[str, Any]
BASE = "/api/restaurants/{restaurant_id:uuid}"
CATEGORY = BASE + "/categories/{category_id:uuid}"
FOOD = BASE + "/foods/{food_id:uuid}"
WRITE_ERRORS = responses(400, 401, 403, 404)


class CategoryCreate(Body):
    """``available_hours``: ``{"mon": [["07:00","11:00"]], ...}`` in the restaurant's zone
    (a breakfast menu); null or absent is served whenever the restaurant is open."""

    name: Name
    description: LongText | UnsetType | None = UNSET
    display_order: DisplayOrder | UnsetType = UNSET
    station: Station | UnsetType | None = UNSET
    available_hours: Hours | UnsetType | None = UNSET
    course: Course | UnsetType | None = UNSET


class CategoryPatch(Body):
    """``available_hours``: ``{"mon": [["07:00","11:00"]], ...}`` in the restaurant's zone
    (a breakfast menu); null or absent is served whenever the restaurant is open."""

    name: Name | UnsetType = UNSET
    description: LongText | UnsetType | None = UNSET
    display_order: DisplayOrder | UnsetType = UNSET
    station: Station | UnsetType | None = UNSET
    available_hours: Hours | UnsetType | None = UNSET
    course: Course | UnsetType | None = UNSET


class FoodCreate(Body):
    category_id: uuid.UUID
    name: Name
    price: Money
    description: LongText | UnsetType | None = UNSET
    is_available: bool | UnsetType = UNSET
    stock_remaining: Stock | UnsetType | None = UNSET
    prep_time_seconds: PrepSeconds | UnsetType | None = UNSET
    station: Station | UnsetType | None = UNSET
    modifier_group_ids: GroupIds | UnsetType | None = UNSET
    allergens: Allergens | UnsetType | None = UNSET
    course: Course | UnsetType | None = UNSET
    # Overrides the restaurant's rate for this food; null: the restaurant's.
    tax_rate: Rate | UnsetType | None = UNSET


class FoodPatch(Body):
    category_id: uuid.UUID | UnsetType = UNSET
    name: Name | UnsetType = UNSET
    price: Money | UnsetType = UNSET
    description: LongText | UnsetType | None = UNSET
    is_available: bool | UnsetType = UNSET
    stock_remaining: Stock | UnsetType | None = UNSET
    prep_time_seconds: PrepSeconds | UnsetType | None = UNSET
    station: Station | UnsetType | None = UNSET
    modifier_group_ids: GroupIds | UnsetType | None = UNSET
    allergens: Allergens | UnsetType | None = UNSET
    course: Course | UnsetType | None = UNSET
    # Overrides the restaurant's rate for this food; null: the restaurant's.
    tax_rate: Rate | UnsetType | None = UNSET


class Availability(Body):
    """86 a food (``is_available: false``) or restock it; ``stock_remaining`` left out keeps
    the count, ``null`` stops tracking it."""

    is_available: bool
    stock_remaining: Stock | UnsetType | None = UNSET


class StaffInvite(Body):
    email: Email


# Categories --------------------------------------------------------------------------------


@post(
    BASE + "/categories",
    operation_id="createCategory",
    summary="Add a menu category",
    tags=TAGS,
    responses=WRITE_ERRORS,
)
async def create_category(
    api: Api, actor: Caller, restaurant_id: FromPath[uuid.UUID], data: JSONBody[CategoryCreate]
) -> Json:
    created = await api.platform.menus.create_category(actor, restaurant_id, fields_of(data))
    return category_view(created)


async def _update_category(
    api: Api, actor: Caller, ids: tuple[uuid.UUID, uuid.UUID], fields: Json, whole: bool
) -> Json:
    updated = await api.platform.menus.update_category(actor, *ids, fields, replace_all=whole)
    return category_view(updated)


@put(
    CATEGORY,
    operation_id="replaceCategory",
    summary="Replace a category",
    tags=TAGS,
    responses=WRITE_ERRORS,
)
async def replace_category(
    api: Api,
    actor: Caller,
    restaurant_id: FromPath[uuid.UUID],
    category_id: FromPath[uuid.UUID],
    data: JSONBody[CategoryCreate],
) -> Json:
    return await _update_category(api, actor, (restaurant_id, category_id), fields_of(data), True)


@patch(
    CATEGORY,
    operation_id="updateCategory",
    summary="Change some of a category",
    tags=TAGS,
    responses=WRITE_ERRORS,
)
async def update_category(
    api: Api,
    actor: Caller,
    restaurant_id: FromPath[uuid.UUID],
    category_id: FromPath[uuid.UUID],
    data: JSONBody[CategoryPatch],
) -> Json:
    return await _update_category(api, actor, (restaurant_id, category_id), fields_of(data), False)


@delete(
    CATEGORY,
    operation_id="deleteCategory",
    status_code=200,
    tags=TAGS,
    summary="Soft-delete a category (its foods stop being orderable)",
    responses=WRITE_ERRORS,
)
async def delete_category(
    api: Api, actor: Caller, restaurant_id: FromPath[uuid.UUID], category_id: FromPath[uuid.UUID]
) -> Json:
    await api.platform.menus.delete_category(actor, restaurant_id, category_id)
    return {"message": "Category deleted successfully"}


# Foods -------------------------------------------------------------------------------------


@post(
    BASE + "/foods",
    operation_id="createFood",
    summary="Add a food",
    tags=TAGS,
    responses=WRITE_ERRORS,
)
async def create_food(
    api: Api, actor: Caller, restaurant_id: FromPath[uuid.UUID], data: JSONBody[FoodCreate]
) -> Json:
    return food_view(await api.platform.menus.create_food(actor, restaurant_id, fields_of(data)))


@put(FOOD, operation_id="replaceFood", summary="Replace a food", tags=TAGS, responses=WRITE_ERRORS)
async def replace_food(
    api: Api,
    actor: Caller,
    restaurant_id: FromPath[uuid.UUID],
    food_id: FromPath[uuid.UUID],
    data: JSONBody[FoodCreate],
) -> Json:
    updated = await api.platform.menus.update_food(
        actor, restaurant_id, food_id, fields_of(data), replace_all=True
    )
    return food_view(updated)


@patch(
    FOOD,
    operation_id="updateFood",
    summary="Change some of a food",
    tags=TAGS,
    responses=WRITE_ERRORS,
)
async def update_food(
    api: Api,
    actor: Caller,
    restaurant_id: FromPath[uuid.UUID],
    food_id: FromPath[uuid.UUID],
    data: JSONBody[FoodPatch],
) -> Json:
    updated = await api.platform.menus.update_food(
        actor, restaurant_id, food_id, fields_of(data), replace_all=False
    )
    return food_view(updated)


@delete(
    FOOD,
    operation_id="deleteFood",
    status_code=200,
    summary="Delete a food",
    tags=TAGS,
    responses=WRITE_ERRORS,
)
async def delete_food(
    api: Api, actor: Caller, restaurant_id: FromPath[uuid.UUID], food_id: FromPath[uuid.UUID]
) -> Json:
    await api.platform.menus.delete_food(actor, restaurant_id, food_id)
    return {"message": "Food item deleted successfully"}


@post(
    FOOD + "/availability",
    operation_id="setFoodAvailability",
    status_code=200,
    tags=TAGS,
    summary="86 a food or restock it (owner, staff, admin)",
    responses=WRITE_ERRORS,
)
async def set_availability(
    api: Api,
    actor: Caller,
    restaurant_id: FromPath[uuid.UUID],
    food_id: FromPath[uuid.UUID],
    data: JSONBody[Availability],
) -> Json:
    stock: object = ... if data.stock_remaining is UNSET else data.stock_remaining
    updated = await api.platform.menus.set_availability(
        actor, restaurant_id, food_id, data.is_available, stock
    )
    return food_view(updated)


# Staff -------------------------------------------------------------------------------------


@get(
    BASE + "/staff",
    operation_id="listStaff",
    summary="The restaurant's kitchen staff",
    tags=TAGS,
    responses=responses(400, 401, 403, 404),
)
async def list_staff(api: Api, actor: Caller, restaurant_id: FromPath[uuid.UUID]) -> list[Json]:
    return [user_view(u) for u in await api.staff.list_staff(actor, restaurant_id)]


@post(
    BASE + "/staff",
    operation_id="addStaff",
    tags=TAGS,
    responses=WRITE_ERRORS | responses(409),
    summary="Add kitchen staff by email (invites an email without an account)",
)
async def add_staff(
    api: Api, actor: Caller, restaurant_id: FromPath[uuid.UUID], data: JSONBody[StaffInvite]
) -> Response[Json]:
    added = await api.staff.add_staff(actor, restaurant_id, data.email)
    body = {
        "restaurant_id": str(added.restaurant_id),
        "email": added.email,
        "invited": added.invited,
        "user": user_view(added.user) if added.user else None,
    }
    return Response(body, status_code=201 if added.changed else 200)


@delete(
    BASE + "/staff/{user_id:uuid}",
    operation_id="removeStaff",
    status_code=200,
    tags=TAGS,
    summary="Remove a member of the kitchen staff",
    responses=WRITE_ERRORS,
)
async def remove_staff(
    api: Api, actor: Caller, restaurant_id: FromPath[uuid.UUID], user_id: FromPath[uuid.UUID]
) -> Json:
    await api.staff.remove_staff(actor, restaurant_id, user_id)
    return {"message": "Staff member removed"}


MENU_ROUTES = [
    create_category,
    replace_category,
    update_category,
    delete_category,
    create_food,
    replace_food,
    update_food,
    delete_food,
    set_availability,
    list_staff,
    add_staff,
    remove_staff,
]
