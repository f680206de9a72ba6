"""The kitchen's view of whole orders: firing a held course, the expediter's board and the
expo bump."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import get, post
from litestar.params import FromPath, FromQuery, JSONBody

from restman_api.bodies import Body
from restman_api.body_rules import Course
from restman_api.errors import responses
from restman_api.state import Api, Caller
from restman_core.views import expo_view, ticket_view

TAGS = ["kitchen"]
Json = dict[str, Any]
ORDER = "/api/kitchen/orders/{order_id:uuid}"


class FireCourse(Body):
    course: Course


@post(
    ORDER + "/fire",
    operation_id="fireCourse",
    status_code=200,
    tags=TAGS,
    summary="Fire a held course of a dine-in order now (1 starters, 2 mains, 3 desserts): its "
    "tickets are cooked from then on and count in all-day; answers every ticket of the order. "
    "A course already fired or a closed order is a 409; of two terminals firing at once "
    "exactly one wins",
    responses=responses(400, 401, 403, 404, 409),
)
async def fire_course(
    api: Api, actor: Caller, order_id: FromPath[uuid.UUID], data: JSONBody[FireCourse]
) -> list[Json]:
    tickets = await api.platform.kitchen.fire(actor, order_id, data.course)
    return [ticket_view(t) for t in tickets]


@get(
    "/api/kitchen/expo",
    operation_id="expoBoard",
    tags=TAGS,
    summary="The expediter's board: open orders of the restaurants the caller operates that have "
    "tickets, oldest first, each with every ticket and station and ready_for_expo (every fired "
    "ticket READY or delivered, one READY at least)",
    responses=responses(400, 401, 403),
)
async def expo_board(
    api: Api, actor: Caller, restaurant_id: FromQuery[uuid.UUID | None] = None
) -> list[Json]:
    return [expo_view(e) for e in await api.platform.expo.board(actor, restaurant_id)]


@post(
    ORDER + "/deliver",
    operation_id="expoDeliver",
    status_code=200,
    tags=TAGS,
    summary="The expo bump: deliver the order's READY tickets and, with none left open, "
    "complete the order (firing the next course where the restaurant auto-fires). A fired "
    "ticket not READY, nothing READY or a closed order is a 409 and nothing changes; of two "
    "terminals bumping at once exactly one wins",
    responses=responses(400, 401, 403, 404, 409),
)
async def expo_deliver(api: Api, actor: Caller, order_id: FromPath[uuid.UUID]) -> Json:
    return expo_view(await api.platform.expo.deliver(actor, order_id))


KITCHEN_ORDER_ROUTES = [fire_course, expo_board, expo_deliver]
