"""Kitchen tickets: listing, bumping, recalls, item bumps and the all-day count."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from restman_api.bodies import Body
from restman_api.errors import responses
from restman_api.pagination import CURSOR_FORMATS, page_of
from restman_api.state import Api, Caller
from restman_core.domain.kitchen import TicketStatus
from restman_core.views import ticket_view

TAGS = ["kitchen"]
Json = dict[str, Any]
TICKET = "/api/kitchen/tickets/{ticket_id:uuid}"
ERRORS = responses(400, 401, 403, 404, 409)
Station = Annotated[str | None, QueryParameter(max_length=40, description="Only this station")]
After = Annotated[
    str | None,
    QueryParameter(
        description="Cursor: the id (or created_at, RFC 3339) of the last ticket of the previous "
        "page; tickets are listed oldest first, so the page holds the newer ones",
        max_length=64,
        schema_extra={"any_of": CURSOR_FORMATS},
    ),
]


class MoveTicket(Body):
    status: TicketStatus
    expected_version: int | None = None


class Recall(Body):
    expected_version: int | None = None


class MarkItem(Body):
    done: bool
    expected_version: int | None = None


@get(
    "/api/kitchen/tickets",
    operation_id="listTickets",
    tags=TAGS,
    summary="Tickets of the restaurants the caller operates, oldest first",
    responses=responses(400, 401, 403),
)
async def list_tickets(
    api: Api,
    actor: Caller,
    status: FromQuery[list[TicketStatus] | None] = None,
    restaurant_id: FromQuery[uuid.UUID | None] = None,
    station: Station = None,
    limit: Annotated[int, QueryParameter(ge=1, le=200)] = 200,
    before: After = None,
) -> list[Json]:
    """A display wants every open ticket at once, hence the default page of 200; ``before``
    pages on (an id of a ticket the caller may not see is a 404, like the ticket itself)."""

    async def created_at(ticket_id: uuid.UUID) -> Any:
        return (await api.platform.kitchen.get_ticket(actor, ticket_id)).created_at

    tickets = await api.platform.kitchen.list_tickets(
        actor,
        restaurant_id=restaurant_id,
        statuses=frozenset(status) if status else None,
        station=station,
        page=await page_of(limit, before, created_at),
    )
    return [ticket_view(t) for t in tickets]


@get(
    TICKET,
    operation_id="getTicket",
    summary="One ticket",
    tags=TAGS,
    responses=responses(400, 401, 403, 404),
)
async def get_ticket(api: Api, actor: Caller, ticket_id: FromPath[uuid.UUID]) -> Json:
    return ticket_view(await api.platform.kitchen.get_ticket(actor, ticket_id))


@patch(
    TICKET + "/status",
    operation_id="moveTicket",
    tags=TAGS,
    responses=ERRORS,
    summary="Bump a ticket (a stale expected_version is 409)",
)
async def move_ticket(
    api: Api, actor: Caller, ticket_id: FromPath[uuid.UUID], data: JSONBody[MoveTicket]
) -> Json:
    moved = await api.platform.kitchen.move_ticket(
        actor, ticket_id, data.status, data.expected_version
    )
    return ticket_view(moved)


@post(
    TICKET + "/recall",
    operation_id="recallTicket",
    status_code=200,
    tags=TAGS,
    summary="Undo the last bump of a ticket",
    responses=ERRORS,
)
async def recall_ticket(
    api: Api, actor: Caller, ticket_id: FromPath[uuid.UUID], data: JSONBody[Recall | None] = None
) -> Json:
    version = data.expected_version if data else None
    return ticket_view(await api.platform.kitchen.recall(actor, ticket_id, version))


@patch(
    TICKET + "/items/{item_id:uuid}",
    operation_id="markTicketItem",
    tags=TAGS,
    summary="Mark one item of a ticket done (or not)",
    responses=ERRORS,
)
async def mark_item(
    api: Api,
    actor: Caller,
    ticket_id: FromPath[uuid.UUID],
    item_id: FromPath[uuid.UUID],
    data: JSONBody[MarkItem],
) -> Json:
    marked = await api.platform.kitchen.mark_item(
        actor, ticket_id, item_id, data.done, data.expected_version
    )
    return ticket_view(marked)


@get(
    "/api/kitchen/all-day",
    operation_id="allDay",
    tags=TAGS,
    summary="Open quantity per food over tickets still being cooked",
    responses=responses(400, 401, 403),
)
async def all_day(
    api: Api,
    actor: Caller,
    restaurant_id: FromQuery[uuid.UUID | None] = None,
    station: Station = None,
) -> list[Json]:
    lines = await api.platform.kitchen.all_day(actor, restaurant_id=restaurant_id, station=station)
    return [
        {
            "food_id": str(line.food_id),
            "food_name": line.food_name,
            "station": line.station,
            "quantity": line.quantity,
        }
        for line in lines
    ]


KITCHEN_ROUTES = [list_tickets, get_ticket, move_ticket, recall_ticket, mark_item, all_day]
