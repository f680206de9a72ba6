"""Placing, reading and moving orders."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Response, get, patch, post
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody
from msgspec import UNSET, UnsetType

from restman_api.bodies import Body, fields_of
from restman_api.errors import responses
from restman_api.pagination import Before, Limit, page_of
from restman_api.state import Api, Caller
from restman_core.domain.orders import OrderStatus, OrderType
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
    ),
]


class OrderLine(Body):
    food_id: uuid.UUID
    quantity: int
    notes: str | UnsetType | None = UNSET


class PlaceOrder(Body):
    restaurant_id: uuid.UUID
    items: list[OrderLine]
    delivery_address: str | UnsetType | None = UNSET
    special_instructions: str | UnsetType | None = UNSET
    order_type: OrderType | UnsetType | None = UNSET
    table: str | UnsetType | None = UNSET


class CancelRefund(Body):
    reason: str


class StatusChange(Body):
    status: OrderStatus
    # Cancelling an order whose bill took money needs the full refund with it.
    refund: CancelRefund | None = None


@post(
    "/api/orders",
    operation_id="placeOrder",
    summary="Place an order (idempotent with Idempotency-Key)",
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


ORDER_ROUTES = [place_order, get_order, list_orders, change_status]
