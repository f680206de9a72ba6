"""A small, faithful stand-in for the RestMan API's auth and kitchen routes, as a plain ASGI app
served over real HTTP (uvicorn on 127.0.0.1) so the display's httpx client, streaming included,
runs exactly as against the real API.

It keeps the contract's rules: bearer sessions (401 when missing or expired), ticket versions
with compare-and-set (409 CONFLICT when stale or illegal), recall of the last bump, item-level
done flags, all-day counts, the expediter's view, and a server-sent event stream with integer
ids, heartbeats and ``Last-Event-ID`` replay. Tests drive the kitchen through
:meth:`FakeKitchenApi.place_order` and :meth:`FakeKitchenApi.change_elsewhere`, and cut the
stream with :meth:`drop_streams`.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from tests.tui.fake_kitchen import FakeKitchen, Problem

Json = dict[str, Any]
Send = Callable[[Json], Awaitable[None]]
Receive = Callable[[], Awaitable[Json]]

_TICKET = re.compile(r"^/api/kitchen/tickets/([0-9a-f-]+)$")
_STATUS = re.compile(r"^/api/kitchen/tickets/([0-9a-f-]+)/status$")
_RECALL = re.compile(r"^/api/kitchen/tickets/([0-9a-f-]+)/recall$")
_ITEM = re.compile(r"^/api/kitchen/tickets/([0-9a-f-]+)/items/([0-9a-f-]+)$")


class FakeKitchenApi(FakeKitchen):
    """The kitchen state plus its HTTP surface (an ASGI callable)."""

    def __init__(self, clock: Callable[[], datetime], heartbeat: float = 0.5) -> None:
        super().__init__(clock)
        self.heartbeat = heartbeat
        self.refuse_streams = False
        self.stream_connections = 0
        self.last_event_ids: list[str | None] = []
        self._generation = 0
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    # Test controls -------------------------------------------------------------------------

    def publish(self, kind: str, ticket: Json) -> None:
        super().publish(kind, ticket)
        self._wake.set()
        self._wake = asyncio.Event()

    def drop_streams(self, *, refuse: bool) -> None:
        """End every open stream now; with ``refuse``, answer 503 to reconnections until
        :meth:`accept_streams`."""
        self.refuse_streams = refuse
        self._generation += 1
        self._wake.set()
        self._wake = asyncio.Event()

    def accept_streams(self) -> None:
        self.refuse_streams = False

    def close_streams_threadsafe(self) -> None:
        """End every open stream from another thread (the server's loop does the work)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(lambda: self.drop_streams(refuse=True))

    # ASGI ----------------------------------------------------------------------------------

    async def __call__(self, scope: Json, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        self._loop = asyncio.get_running_loop()
        method, path = scope["method"], scope["path"]
        query = {k: v[-1] for k, v in parse_qs(scope["query_string"].decode()).items()}
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        body = await _read_body(receive)
        try:
            if path == "/api/kitchen/stream" and method == "GET":
                self.user_for(headers)
                await self._stream(query, headers, receive, send)
                return
            status, payload = self._route(method, path, query, headers, body)
        except Problem as problem:
            status, payload = problem.status, {"error": problem.code, "message": problem.message}
        await _send_json(send, status, payload)

    def _route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], raw: bytes
    ) -> tuple[int, Any]:
        body = json.loads(raw) if raw else {}
        if (method, path) == ("POST", "/api/auth/request-otp"):
            return 200, self.request_code(str(body.get("email", "")))
        if (method, path) == ("POST", "/api/auth/verify-otp"):
            return 200, self.verify_code(str(body.get("email", "")), str(body.get("code", "")))
        user = self.user_for(headers)
        if (method, path) == ("GET", "/api/auth/me"):
            return 200, user
        if (method, path) == ("GET", "/api/kitchen/tickets"):
            return 200, self.list_tickets(query)
        if (method, path) == ("GET", "/api/kitchen/all-day"):
            return 200, self.all_day(query)
        if (method, path) == ("GET", "/api/kitchen/expo"):
            return 200, self.expo(query)
        return self._ticket_route(method, path, body)

    def _ticket_route(self, method: str, path: str, body: Json) -> tuple[int, Any]:
        if method == "GET" and (match := _TICKET.match(path)):
            return 200, self.ticket(match[1])
        if method == "PATCH" and (match := _STATUS.match(path)):
            return 200, self.move(match[1], str(body.get("status")), body.get("expected_version"))
        if method == "POST" and (match := _RECALL.match(path)):
            return 200, self.recall(match[1], body.get("expected_version"))
        if method == "PATCH" and (match := _ITEM.match(path)):
            done, version = bool(body.get("done")), body.get("expected_version")
            return 200, self.mark_item(match[1], match[2], done, version)
        raise Problem(404, "NOT_FOUND", f"No route {method} {path}")

    async def _stream(
        self, query: dict[str, str], headers: dict[str, str], receive: Receive, send: Send
    ) -> None:
        if self.refuse_streams:
            raise Problem(503, "SERVICE_UNAVAILABLE", "Event stream unavailable")
        last = headers.get("last-event-id")
        self.stream_connections += 1
        self.last_event_ids.append(last)
        cursor = int(last) if last and last.isdigit() else len(self.events)
        restaurant = query.get("restaurant_id")
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream"),
                    (b"cache-control", b"no-cache"),
                ],
            }
        )
        gone = asyncio.Event()
        watcher = asyncio.create_task(_watch_disconnect(receive, gone, self))
        generation = self._generation
        try:
            while not gone.is_set() and generation == self._generation:
                wake = self._wake
                for event_id, kind, ticket in self.events[cursor:]:
                    cursor = event_id
                    if restaurant in (None, ticket["restaurant_id"]):
                        chunk = f"event: {kind}\nid: {event_id}\ndata: {json.dumps(ticket)}\n\n"
                        await _chunk(send, chunk)
                try:
                    await asyncio.wait_for(wake.wait(), self.heartbeat)
                except TimeoutError:
                    await _chunk(send, "event: heartbeat\ndata: {}\n\n")
        finally:
            watcher.cancel()
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    def wake_streams(self) -> None:
        self._wake.set()
        self._wake = asyncio.Event()


async def _watch_disconnect(receive: Receive, gone: asyncio.Event, api: FakeKitchenApi) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            gone.set()
            api.wake_streams()
            return


async def _chunk(send: Send, text: str) -> None:
    await send({"type": "http.response.body", "body": text.encode(), "more_body": True})


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _send_json(send: Send, status: int, payload: Any) -> None:
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
