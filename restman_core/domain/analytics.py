"""Analytics: the facts the platform records about orders, bills and kitchen tickets, the
reports built from them, and who may see which restaurants.

Facts are append-only snapshots. A fact with a higher ``version`` supersedes an older one with
the same key (an order's status change, a bill being paid, a ticket re-readied after a recall);
recording the same fact twice (a redelivered event) changes nothing. Two facts with the same
key and version must therefore be identical.

Money is ``Decimal`` with exactly two places and never negative; timestamps are aware UTC
(naive values are taken as UTC). Violations raise :class:`InvalidInput` when the fact is built,
so a malformed event is rejected before it reaches the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from restman_core.domain.analytics_changes import ModifierFact, QuoteFact, VoidedItemFact
from restman_core.domain.clock import ensure_utc
from restman_core.domain.money import CENT, round_cents
from restman_core.errors import InvalidInput

ORDER_CANCELLED = "CANCELLED"
BILL_PENDING = "PENDING"
BILL_PAID = "PAID"
BILL_CANCELLED = "CANCELLED"
BILL_STATUSES = frozenset(
    {BILL_PENDING, "PARTIALLY_PAID", BILL_PAID, "PARTIALLY_REFUNDED", "REFUNDED", BILL_CANCELLED}
)
ZERO = Decimal("0.00")
# Versions and quantities are stored as UInt32.
_UINT32_MAX = 2**32 - 1


def _check_money(owner: object, *names: str) -> None:
    """Require exact, non-negative two-place amounts and store them quantized."""
    for name in names:
        value = getattr(owner, name)
        if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
            raise InvalidInput(f"{name} must be a non-negative amount", details={"field": name})
        if value != value.quantize(CENT):
            raise InvalidInput(
                f"{name} must have at most two decimal places", details={"field": name}
            )
        object.__setattr__(owner, name, value.quantize(CENT))


def _check_times(owner: object, *names: str) -> None:
    """Store every named timestamp (``None`` allowed) as aware UTC."""
    for name in names:
        value = getattr(owner, name)
        if value is not None:
            object.__setattr__(owner, name, ensure_utc(value))


def _check_count(value: int, name: str) -> None:
    if not 0 <= value <= _UINT32_MAX:
        raise InvalidInput(f"{name} is out of range", details={"field": name})


@dataclass(frozen=True, slots=True)
class OrderFact:
    """One version of an order: placement is version 1, each status change a higher one."""

    order_id: UUID
    restaurant_id: UUID
    user_id: UUID
    order_type: str
    status: str
    total_amount: Decimal
    placed_at: datetime
    updated_at: datetime
    version: int

    def __post_init__(self) -> None:
        _check_money(self, "total_amount")
        _check_times(self, "placed_at", "updated_at")
        _check_count(self.version, "version")


@dataclass(frozen=True, slots=True)
class OrderItemFact:
    """One line of an order, as placed. Items never change, so the item id is the whole key."""

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
        _check_money(self, "unit_price", "subtotal")
        _check_times(self, "placed_at")
        _check_count(self.quantity, "quantity")


@dataclass(frozen=True, slots=True)
class BillFact:
    """One version of a bill (generated, then paid or cancelled). ``payment_method`` is ``""``
    until the bill is paid; ``paid_at`` is ``None`` until then."""

    bill_id: UUID
    order_id: UUID
    restaurant_id: UUID
    user_id: UUID
    subtotal: Decimal
    tax_amount: Decimal
    discount_amount: Decimal
    tip_amount: Decimal
    total_amount: Decimal
    status: str
    payment_method: str
    generated_at: datetime
    paid_at: datetime | None
    updated_at: datetime
    version: int

    def __post_init__(self) -> None:
        if self.status not in BILL_STATUSES:
            raise InvalidInput("unknown bill status", details={"field": "status"})
        _check_money(
            self, "subtotal", "tax_amount", "discount_amount", "tip_amount", "total_amount"
        )
        _check_times(self, "generated_at", "paid_at", "updated_at")
        _check_count(self.version, "version")


@dataclass(frozen=True, slots=True)
class PaymentFact:
    """One payment of a bill (it never changes). ``generated_at`` is its bill's, so payments
    are reported over the same period as the bills they paid."""

    payment_id: UUID
    bill_id: UUID
    order_id: UUID
    restaurant_id: UUID
    payment_method: str
    amount: Decimal
    tip_amount: Decimal
    generated_at: datetime
    paid_at: datetime

    def __post_init__(self) -> None:
        _check_money(self, "amount", "tip_amount")
        _check_times(self, "generated_at", "paid_at")


@dataclass(frozen=True, slots=True)
class RefundFact:
    """One refund of a bill (it never changes): its amount and the part of it that was sales.
    ``generated_at`` is its bill's."""

    refund_id: UUID
    bill_id: UUID
    order_id: UUID
    restaurant_id: UUID
    amount: Decimal
    revenue_amount: Decimal
    generated_at: datetime
    refunded_at: datetime

    def __post_init__(self) -> None:
        _check_money(self, "amount", "revenue_amount")
        _check_times(self, "generated_at", "refunded_at")


