"""Following the kitchen event stream (server-sent events) without ever losing a ticket.

:class:`TicketFeed` connects, resumes with ``Last-Event-ID``, and after every (re)connection asks
its owner to resynchronise from the list endpoint: events the server could no longer replay
are then still reflected on the board. Connection loss is reported, then retried with capped
exponential backoff and jitter. Only a 401 ends the feed (the cook must sign in again).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from restman_tui.client import ApiError, KitchenClient
from restman_tui.tickets import Ticket


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One server-sent event: its id (if any), type and data."""

    event: str
    data: str
    id: str | None = None


@dataclass
class SseParser:
    """Incremental parser of the ``text/event-stream`` format, one line at a time."""

    _event: str = ""
    _data: list[str] = field(default_factory=list)
    _id: str | None = None

    def feed(self, line: str) -> StreamEvent | None:
        """Consume one line; returns an event when a blank line completes one."""
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None  # a comment, often used as a keep-alive
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self._id = value
        return None

    def _dispatch(self) -> StreamEvent | None:
        event = StreamEvent(self._event or "message", "\n".join(self._data), self._id)
        had_data = bool(self._data) or bool(self._event)
        self._event, self._data, self._id = "", [], None
        return event if had_data else None


#: After the API comes back, the board is live again within this many seconds: the longest
#: wait between two attempts (``Backoff().cap`` plus its jitter) leaves room to connect.
RECONNECT_WITHIN = 3.0


@dataclass(frozen=True, slots=True)
class Backoff:
    """Reconnection delays: ``first`` doubling up to ``cap`` seconds, with up to 20% jitter so
    terminals restarted together do not reconnect in lockstep. The default cap (2 s, at most
    2.4 s with jitter) keeps a kitchen within :data:`RECONNECT_WITHIN` of a restarted API; one
    attempt every 2 s per terminal is no load for the API."""

    first: float = 0.5
    cap: float = 2.0

    def delay(self, attempt: int) -> float:
        base = min(self.cap, self.first * (2 ** max(0, attempt)))
        return float(base * (1 + random.uniform(0, 0.2)))


TicketHandler = Callable[[str, Ticket], None]
Notifier = Callable[[bool, str], None]


class TicketFeed:
    """Follows ``/api/kitchen/stream`` for one restaurant until cancelled or unauthorised.

    ``on_ticket(kind, ticket)`` gets each ``ticket.created``/``ticket.updated`` event;
    ``on_connection(online, reason)`` hears about losses and recoveries; ``resync()`` is awaited
    right after each successful connection (events arriving during it are newer than its list).
    """

    def __init__(
        self,
        client: KitchenClient,
        restaurant_id: str | None,
        *,
        on_ticket: TicketHandler,
        on_connection: Notifier,
        resync: Callable[[], Awaitable[None]],
        backoff: Backoff | None = None,
        idle_timeout: float = 45.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self._restaurant_id = restaurant_id
        self._on_ticket = on_ticket
        self._on_connection = on_connection
        self._resync = resync
        self._backoff = backoff or Backoff()
        self._idle_timeout = idle_timeout
        self._sleep = sleep
        self.last_event_id: str | None = None
        self.online: bool | None = None

    async def run(self) -> None:
        """Follow the stream forever; returns only by raising ApiError on a 401."""
        failures = 0
        while True:
            try:
                async with self._client.open_stream(
                    self._restaurant_id, self.last_event_id, self._idle_timeout
                ) as lines:
                    failures = 0
                    self._set_online(True, "connected")
                    await self._resync()
                    await self._consume(lines)
                reason = "the API closed the event stream"
            except ApiError as exc:
                if exc.unauthorized:
                    self._set_online(False, exc.message)
                    raise
                reason = exc.message or exc.code
            self._set_online(False, reason)
            await self._sleep(self._backoff.delay(failures))
            failures += 1

    async def _consume(self, lines: AsyncIterator[str]) -> None:
        parser = SseParser()
        async for line in lines:
            event = parser.feed(line.rstrip("\r"))
            if event is None:
                continue
            if event.id is not None:
                self.last_event_id = event.id
            if event.event == "reset":
                # The API could not resume from our id (it is past the log's end, e.g. after a
                # restore): it restarts from its end, and the board must be reloaded whole.
                self._on_connection(True, "the event stream restarted; reloading the board")
                await self._resync()
                continue
            if event.event.startswith("ticket."):
                ticket = _ticket_of(event)
                if ticket is not None:
                    self._on_ticket(event.event, ticket)

    def _set_online(self, online: bool, reason: str) -> None:
        if online != self.online:
            self.online = online
            self._on_connection(online, reason)


def _ticket_of(event: StreamEvent) -> Ticket | None:
    """The ticket an event carries (``data`` is the ticket, or an envelope holding it under
    ``ticket``); None for an event we cannot read, which the next resync makes good."""
    try:
        data = json.loads(event.data)
        if isinstance(data, dict) and isinstance(data.get("ticket"), dict):
            data = data["ticket"]
        return Ticket.from_json(data)
    except (ValueError, KeyError, TypeError):
        return None
