"""Kitchen tickets as the display sees them: parsed from the API's JSON, immutable.

The shapes follow the API's ticket view (``GET /api/kitchen/tickets``); this module knows only
the JSON, never the server's code, because a kitchen terminal is a separate machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: Board columns in kitchen order; DELIVERED_TO_SERVICE and CANCELLED leave the board.
COLUMNS: tuple[str, ...] = ("NEW", "ACCEPTED", "IN_PROGRESS", "READY")
COLUMN_TITLES: dict[str, str] = {
    "NEW": "NEW",
    "ACCEPTED": "ACCEPTED",
    "IN_PROGRESS": "IN PROGRESS",
    "READY": "READY",
}
DELIVERED = "DELIVERED_TO_SERVICE"
_NEXT: dict[str, str] = {
    "NEW": "ACCEPTED",
    "ACCEPTED": "IN_PROGRESS",
    "IN_PROGRESS": "READY",
    "READY": DELIVERED,
}


def next_status(status: str) -> str | None:
    """Where a bump takes a ticket in ``status``; None once it has left the board."""
    return _NEXT.get(status)


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 timestamp (``Z`` or offset) as an aware UTC datetime; None stays None."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Modifier:
    """A modifier the line took (``Large``, ``No onions``), as frozen when the order was placed."""

    name: str
    quantity: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Modifier:
        return cls(name=str(data.get("name", "")), quantity=int(data.get("quantity", 1)))

    @property
    def label(self) -> str:
        """``+ Extra cheese``, ``− No onions`` (a "no ..."/"without ..." option removes
        something), ``+ 2× Shot``: the sign is text, so it reads without colour."""
        removal = self.name.lower().startswith(("no ", "without "))
        count = f"{self.quantity}× " if self.quantity > 1 else ""
        return f"{'−' if removal else '+'} {count}{self.name}"


@dataclass(frozen=True, slots=True)
class TicketItem:
    """One line of a ticket: what to cook, how many, its modifiers and allergy note, and
    whether it is done."""

    id: str
    food_id: str
    food_name: str
    quantity: int
    notes: str | None
    done: bool
    modifiers: tuple[Modifier, ...] = ()
    allergy_note: str | None = None
    voided: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TicketItem:
        return cls(
            id=str(data["id"]),
            food_id=str(data.get("food_id", "")),
            food_name=str(data.get("food_name", "")),
            quantity=int(data.get("quantity", 1)),
            notes=data.get("notes") or None,
            done=bool(data.get("done", False)),
            modifiers=tuple(Modifier.from_json(m) for m in data.get("modifiers") or ()),
            allergy_note=data.get("allergy_note") or None,
            voided=bool(data.get("voided", False)),
        )


@dataclass(frozen=True, slots=True)
class Ticket:
    """A kitchen ticket at one version. ``version`` grows with every change on the server, so
    the newer of two copies is always the one with the larger version."""

    id: str
    order_id: str
    order_number: str
    restaurant_id: str
    station: str
    status: str
    version: int
    order_type: str
    table: str | None
    items: tuple[TicketItem, ...]
    special_instructions: str | None
    can_recall: bool
    created_at: datetime
    updated_at: datetime
    allergy_notes: tuple[str, ...] = ()
    # Courses and fire times (absent from APIs that predate them: a plain ticket).
    course: int = 2
    held: bool = False
    fire_at: datetime | None = None
    is_addition: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Ticket:
        """Parse the API's ticket view; raises KeyError/ValueError on a malformed one."""
        created = parse_time(data["created_at"])
        assert created is not None
        updated = parse_time(data.get("updated_at")) or created
        items = tuple(TicketItem.from_json(i) for i in data.get("items") or ())
        # A server that sends no ticket-level list still gets its items' notes shown.
        notes = data.get("allergy_notes")
        if notes is None:
            notes = [
                f"{i.quantity}x {i.food_name}: {i.allergy_note}" for i in items if i.allergy_note
            ]
        return cls(
            id=str(data["id"]),
            order_id=str(data.get("order_id", "")),
            order_number=str(data.get("order_number") or str(data.get("order_id", ""))[:6]),
            restaurant_id=str(data.get("restaurant_id", "")),
            station=str(data.get("station") or "kitchen"),
            status=str(data["status"]).upper(),
            version=int(data["version"]),
            order_type=str(data.get("order_type") or ""),
            table=data.get("table") or None,
            items=items,
            special_instructions=data.get("special_instructions") or None,
            can_recall=bool(data.get("can_recall", False)),
            created_at=created,
            updated_at=updated,
            allergy_notes=tuple(str(n) for n in notes),
            course=int(data.get("course") or 2),
            held=bool(data.get("held", False)),
            fire_at=parse_time(data.get("fire_at")),
            is_addition=bool(data.get("is_addition", False)),
        )

    @property
    def on_board(self) -> bool:
        """Whether the ticket still belongs on one of the board's columns."""
        return self.status in COLUMNS

    def item(self, item_id: str) -> TicketItem | None:
        return next((i for i in self.items if i.id == item_id), None)


@dataclass(frozen=True, slots=True)
class AllDayLine:
    """Open quantity of one food at one station (the all-day count)."""

    food_id: str
    food_name: str
    station: str
    quantity: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AllDayLine:
        return cls(
            food_id=str(data.get("food_id", "")),
            food_name=str(data.get("food_name", "")),
            station=str(data.get("station") or ""),
            quantity=int(data.get("quantity", 0)),
        )
