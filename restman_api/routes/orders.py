"""Placing, reading and moving orders."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from litestar import Response, delete, get, patch, post
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody
from msgspec import UNSET, UnsetType

from restman_api.bodies import Body, DocumentContext, fields_of
from restman_api.body_rules import (
    IDEMPOTENCY_KEY,
    LINES,
    MODIFIERS,
    AllergyNote,
    ItemNote,
    LongText,
    ModifierQuantity,
    Quantity,
    Reason,
    Table,
    name_of,
)
from restman_api.errors import responses
from restman_api.pagination import Before, Limit, page_of
from restman_api.state import Api, Caller
from restman_core.domain.orders import OrderStatus, OrderType
from restman_core.services.order_requests import MAX_TABLE
from restman_core.views import order_view

TAGS = ["orders"]
Json = dict[str, Any]
ITEM = "/api/orders/{order_id:uuid}"
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        description="Retries with the same key and body replay the first answer",
        max_length=255,
        required=False,
        # Blank keys are refused by the core (check_idempotency_key); the document says so.
        schema_extra={"pattern": IDEMPOTENCY_KEY["pattern"]},
    ),
]


class ModifierChoice(Body):
    option_id: uuid.UUID
    quantity: ModifierQuantity | UnsetType = UNSET


class OrderLine(Body):
    """``modifiers``: the options chosen for this line (each of a group attached to the
    food); ``allergy_note``: up to 300 characters the kitchen display shows prominently."""

    food_id: uuid.UUID
    quantity: Quantity
    notes: ItemNote | UnsetType | None = UNSET
    modifiers: Annotated[list[ModifierChoice], MODIFIERS] | UnsetType | None = UNSET
    allergy_note: AllergyNote | UnsetType | None = UNSET


class PlaceOrder(Body):
    """``table`` is required (not blank) when ``order_type`` is ``dine_in``; absent or null
    ``order_type`` is ``delivery``."""

    restaurant_id: uuid.UUID
    items: Annotated[list[OrderLine], LINES]
    delivery_address: LongText | UnsetType | None = UNSET
    special_instructions: LongText | UnsetType | None = UNSET
    order_type: OrderType | UnsetType | None = UNSET
    table: Table | UnsetType | None = UNSET
    # A scheduled pickup, ISO 8601 with its offset (null: as soon as possible), and whether a
    # paced kitchen may move the order to its first later slot with room instead of a 409.
    pickup_at: datetime | UnsetType | None = UNSET
    accept_later: bool | UnsetType | None = UNSET

    @classmethod
    def document(cls, schema: Schema, context: DocumentContext) -> None:
        # parse_order_request: a dine-in order names its table.
        named = Schema(type=OpenAPIType.STRING)
        name_of(MAX_TABLE).apply(named)
        schema.schema_if = Schema(
            properties={"order_type": Schema(const=OrderType.DINE_IN.value)},
            required=["order_type"],
        )
        schema.then = Schema(required=["table"], properties={"table": named})


class CancelRefund(Body):
    reason: Reason


class StatusChange(Body):
    status: OrderStatus
    # Cancelling an order whose bill took money needs the full refund with it.
    refund: CancelRefund | None = None


class AddItems(Body):
    items: Annotated[list[OrderLine], LINES]


@post(
    "/api/orders",
    operation_id="placeOrder",
    summary=(
        "Place an order (idempotent with Idempotency-Key). Each line's modifiers must be "
        "options of groups attached to its food, within each group's min and max (a wrong "
        "choice is a 400 naming the group); the unit price is the food's plus the options' "
        "deltas, frozen on the order. Outside the opening hours, or for a food of a category "
        "outside its hours, it is a 409 with next_opening_at. pickup_at schedules the order "
        "(ahead of now, at most 7 days, within the hours). At a paced restaurant an order "
        "whose slot is full is a 409 with next_available_at, unless accept_later moves it to "
        "that slot"
    ),
    tags=TAGS,
    responses=responses(400, 401, 404, 409),
)
async def place_order(
    api: Api,
    actor: Caller,
    data: JSONBody[PlaceOrder],
    idempotency_key: IdempotencyKey = None,
) -> Response[Json]:
    placed = await api.platform.orders.place_order(actor, fields_of(data), idempotency_key)
    headers = {"Idempotent-Replayed": "true"} if placed.replayed else {}
    return Response(order_view(placed.order), status_code=201, headers=headers)


@get(
    ITEM,
    operation_id="getOrder",
    summary="One order with items and status history",
    tags=TAGS,
    responses=responses(400, 401, 404),
)
async def get_order(api: Api, actor: Caller, order_id: FromPath[uuid.UUID]) -> Json:
    return order_view(await api.platform.orders.get_order(actor, order_id))


@get(
    "/api/orders",
    operation_id="listOrders",
    summary="The caller's orders, or a restaurant's (owner, staff, admin), newest first",
    tags=TAGS,
    responses=responses(400, 401, 403),
)
async def list_orders(
    api: Api,
    actor: Caller,
    restaurant_id: FromQuery[uuid.UUID | None] = None,
    status: FromQuery[OrderStatus | None] = None,
    limit: Limit = 50,
    before: Before = None,
) -> list[Json]:
    async def created_at(order_id: FromPath[uuid.UUID]) -> Any:
        return (await api.platform.orders.get_order(actor, order_id)).created_at

    page = await page_of(limit, before, created_at)
    orders = await api.platform.orders.list_orders(
        actor, restaurant_id=restaurant_id, status=status, page=page
    )
    return [order_view(o, with_items=False) for o in orders]


@patch(
    ITEM + "/status",
    operation_id="changeOrderStatus",
    summary=(
        "Move an order (restaurant side; a customer may cancel a PLACED order). Cancelling an "
        'order whose bill took money is a 409 unless the body carries `"refund": {"reason": '
        '"..."}`: everything paid and not refunded goes back with it (owner, admin), the bill '
        "ends REFUNDED"
    ),
    tags=TAGS,
    responses=responses(400, 401, 403, 404, 409),
)
async def change_status(
    api: Api, actor: Caller, order_id: FromPath[uuid.UUID], data: JSONBody[StatusChange]
) -> Json:
    reason = data.refund.reason if data.refund else None
    order = await api.platform.orders.change_status(actor, order_id, data.status, reason)
    return order_view(order, with_items=False)


@post(
    ITEM + "/items",
    operation_id="addOrderItems",
    summary="Add items to an open dine-in order (owner, staff, admin): stock is taken, the "
    "total grows and the kitchen gets new tickets marked as an addition; another order type "
    "or a closed order is a 409 and nothing changes (idempotent with Idempotency-Key)",
    tags=TAGS,
    responses=responses(400, 401, 403, 404, 409),
)
async def add_items(
    api: Api,
    actor: Caller,
    order_id: FromPath[uuid.UUID],
    data: JSONBody[AddItems],
    idempotency_key: IdempotencyKey = None,
) -> Response[Json]:
    changed = await api.platform.orders.changes.add_items(
        actor, order_id, fields_of(data), idempotency_key
    )
    headers = {"Idempotent-Replayed": "true"} if changed.replayed else {}
    return Response(order_view(changed.order), status_code=201, headers=headers)


@delete(
    ITEM + "/items/{item_id:uuid}",
    operation_id="voidOrderItem",
    summary="Void an item not yet READY (owner, staff, admin): it stays on the order marked "
    "voided, its ticket line shows VOID and the total no longer counts it; a READY or voided "
    "item, or a closed order, is a 409 and nothing changes",
    tags=TAGS,
    status_code=200,
    responses=responses(400, 401, 403, 404, 409),
)
async def void_item(
    api: Api, actor: Caller, order_id: FromPath[uuid.UUID], item_id: FromPath[uuid.UUID]
) -> Json:
    changed = await api.platform.orders.changes.void_item(actor, order_id, item_id)
    return order_view(changed.order)


ORDER_ROUTES = [place_order, get_order, list_orders, change_status, add_items, void_item]
