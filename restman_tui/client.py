"""The kitchen display's HTTP client for the RestMan API (httpx, async).

Every failure surfaces as :class:`ApiError` with the API's error code and message, including
network failures (code ``UNAVAILABLE``, status 0), so the app can show a notification instead of
a traceback. Every change sends the ticket's version (``expected_version``): a stale one is a
409 ``CONFLICT`` and nothing is overwritten.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import httpx

from restman_tui.tickets import COLUMNS, AllDayLine, Ticket

T = TypeVar("T")


class ApiError(Exception):
    """An API call that did not succeed. ``status`` is the HTTP status (0: no answer)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    @property
    def unauthorized(self) -> bool:
        """The session is missing, expired or revoked: the cook must sign in again."""
        return self.status == 401

    @property
    def conflict(self) -> bool:
        """Someone else changed the ticket first."""
        return self.status == 409


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A verified sign-in: the session token and who it belongs to."""

    token: str
    email: str
    role: str
    expires_at: str | None


def _error_from(response: httpx.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "error" in body:
        return ApiError(response.status_code, str(body["error"]), str(body.get("message", "")))
    return ApiError(response.status_code, f"HTTP_{response.status_code}", response.reason_phrase)


def _parsed(status: int, parse: Callable[[], T]) -> T:
    """Parse an answer; a malformed one is an ApiError, never a crash of the display."""
    try:
        return parse()
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise ApiError(
            status, "BAD_RESPONSE", "The API sent an answer the display cannot read"
        ) from exc


def _tickets(rows: Any) -> list[Ticket]:
    return [Ticket.from_json(row) for row in rows]


class KitchenClient:
    """One API base URL and (once signed in) one session token."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._http = httpx.AsyncClient(base_url=self.base_url, transport=transport, timeout=timeout)

    async def aclose(self) -> None:
        await self._http.aclose()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        try:
            response = await self._http.request(
                method, path, json=json, params=params, headers=self._headers()
            )
        except httpx.HTTPError as exc:
            raise ApiError(0, "UNAVAILABLE", f"Cannot reach the API at {self.base_url}") from exc
        if response.is_error:
            raise _error_from(response)
        try:
            return response.json()
        except ValueError as exc:
            raise ApiError(response.status_code, "BAD_RESPONSE", "The API sent no JSON") from exc

    # Sign-in -------------------------------------------------------------------------------

    async def request_code(self, email: str) -> None:
        """Ask the API to mail a sign-in code to ``email``."""
        await self._call("POST", "/api/auth/request-otp", json={"email": email})

    async def verify_code(self, email: str, code: str) -> SignedIn:
        """Exchange the mailed code for a session token, which this client then uses."""
        body = await self._call("POST", "/api/auth/verify-otp", json={"email": email, "code": code})
        signed_in = _parsed(
            200,
            lambda: SignedIn(
                token=str(body["token"]),
                email=str(body.get("email", email)),
                role=str(body.get("role", "")),
                expires_at=body.get("expires_at"),
            ),
        )
        self.token = signed_in.token
        return signed_in

    async def me(self) -> dict[str, Any]:
        """The signed-in user (``id, email, role, is_active, restaurants``)."""
        body = await self._call("GET", "/api/auth/me")
        return _parsed(200, lambda: dict(body))

    # Tickets -------------------------------------------------------------------------------

    async def open_tickets(
        self,
        restaurant_id: str | None,
        station: str | None = None,
        statuses: Iterable[str] = COLUMNS,
    ) -> list[Ticket]:
        """Every ticket on the board's columns, oldest first (one request per status, each up
        to the API's page maximum, so closed tickets never crowd open ones out)."""
        tickets: list[Ticket] = []
        for status in statuses:
            params = {"status": status, "limit": "200"}
            if restaurant_id:
                params["restaurant_id"] = restaurant_id
            if station:
                params["station"] = station
            rows = await self._call("GET", "/api/kitchen/tickets", params=params)
            tickets.extend(_parsed(200, partial(_tickets, rows)))
        return sorted(tickets, key=lambda t: (t.created_at, t.id))

    async def expo(self, restaurant_id: str | None) -> list[dict[str, Any]]:
        """The expediter's board (``GET /api/kitchen/expo``) as the API answers it."""
        params = {"restaurant_id": restaurant_id} if restaurant_id else None
        rows = await self._call("GET", "/api/kitchen/expo", params=params)
        return _parsed(200, lambda: [dict(row) for row in rows])

    async def deliver(self, order_id: str) -> dict[str, Any]:
        """The expo bump of one order; a ticket not READY is a 409 ``CONFLICT``."""
        body = await self._call("POST", f"/api/kitchen/orders/{order_id}/deliver")
        return _parsed(200, lambda: dict(body))

    async def ticket(self, ticket_id: str) -> Ticket:
        body = await self._call("GET", f"/api/kitchen/tickets/{ticket_id}")
        return _parsed(200, lambda: Ticket.from_json(body))

    async def move(self, ticket: Ticket, status: str) -> Ticket:
        """Bump ``ticket`` to ``status`` if it is still at the version we saw."""
        body = await self._call(
            "PATCH",
            f"/api/kitchen/tickets/{ticket.id}/status",
            json={"status": status, "expected_version": ticket.version},
        )
        return _parsed(200, lambda: Ticket.from_json(body))

    async def recall(self, ticket: Ticket) -> Ticket:
        """Undo the last bump of ``ticket`` if it is still at the version we saw."""
        body = await self._call(
            "POST",
            f"/api/kitchen/tickets/{ticket.id}/recall",
            json={"expected_version": ticket.version},
        )
        return _parsed(200, lambda: Ticket.from_json(body))

    async def mark_item(self, ticket: Ticket, item_id: str, done: bool) -> Ticket:
        """Mark one item of ``ticket`` done (or not) if the ticket is still at our version."""
        body = await self._call(
            "PATCH",
            f"/api/kitchen/tickets/{ticket.id}/items/{item_id}",
            json={"done": done, "expected_version": ticket.version},
        )
        return _parsed(200, lambda: Ticket.from_json(body))

    async def all_day(self, restaurant_id: str | None, station: str | None) -> list[AllDayLine]:
        """Open quantity per food (all-day counts), largest first."""
        params = {k: v for k, v in (("restaurant_id", restaurant_id), ("station", station)) if v}
        rows = await self._call("GET", "/api/kitchen/all-day", params=params)
        return _parsed(200, lambda: [AllDayLine.from_json(row) for row in rows])

    # Stream --------------------------------------------------------------------------------

    @asynccontextmanager
    async def open_stream(
        self, restaurant_id: str | None, last_event_id: str | None, idle_timeout: float
    ) -> AsyncIterator[AsyncIterator[str]]:
        """Connect to the kitchen event stream and yield its lines. Raises ApiError when the
        API refuses (401 included) or cannot be reached; a read idle for ``idle_timeout``
        seconds (no event, no heartbeat) ends the stream with ApiError as well."""
        headers = {**self._headers(), "Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        params = {"restaurant_id": restaurant_id} if restaurant_id else {}
        timeout = httpx.Timeout(10.0, read=idle_timeout)
        try:
            async with self._http.stream(
                "GET", "/api/kitchen/stream", params=params, headers=headers, timeout=timeout
            ) as response:
                if response.is_error:
                    await response.aread()
                    raise _error_from(response)
                yield _lines(response, self.base_url)
        except (httpx.HTTPError, httpx.StreamError) as exc:
            raise ApiError(0, "UNAVAILABLE", f"Lost the event stream from {self.base_url}") from exc


async def _lines(response: httpx.Response, base_url: str) -> AsyncIterator[str]:
    try:
        async for line in response.aiter_lines():
            yield line
    except (httpx.HTTPError, httpx.StreamError) as exc:
        raise ApiError(0, "UNAVAILABLE", f"Lost the event stream from {base_url}") from exc
