"""Operations (admins only): dead letters, listed, shown, replayed and purged.

A dead letter's id is ``<consumer>:<event id>``. Replaying answers 200 either way and says
which in ``replayed``: true, the consumer's handler applied the event and the dead letter is
gone; false, it failed again and the dead letter is returned with attempts + 1 and the new
error.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import delete, get, post
from litestar.openapi.spec import OpenAPIFormat, Schema
from litestar.params import FromPath, QueryParameter

from restman_api.errors import responses
from restman_api.pagination import UUID_PATTERN, Limit, page_of, timestamp_cursor
from restman_api.state import Api, Caller
from restman_core.bootstrap_ops import dead_letter_service
from restman_core.domain.access import Actor
from restman_core.ports.dead_letters import parse_letter_id
from restman_core.views import dead_letter_view

TAGS = ["admin"]
Json = dict[str, Any]
LETTERS = "/api/admin/dead-letters"
LETTER = LETTERS + "/{letter_id:str}"
ERRORS = responses(400, 401, 403)
ONE_ERRORS = responses(400, 401, 403, 404)
Consumer = Annotated[
    str | None, QueryParameter(description="Only this consumer's dead letters", max_length=40)
]
Before = Annotated[
    str | None,
    QueryParameter(
        description="Cursor: the failed_at timestamp (RFC 3339) or the id of the last dead "
        "letter of the previous page; the page holds older ones only",
        max_length=120,
        schema_extra={
            "any_of": [
                Schema(format=OpenAPIFormat.DATE_TIME),
                Schema(pattern=f"^[a-z]+:{UUID_PATTERN}$"),
            ]
        },
    ),
]


async def _cursor(api: Api, actor: Actor, before: str | None, limit: int) -> datetime | None:
    # A timestamp holds colons too, so it is tried before a dead letter's id.
    moment = timestamp_cursor(before.strip()) if before else None
    if before is None or moment is not None or ":" not in before:
        return moment or (await page_of(limit, before, None)).before
    consumer, event_id = parse_letter_id(before)
    return (await dead_letter_service(api.platform).show(actor, consumer, event_id)).failed_at


@get(
    LETTERS,
    operation_id="listDeadLetters",
    tags=TAGS,
    summary="Dead letters, newest first (admins)",
    responses=ERRORS,
)
async def list_dead_letters(
    api: Api, actor: Caller, consumer: Consumer = None, limit: Limit = 50, before: Before = None
) -> list[Json]:
    service = dead_letter_service(api.platform)
    cursor = await _cursor(api, actor, before, limit)
    letters = await service.list(actor, consumer=consumer, limit=limit, before=cursor)
    return [dead_letter_view(letter) for letter in letters]


@get(
    LETTER,
    operation_id="getDeadLetter",
    tags=TAGS,
    summary="One dead letter: the event, its consumer, attempts, last error (admins)",
    responses=ONE_ERRORS,
)
async def get_dead_letter(api: Api, actor: Caller, letter_id: FromPath[str]) -> Json:
    consumer, event_id = parse_letter_id(letter_id)
    return dead_letter_view(await dead_letter_service(api.platform).show(actor, consumer, event_id))


@post(
    LETTER + "/replay",
    operation_id="replayDeadLetter",
    status_code=200,
    tags=TAGS,
    summary="Re-apply a dead letter through its consumer's handler (admins)",
    responses=ONE_ERRORS,
)
async def replay_dead_letter(api: Api, actor: Caller, letter_id: FromPath[str]) -> Json:
    consumer, event_id = parse_letter_id(letter_id)
    outcome = await dead_letter_service(api.platform).replay(actor, consumer, event_id)
    return {"replayed": outcome.replayed, "dead_letter": dead_letter_view(outcome.letter)}


@delete(
    LETTER,
    operation_id="purgeDeadLetter",
    status_code=200,
    tags=TAGS,
    summary="Forget a dead letter; its effect stays missing (admins)",
    responses=ONE_ERRORS,
)
async def purge_dead_letter(api: Api, actor: Caller, letter_id: FromPath[str]) -> Json:
    consumer, event_id = parse_letter_id(letter_id)
    await dead_letter_service(api.platform).purge(actor, consumer, event_id)
    return {"message": "Dead letter purged"}


ADMIN_ROUTES = [list_dead_letters, get_dead_letter, replay_dead_letter, purge_dead_letter]
