"""The kitchen's view of whole orders: firing a held course."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import post
from litestar.params import FromPath, JSONBody

from restman_api.bodies import Body
from restman_api.errors import responses
from restman_api.state import Api, Caller
from restman_core.views import ticket_view

TAGS = ["kitchen"]
Json = dict[str, Any]
ORDER = "/api/kitchen/orders/{order_id:uuid}"


class FireCourse(Body):
    course: int


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


KITCHEN_ORDER_ROUTES = [fire_course]