@dataclass(frozen=True, slots=True)
class TicketTimingFact:
    """One version of a kitchen ticket's timing. ``ready_at`` is ``None`` until the ticket is
    READY, and again after a recall; the latest version decides."""

    ticket_id: UUID
    order_id: UUID
    restaurant_id: UUID
    station: str
    new_at: datetime
    ready_at: datetime | None
    version: int

    def __post_init__(self) -> None:
        _check_times(self, "new_at", "ready_at")
        _check_count(self.version, "version")


AnalyticsFact = (
    OrderFact
    | OrderItemFact
    | BillFact
    | TicketTimingFact
    | PaymentFact
    | RefundFact
    | VoidedItemFact
    | QuoteFact
    | ModifierFact
)


@dataclass(frozen=True, slots=True)
class AnalyticsScope:
    """Which restaurants a report covers: all of them (admins) or an explicit set (an owner's
    restaurants). An explicit empty set covers nothing."""

    all_restaurants: bool
    restaurant_ids: frozenset[UUID]

    @classmethod
    def everything(cls) -> AnalyticsScope:
        """Every restaurant on the platform."""
        return cls(all_restaurants=True, restaurant_ids=frozenset())

    @classmethod
    def of(cls, restaurant_ids: Iterable[UUID]) -> AnalyticsScope:
        """Exactly these restaurants."""
        return cls(all_restaurants=False, restaurant_ids=frozenset(restaurant_ids))

    @property
    def is_empty(self) -> bool:
        """True when the scope covers no restaurant, so every report is empty."""
        return not self.all_restaurants and not self.restaurant_ids


@dataclass(frozen=True, slots=True)
class TopFood:
    """A food's sales over the period, cancelled orders excluded."""

    food_id: UUID
    food_name: str
    total_quantity: int
    total_revenue: Decimal


@dataclass(frozen=True, slots=True)
class RevenueSummary:
    """Sales over the period from bills that were not cancelled.

    ``total_revenue`` is net sales: subtotals less discounts less the sales part of refunds
    (before tax and tips); ``total_orders`` the number of such bills, ``average_order_value``
    their mean rounded half-up to cents, ``gross_total`` the bill totals (tips included) less
    refunds; ``discount_total`` and ``refund_total`` what was given as discounts and refunds.
    """

    total_revenue: Decimal
    total_orders: int
    average_order_value: Decimal
    tax_total: Decimal
    tip_total: Decimal
    gross_total: Decimal
    discount_total: Decimal = ZERO
    refund_total: Decimal = ZERO

    @classmethod
    def empty(cls) -> RevenueSummary:
        """The summary of no bills at all."""
        return cls(ZERO, 0, ZERO, ZERO, ZERO, ZERO)


@dataclass(frozen=True, slots=True)
class MoneyTotals:
    """Discounts and refunds over the bills of a period: what revenue is reported net of."""

    discount_total: Decimal
    refund_total: Decimal
    refund_revenue: Decimal

    def applied_to(self, summary: RevenueSummary) -> RevenueSummary:
        """``summary`` (sums of subtotals and totals) made net of these discounts and refunds."""
        if summary.total_orders == 0:
            return summary
        net = summary.total_revenue - self.discount_total - self.refund_revenue
        return RevenueSummary(
            total_revenue=net,
            total_orders=summary.total_orders,
            average_order_value=average_order_value(net, summary.total_orders),
            tax_total=summary.tax_total,
            tip_total=summary.tip_total,
            gross_total=summary.gross_total - self.refund_total,
            discount_total=self.discount_total,
            refund_total=self.refund_total,
        )


@dataclass(frozen=True, slots=True)
class MethodTotal:
    """Payments by one method over the bills of a period: how many, their amounts, their tips."""

    payment_method: str
    payments: int
    amount_total: Decimal
    tip_total: Decimal


def average_order_value(total_revenue: Decimal, total_orders: int) -> Decimal:
    """``total_revenue / total_orders`` rounded half-up to cents; ``0.00`` for no orders.

    The division is exact in Decimal arithmetic before the single rounding step.
    """
    if total_orders <= 0:
        return ZERO
    return round_cents(total_revenue / Decimal(total_orders))


@dataclass(frozen=True, slots=True)
class StatusCount:
    """How many orders currently have ``status`` (each order counted by its latest status)."""

    status: str
    count: int


@dataclass(frozen=True, slots=True)
class KitchenTime:
    """Time from NEW to READY at one station on one day (UTC day the ticket was opened), over
    the tickets that reached READY: their number, the mean and the 90th percentile in seconds,
    both rounded half-up to one decimal. The percentile interpolates linearly between the two
    nearest ranks (as spreadsheets and numpy do): for 10, 20, ..., 100 seconds it is 91.0."""

    station: str
    day: date
    tickets: int
    average_seconds: float
    p90_seconds: float
