"""``GET /api/kitchen/stream``: ticket changes as server-sent events.

Each event is ``ticket.created`` or ``ticket.updated`` with the full ticket as data and the
event-log sequence as its id. A client that reconnects with ``Last-Event-ID`` first receives
every change it missed (from the shared event log), then live ones; comments are sent as
heartbeats so proxies keep the connection open and clients notice a dead one.

A ``Last-Event-ID`` beyond the log's end (the database was restored from a backup, or the
client talked to another installation) cannot be resumed from: the stream says so with one
``reset`` event whose id is the log's end and whose data is ``{"reason", "last_event_id"}``,
then delivers every change after that end. The client must reload its board, since changes it
has not seen may lie before that point; without the reset it would wait, deaf, for ids that the
log will not reach for a long time.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from litestar import Request, get
from litestar.params import FromQuery, HeaderParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from restman_api.errors import responses
from restman_api.state import Api, Caller
from restman_api.stream_hub import BATCH, Subscriber
from restman_core.errors import InvalidInput, NotFound, RestmanError
from restman_core.ports.ticket_feed import TicketChange
from restman_core.services.ticket_feed import FeedScope, in_scope

RETRY_MILLISECONDS = 2000
LastEventId = Annotated[
    str | None,
    HeaderParameter(
        name="Last-Event-ID",
        required=False,
        max_length=20,
        description="Resume after this event id",
    ),
]


def _message(change: TicketChange) -> ServerSentEventMessage:
    return ServerSentEventMessage(
        data=json.dumps(change.ticket, separators=(",", ":")),
        event=change.event_type,
        id=change.seq,
    )


def _reset(end: int) -> ServerSentEventMessage:
    data = {"reason": "Last-Event-ID is beyond the end of the event log", "last_event_id": end}
    return ServerSentEventMessage(data=json.dumps(data), event="reset", id=str(end))


def _resume_point(last_event_id: str | None) -> int | None:
    if last_event_id is None or not last_event_id.strip():
        return None
    text = last_event_id.strip()
    if not text.isdigit():
        raise InvalidInput(
            "Last-Event-ID must be an event id from this stream", details={"field": "Last-Event-ID"}
        )
    return int(text)


async def _missed(api: Api, sub: Subscriber, after: int) -> AsyncIterator[TicketChange]:
    """Changes after ``after`` up to the point the live queue takes over."""
    cursor = after
    while cursor < sub.start:
        changes = await api.feed.changes_after(cursor, limit=BATCH)
        for change in changes:
            if change.seq > sub.start:
                return
            cursor = change.seq
            if in_scope(change, sub.scope):
                yield change
        if len(changes) < BATCH:
            return


Recheck = Callable[[], Awaitable[FeedScope]]


class _Guard:
    """Re-checks the session and scope of an open stream at most every ``every`` seconds."""

    def __init__(self, sub: Subscriber, recheck: Recheck, every: float) -> None:
        self._sub, self._recheck, self._every = sub, recheck, every
        self._checked = time.monotonic()

    async def still_allowed(self) -> bool:
        if time.monotonic() - self._checked < self._every:
            return True
        try:
            self._sub.scope = await self._recheck()
        except RestmanError:
            return False
        self._checked = time.monotonic()
        return True


async def _events(
    api: Api, sub: Subscriber, after: int | None, recheck: Recheck
) -> AsyncIterator[ServerSentEventMessage]:
    """Missed changes first (on resume), then live ones. Every ``recheck_seconds`` the session
    and the scope are checked again: a revoked session or a lost staff membership ends (or
    narrows) the stream instead of leaking tickets until the client reconnects."""
    api.metrics.stream_clients.inc()
    guard = _Guard(sub, recheck, api.recheck_seconds)
    try:
        yield ServerSentEventMessage(data=None, comment="connected", retry=RETRY_MILLISECONDS)
        if after is not None and after > sub.start:
            yield _reset(sub.start)
            after = None
        last = sub.start if after is None else after
        if after is not None:
            async for missed in _missed(api, sub, after):
                api.metrics.stream_events.inc()
                yield _message(missed)
        while True:
            try:
                async with asyncio.timeout(api.heartbeat_seconds):
                    change = await sub.queue.get()
            except TimeoutError:
                if not await guard.still_allowed():
                    return
                yield ServerSentEventMessage(data=None, comment="heartbeat")
                continue
            if change is None or not await guard.still_allowed():
                return
            if change.seq > last and in_scope(change, sub.scope):
                last = change.seq
                api.metrics.stream_events.inc()
                yield _message(change)
    finally:
        api.hub.unsubscribe(sub)
        api.metrics.stream_clients.dec()


@get(
    "/api/kitchen/stream",
    operation_id="kitchenStream",
    summary="Live ticket changes (server-sent events) for the restaurants the caller operates",
    tags=["kitchen"],
    responses=responses(400, 401, 403),
    media_type="text/event-stream",
)
async def kitchen_stream(
    api: Api,
    actor: Caller,
    request: Request[Any, Any, Any],
    restaurant_id: FromQuery[uuid.UUID | None] = None,
    last_event_id: LastEventId = None,
) -> ServerSentEvent:
    after = _resume_point(last_event_id)
    scope = await api.feed.scope(actor, restaurant_id)
    if restaurant_id is not None and scope is not None and not scope:
        # Not a restaurant the caller operates: the same 404 as for a missing one, rather
        # than a stream that stays silent forever.
        raise NotFound("Restaurant not found")
    token = request.state.token

    async def recheck() -> FeedScope:
        session = await api.auth.authenticate(token)
        return await api.feed.scope(session.actor, restaurant_id)

    subscriber = await api.hub.subscribe(scope)
    return ServerSentEvent(_events(api, subscriber, after, recheck))


STREAM_ROUTES = [kitchen_stream]
