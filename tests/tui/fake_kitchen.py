"""The state behind the fake API: users and sign-in codes, tickets with versions, and the
ordered event log the stream replays. Rules follow the API contract (see fake_api.py)."""

from __future__ import annotations

import copy
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

Json = dict[str, Any]
_NEXT = {"NEW": "ACCEPTED", "ACCEPTED": "IN_PROGRESS", "IN_PROGRESS": "READY", "READY": None}
_OPEN = ("NEW", "ACCEPTED", "IN_PROGRESS", "READY")
_COOKING = ("NEW", "ACCEPTED", "IN_PROGRESS")


class Problem(Exception):
    """An API error answer: status, code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _uuid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"restman-test:{name}"))


class FakeKitchen:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.restaurant_id = _uuid("restaurant")
        self.codes: dict[str, str] = {}
        self.sessions: dict[str, str] = {}
        self.tickets: dict[str, Json] = {}
        self._recall: dict[str, str] = {}
        self.events: list[tuple[int, str, Json]] = []
        self._orders = 0

    # Auth ----------------------------------------------------------------------------------

    def request_code(self, email: str) -> Json:
        if "@" not in email:
            raise Problem(400, "VALIDATION_ERROR", "email is not valid")
        self.codes[email] = f"{secrets.randbelow(10**6):06d}"
        return {"message": "OTP sent to your email"}

    def verify_code(self, email: str, code: str) -> Json:
        if not code or self.codes.get(email) != code:
            raise Problem(401, "UNAUTHORIZED", "Invalid or expired code")
        del self.codes[email]
        token = self.issue_token(email)
        return {
            "token": token,
            "session_token": token,
            "user_id": _uuid(email),
            "email": email,
            "role": "kitch",
            "expires_at": "2030-01-01T00:00:00Z",
        }

    def issue_token(self, email: str) -> str:
        token = secrets.token_urlsafe(16)
        self.sessions[token] = email
        return token

    def expire_sessions(self) -> None:
        self.sessions.clear()

    def user_for(self, headers: dict[str, str]) -> Json:
        token = headers.get("authorization", "").removeprefix("Bearer ")
        email = self.sessions.get(token)
        if email is None:
            raise Problem(401, "UNAUTHORIZED", "Session expired or invalid")
        return {
            "id": _uuid(email),
            "email": email,
            "role": "kitch",
            "is_active": True,
            "restaurants": [self.restaurant_id],
        }

    # Kitchen -------------------------------------------------------------------------------

    def publish(self, kind: str, ticket: Json) -> None:
        self.events.append((len(self.events) + 1, kind, copy.deepcopy(ticket)))

    def place_order(
        self,
        items: list[tuple[str, int, str | None, str]],
        *,
        order_type: str = "dine_in",
        table: str | None = None,
        special: str | None = None,
        at: datetime | None = None,
    ) -> list[Json]:
        """Open one ticket per station of ``items`` (name, quantity, notes, station) and
        publish ``ticket.created`` for each, as the API does when an order is placed."""
        self._orders += 1
        order_id = _uuid(f"order-{self._orders}")
        moment = _stamp(at or self.clock())
        opened = []
        for station in dict.fromkeys(station for *_, station in items):
            ticket_id = _uuid(f"ticket-{self._orders}-{station}")
            ticket = {
                "id": ticket_id,
                "order_id": order_id,
                "order_number": uuid.UUID(order_id).hex[:6].upper(),
                "restaurant_id": self.restaurant_id,
                "user_id": _uuid("customer"),
                "station": station,
                "status": "NEW",
                "version": 1,
                "order_type": order_type,
                "table": table,
                "items": [
                    {
                        "id": _uuid(f"item-{ticket_id}-{n}"),
                        "order_item_id": _uuid(f"order-item-{ticket_id}-{n}"),
                        "food_id": _uuid(f"food-{name}"),
                        "food_name": name,
                        "quantity": quantity,
                        "notes": notes,
                        "done": False,
                    }
                    for n, (name, quantity, notes, s) in enumerate(items)
                    if s == station
                ],
                "special_instructions": special,
                "can_recall": False,
                "created_at": moment,
                "updated_at": moment,
                "ready_at": None,
            }
            self.tickets[ticket_id] = ticket
            self.publish("ticket.created", ticket)
            opened.append(copy.deepcopy(ticket))
        return opened

    def ticket(self, ticket_id: str) -> Json:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            raise Problem(404, "NOT_FOUND", "Kitchen ticket not found")
        return copy.deepcopy(ticket)

    def list_tickets(self, query: dict[str, str]) -> list[Json]:
        statuses = set(query["status"].upper().split(",")) if query.get("status") else None
        found = [
            t
            for t in self.tickets.values()
            if (statuses is None or t["status"] in statuses)
            and query.get("station") in (None, t["station"])
            and query.get("restaurant_id") in (None, t["restaurant_id"])
        ]
        found.sort(key=lambda t: (t["created_at"], t["id"]))
        return copy.deepcopy(found[: int(query.get("limit", "50"))])

    def _save(self, ticket: Json, expected: object, **changes: Any) -> Json:
        if expected is not None and expected != ticket["version"]:
            raise Problem(409, "CONFLICT", "Ticket changed meanwhile; reload it")
        ticket.update(changes, version=ticket["version"] + 1, updated_at=_stamp(self.clock()))
        ticket["can_recall"] = ticket["id"] in self._recall
        self.publish("ticket.updated", ticket)
        return copy.deepcopy(ticket)

    def move(self, ticket_id: str, target: str, expected: object) -> Json:
        ticket = self.tickets.get(ticket_id) or self.ticket(ticket_id)
        current = ticket["status"]
        legal = current in _OPEN and (target == "DELIVERED_TO_SERVICE" or _NEXT[current] == target)
        if not legal:
            if expected is not None and expected != ticket["version"]:
                raise Problem(409, "CONFLICT", "Ticket changed meanwhile; reload it")
            raise Problem(409, "CONFLICT", f"Invalid ticket transition from {current} to {target}")
        if expected is not None and expected != ticket["version"]:
            raise Problem(409, "CONFLICT", "Ticket changed meanwhile; reload it")
        self._recall[ticket_id] = current
        return self._save(ticket, expected, status=target)

    def recall(self, ticket_id: str, expected: object) -> Json:
        ticket = self.tickets.get(ticket_id) or self.ticket(ticket_id)
        if expected is not None and expected != ticket["version"]:
            raise Problem(409, "CONFLICT", "Ticket changed meanwhile; reload it")
        back = self._recall.pop(ticket_id, None)
        if back is None or ticket["status"] == "CANCELLED":
            raise Problem(409, "CONFLICT", "Nothing to recall on this ticket")
        return self._save(ticket, expected, status=back)

    def mark_item(self, ticket_id: str, item_id: str, done: bool, expected: object) -> Json:
        ticket = self.tickets.get(ticket_id) or self.ticket(ticket_id)
        if ticket["status"] not in _OPEN:
            raise Problem(409, "CONFLICT", f"Ticket is {ticket['status']}")
        if not any(item["id"] == item_id for item in ticket["items"]):
            raise Problem(400, "VALIDATION_ERROR", "item does not belong to this ticket")
        if expected is not None and expected != ticket["version"]:
            raise Problem(409, "CONFLICT", "Ticket changed meanwhile; reload it")
        items = [dict(i, done=done) if i["id"] == item_id else i for i in ticket["items"]]
        return self._save(ticket, expected, items=items)

    def change_elsewhere(self, ticket_id: str) -> Json:
        """Another terminal bumps the ticket (with the right version)."""
        ticket = self.tickets[ticket_id]
        return self.move(ticket_id, _NEXT[ticket["status"]] or "", ticket["version"])

    def all_day(self, query: dict[str, str]) -> list[Json]:
        totals: dict[tuple[str, str], Json] = {}
        for ticket in self.tickets.values():
            if ticket["status"] not in _COOKING or query.get("station") not in (
                None,
                ticket["station"],
            ):
                continue
            for item in ticket["items"]:
                if item["done"]:
                    continue
                line = totals.setdefault(
                    (item["food_id"], ticket["station"]),
                    {
                        "food_id": item["food_id"],
                        "food_name": item["food_name"],
                        "station": ticket["station"],
                        "quantity": 0,
                    },
                )
                line["quantity"] += item["quantity"]
        return sorted(totals.values(), key=lambda line: (-line["quantity"], line["food_name"]))

    def expo(self, query: dict[str, str]) -> list[Json]:
        """The expediter's view: every order with an open ticket, oldest first, with all its
        tickets; ready to send once every fired ticket is READY or delivered and one is READY."""
        orders: dict[str, list[Json]] = {}
        for ticket in sorted(self.tickets.values(), key=lambda t: (t["created_at"], t["id"])):
            if query.get("restaurant_id") in (None, ticket["restaurant_id"]):
                orders.setdefault(ticket["order_id"], []).append(ticket)
        rows = []
        for order_id, tickets in orders.items():
            if not any(t["status"] in _OPEN for t in tickets):
                continue
            fired = [t for t in tickets if not t.get("held") and t["status"] != "CANCELLED"]
            done = ("READY", "DELIVERED_TO_SERVICE")
            ready = all(t["status"] in done for t in fired) and any(
                t["status"] == "READY" for t in fired
            )
            rows.append(
                {
                    "order": {"id": order_id, "status": "IN_PROGRESS"},
                    "order_number": tickets[0]["order_number"],
                    "table": tickets[0]["table"],
                    "ready_for_expo": ready,
                    "tickets": copy.deepcopy(tickets),
                }
            )
        return rows
