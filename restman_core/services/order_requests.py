"""Parsing and checking an order request before anything is read from storage."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from restman_core.domain.ids import parse_id
from restman_core.domain.menus import clean_text
from restman_core.domain.modifiers import (
    MAX_GROUPS_PER_FOOD,
    MAX_MODIFIER_QUANTITY,
    MAX_OPTIONS_PER_GROUP,
    ModifierRequest,
)
from restman_core.domain.orders import MAX_LINES, OrderType, check_quantity, parse_order_type
from restman_core.errors import InvalidInput

MAX_TABLE = 20
MAX_IDEMPOTENCY_KEY = 255
MAX_ALLERGY_NOTE = 300
# No line can sensibly pick more options than its groups could offer.
MAX_MODIFIERS_PER_LINE = MAX_GROUPS_PER_FOOD * MAX_OPTIONS_PER_GROUP


@dataclass(frozen=True, slots=True)
class OrderLine:
    food_id: uuid.UUID
    quantity: int
    notes: str | None
    modifiers: tuple[ModifierRequest, ...] = ()
    allergy_note: str | None = None


@dataclass(frozen=True, slots=True)
class OrderRequest:
    restaurant_id: uuid.UUID
    lines: tuple[OrderLine, ...]
    order_type: OrderType
    table: str | None
    delivery_address: str | None
    special_instructions: str | None
    # A scheduled pickup (aware UTC); None: as soon as possible.
    pickup_at: datetime | None = None
    # Whether a paced kitchen may move the order to the first later slot with room.
    accept_later: bool = False

    def fingerprint(self) -> str:
        """A digest of the request's meaning, for idempotency: the same key with the same
        order replays, with another order conflicts."""
        canonical: dict[str, Any] = {
            "restaurant_id": str(self.restaurant_id),
            "lines": [_line_key(x) for x in self.lines],
            "order_type": str(self.order_type),
            "table": self.table,
            "delivery_address": self.delivery_address,
            "special_instructions": self.special_instructions,
        }
        # Only when given: requests without them keep the digest they always had.
        if self.pickup_at is not None:
            canonical["pickup_at"] = self.pickup_at.isoformat()
        if self.accept_later:
            canonical["accept_later"] = True
        return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _line_key(line: OrderLine) -> list[Any]:
    """A line's part of the fingerprint; lines without the newer fields keep the exact digest
    they always had, so idempotency records written before still replay."""
    key: list[Any] = [str(line.food_id), line.quantity, line.notes]
    if line.modifiers or line.allergy_note:
        key.append([[str(m.option_id), m.quantity] for m in line.modifiers])
        key.append(line.allergy_note)
    return key


def _parse_modifiers(raw: object, position: int) -> tuple[ModifierRequest, ...]:
    where = f"items[{position}].modifiers"
    if raw is None:
        return ()
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise InvalidInput(f"{where} must be a list", details={"field": "modifiers"})
    if len(raw) > MAX_MODIFIERS_PER_LINE:
        raise InvalidInput(f"{where} lists too many options", details={"field": "modifiers"})
    chosen = []
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping) or "option_id" not in item:
            raise InvalidInput(
                f"{where}[{index}] must be an object with option_id",
                details={"field": "modifiers"},
            )
        quantity = item.get("quantity", 1)
        if (
            isinstance(quantity, bool)
            or not isinstance(quantity, int)
            or not 1 <= quantity <= MAX_MODIFIER_QUANTITY
        ):
            raise InvalidInput(
                f"{where}[{index}].quantity must be a whole number between 1 and "
                f"{MAX_MODIFIER_QUANTITY}",
                details={"field": "modifiers"},
            )
        chosen.append(
            ModifierRequest(
                option_id=parse_id(item["option_id"], what=f"{where}[{index}].option_id"),
                quantity=quantity,
            )
        )
    return tuple(chosen)


def _parse_line(raw: object, position: int) -> OrderLine:
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"items[{position}] must be an object", details={"field": "items"})
    if "food_id" not in raw:
        raise InvalidInput(f"items[{position}].food_id is required", details={"field": "food_id"})
    return OrderLine(
        food_id=parse_id(raw["food_id"], what=f"items[{position}].food_id"),
        quantity=check_quantity(raw.get("quantity"), line=position),
        notes=clean_text(
            raw.get("notes"), field=f"items[{position}].notes", limit=500, multiline=True
        ),
        modifiers=_parse_modifiers(raw.get("modifiers"), position),
        allergy_note=clean_text(
            raw.get("allergy_note"),
            field=f"items[{position}].allergy_note",
            limit=MAX_ALLERGY_NOTE,
        ),
    )


def parse_lines(raw_items: object) -> tuple[OrderLine, ...]:
    """The ``items`` of a request: 1..100 lines, each a food id and a quantity in 1..100."""
    if not isinstance(raw_items, Sequence) or isinstance(raw_items, str) or not raw_items:
        raise InvalidInput("items must list at least one item", details={"field": "items"})
    if len(raw_items) > MAX_LINES:
        raise InvalidInput(f"an order has at most {MAX_LINES} lines", details={"field": "items"})
    return tuple(_parse_line(raw, i) for i, raw in enumerate(raw_items))


def lines_fingerprint(scope: str, lines: Sequence[OrderLine]) -> str:
    """A digest of ``scope`` and the lines, for idempotency of requests made only of lines."""
    canonical = [scope, [_line_key(x) for x in lines]]
    return hashlib.sha256(json.dumps(canonical).encode()).hexdigest()


def parse_order_request(fields: Mapping[str, Any]) -> OrderRequest:
    """Validate the request body's meaning (types are the front end's job): restaurant id,
    1..100 lines each with a food id and a quantity in 1..100, order type, table for dine-in,
    an optional ``pickup_at`` with its offset and an optional ``accept_later`` flag."""
    if "restaurant_id" not in fields:
        raise InvalidInput("restaurant_id is required", details={"field": "restaurant_id"})
    lines = parse_lines(fields.get("items"))
    order_type = parse_order_type(fields.get("order_type") or OrderType.DELIVERY)
    table = clean_text(fields.get("table"), field="table", limit=MAX_TABLE)
    if order_type is OrderType.DINE_IN and table is None:
        raise InvalidInput("table is required for dine_in orders", details={"field": "table"})
    return OrderRequest(
        restaurant_id=parse_id(fields["restaurant_id"], what="restaurant_id"),
        lines=lines,
        order_type=order_type,
        table=table if order_type is OrderType.DINE_IN else None,
        delivery_address=clean_text(
            fields.get("delivery_address"), field="delivery_address", multiline=True
        ),
        special_instructions=clean_text(
            fields.get("special_instructions"), field="special_instructions", multiline=True
        ),
        pickup_at=parse_pickup_at(fields.get("pickup_at")),
        accept_later=_accept_later(fields.get("accept_later")),
    )


def parse_pickup_at(value: object) -> datetime | None:
    """``pickup_at`` as aware UTC: an ISO 8601 date and time with its offset (``Z`` or
    ``+02:00``); null or absent is None (as soon as possible). Whether it is ahead of now is
    checked against the clock when the order is placed."""
    if value is None:
        return None
    moment: datetime | None = value if isinstance(value, datetime) else None
    if isinstance(value, str) and len(value) <= 64:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(
            "pickup_at must be an ISO 8601 date and time with its offset, "
            "like 2026-12-07T19:30:00+01:00",
            details={"field": "pickup_at"},
        )
    return moment.astimezone(UTC)


def _accept_later(value: object) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidInput("accept_later must be true or false", details={"field": "accept_later"})
    return value


def check_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY:
        raise InvalidInput(
            f"Idempotency-Key must be 1..{MAX_IDEMPOTENCY_KEY} characters",
            details={"field": "Idempotency-Key"},
        )
    return key
