"""Analytics facts beyond orders, items and bills: an item voided, the quote the kitchen met
or missed, and the modifier options an item took.

All are immutable facts (written once per key; a redelivered event adds nothing):

- a :class:`VoidedItemFact` is one item voided after placement, with the quantity and subtotal
  it had: top foods subtract it, so a voided item counts as if it had never been ordered;
- a :class:`QuoteFact` is one order's quoted ready time beside the moment it was first ready
  (READY, or COMPLETED when it never showed READY): the quote error is ``ready_at -
  quoted_ready_at``, positive when the kitchen was late;
- a :class:`ModifierFact` is one option one item took, frozen at placement: how many were taken
  (the item's quantity times the option's) and the revenue its price delta brought, which is
  negative for an option that lowers the price.

Money is ``Decimal`` with exactly two places, never negative except a modifier's revenue;
timestamps are aware UTC.
Violations raise :class:`InvalidInput` when the fact is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from restman_core.domain.clock import ensure_utc
from restman_core.domain.money import CENT
from restman_core.errors import InvalidInput

_UINT32_MAX = 2**32 - 1


@dataclass(frozen=True, slots=True)
class VoidedItemFact:
    """One order item voided after placement, as it was placed (its quantity and subtotal are
    what the void takes out of the food's sales). ``placed_at`` is its order's."""

    item_id: UUID
    order_id: UUID
    restaurant_id: UUID
    food_id: UUID
    food_name: str
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    placed_at: datetime

    def __post_init__(self) -> None:
        for name in ("unit_price", "subtotal"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise InvalidInput(f"{name} must be a non-negative amount", details={"field": name})
            if value != value.quantize(CENT):
                raise InvalidInput(
                    f"{name} must have at most two decimal places", details={"field": name}
                )
            object.__setattr__(self, name, value.quantize(CENT))
        if not 0 <= self.quantity <= _UINT32_MAX:
            raise InvalidInput("quantity is out of range", details={"field": "quantity"})
        object.__setattr__(self, "placed_at", ensure_utc(self.placed_at))


@dataclass(frozen=True, slots=True)
class QuoteFact:
    """One order's quoted ready time and when it was first ready. ``placed_at`` is the
    order's (the period the fact is reported in)."""

    order_id: UUID
    restaurant_id: UUID
    placed_at: datetime
    quoted_ready_at: datetime
    ready_at: datetime

    def __post_init__(self) -> None:
        for name in ("placed_at", "quoted_ready_at", "ready_at"):
            object.__setattr__(self, name, ensure_utc(getattr(self, name)))


@dataclass(frozen=True, slots=True)
class QuoteError:
    """How far the ready times of a restaurant's orders (``restaurant_id`` ``None``: of every
    restaurant in the report) fell from their quotes, in seconds (positive: later than quoted):
    the median and the 90th percentile over ``orders`` quoted orders that were ready, rounded
    half-up to one decimal; ``None`` when no quoted order was ready in the period."""

    restaurant_id: UUID | None
    orders: int
    p50_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True, slots=True)
class ModifierFact:
    """One modifier option taken by one order item (key: ``item_id``, ``option_id``), with the
    names frozen at placement; ``quantity`` is the item's quantity times the option's and
    ``revenue`` the price delta times that. ``placed_at`` is the order's."""

    item_id: UUID
    option_id: UUID
    order_id: UUID
    restaurant_id: UUID
    group_name: str
    name: str
    quantity: int
    revenue: Decimal
    placed_at: datetime

    def __post_init__(self) -> None:
        value = self.revenue
        if not isinstance(value, Decimal) or not value.is_finite() or value != value.quantize(CENT):
            raise InvalidInput(
                "revenue must be an amount with at most two decimal places",
                details={"field": "revenue"},
            )
        object.__setattr__(self, "revenue", value.quantize(CENT))
        if not 0 <= self.quantity <= _UINT32_MAX:
            raise InvalidInput("quantity is out of range", details={"field": "quantity"})
        object.__setattr__(self, "placed_at", ensure_utc(self.placed_at))


@dataclass(frozen=True, slots=True)
class ModifierTotal:
    """One option in the top modifiers report: taken ``total_quantity`` times in live orders,
    bringing ``total_revenue``; the names are those of its latest item in the period."""

    option_id: UUID
    group_name: str
    name: str
    total_quantity: int
    total_revenue: Decimal
