"""Orders: types, the status machine, items that snapshot name and price, and totals."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from restman_core.domain.modifiers import ChosenModifier
from restman_core.errors import Conflict, InvalidInput

MIN_QUANTITY = 1
MAX_QUANTITY = 100
MAX_LINES = 100


class OrderStatus(StrEnum):
    PLACED = "PLACED"
    ACCEPTED = "ACCEPTED"
    IN_PROGRESS = "IN_PROGRESS"
    READY = "READY"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class OrderType(StrEnum):
    DELIVERY = "delivery"
    TAKEAWAY = "takeaway"
    DINE_IN = "dine_in"


TERMINAL_ORDER_STATUSES = frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED})

_NEXT: dict[OrderStatus, OrderStatus] = {
    OrderStatus.PLACED: OrderStatus.ACCEPTED,
    OrderStatus.ACCEPTED: OrderStatus.IN_PROGRESS,
    OrderStatus.IN_PROGRESS: OrderStatus.READY,
    OrderStatus.READY: OrderStatus.COMPLETED,
}


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    """The original's machine: PLACED→ACCEPTED→IN_PROGRESS→READY→COMPLETED, CANCELLED from any
    non-terminal status. Same-status moves and moves out of a terminal status are illegal."""
    if current in TERMINAL_ORDER_STATUSES:
        return False
    if target is OrderStatus.CANCELLED:
        return True
    return _NEXT.get(current) is target


def check_transition(current: OrderStatus, target: OrderStatus) -> None:
    """Raise :class:`Conflict` naming both statuses when the move is illegal."""
    if not can_transition(current, target):
        raise Conflict(
            f"Invalid status transition from {current} to {target}",
            details={"from": str(current), "to": str(target)},
        )


def parse_order_status(value: object) -> OrderStatus:
    try:
        return OrderStatus(str(value).upper())
    except ValueError as exc:
        raise InvalidInput(
            f"status must be one of {', '.join(OrderStatus)}", details={"field": "status"}
        ) from exc


def parse_order_type(value: object) -> OrderType:
    try:
        return OrderType(str(value).lower())
    except ValueError as exc:
        raise InvalidInput(
            f"order_type must be one of {', '.join(OrderType)}", details={"field": "order_type"}
        ) from exc


def check_quantity(quantity: object, *, line: int) -> int:
    """Quantities are whole numbers in 1..100."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidInput(
            f"items[{line}].quantity must be a whole number", details={"field": "quantity"}
        )
    if not MIN_QUANTITY <= quantity <= MAX_QUANTITY:
        raise InvalidInput(
            f"items[{line}].quantity must be between {MIN_QUANTITY} and {MAX_QUANTITY}",
            details={"field": "quantity", "line": line},
        )
    return quantity


@dataclass(frozen=True, slots=True)
class OrderItem:
    id: uuid.UUID
    order_id: uuid.UUID
    food_id: uuid.UUID
    food_name: str
    food_description: str | None
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    notes: str | None
    station: str
    created_at: datetime
    modifiers: tuple[ChosenModifier, ...] = ()
    allergy_note: str | None = None
    # 0 when placed with the order; 1, 2, ... for each later addition.
    batch: int = 0
    # A voided item stays on the order, shown VOID, and no longer counts in the total.
    voided: bool = False
    # 1 starters, 2 mains, 3 desserts (see restman_core.domain.courses).
    course: int = 2
    # The food's prep time when ordered (None: the menu gave none).
    prep_time_seconds: int | None = None
    tax_rate: Decimal | None = None
    """The rate snapshot at placement; None on items placed before rates were per food."""


@dataclass(frozen=True, slots=True)
class StatusChange:
    status: OrderStatus
    changed_at: datetime
    actor_id: uuid.UUID | None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Order:
    id: uuid.UUID
    user_id: uuid.UUID
    restaurant_id: uuid.UUID
    status: OrderStatus
    order_type: OrderType
    table: str | None
    total_amount: Decimal
    delivery_address: str | None
    special_instructions: str | None
    created_at: datetime
    updated_at: datetime
    items: tuple[OrderItem, ...] = ()
    history: tuple[StatusChange, ...] = ()
    # When the kitchen expects it ready (see restman_core.domain.quotes); None: not quoted.
    quoted_ready_at: datetime | None = None
    # When the customer picks it up, for an order scheduled ahead (or moved to a later slot by
    # a paced kitchen); None: as soon as possible.
    pickup_at: datetime | None = None
    # The pacing slot the order's prep load is counted in, and that load in seconds (None and
    # 0 when its restaurant had no pacing): a cancellation gives the load back to that slot.
    paced_slot: datetime | None = None
    paced_load: int = 0

    @property
    def number(self) -> str:
        """The short order number cooks and customers read out: the id's first six hex digits."""
        return self.id.hex[:6].upper()


def order_total(items: tuple[OrderItem, ...]) -> Decimal:
    """What the order costs: the subtotals of its items not voided (exact, two places)."""
    return sum((i.subtotal for i in items if not i.voided), Decimal("0.00"))


def line_subtotal(unit_price: Decimal, quantity: int) -> Decimal:
    """Price × quantity; exact, already two places because prices have two."""
    return unit_price * quantity
