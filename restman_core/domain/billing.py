"""Bills: opened when an order is placed, paid in one or several payments, refunded, cancelled
with their order.

The :class:`Bill` row holds the amounts as last settled (see :mod:`restman_core.domain.bill_book`
for the rules that settle them): ``total_amount`` is what is owed plus the tips taken (as it
always was), ``amount_paid`` the payments without their tips, ``refunded_amount`` what went back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from restman_core.domain.money import ZERO, check_amount, tax_for
from restman_core.errors import Conflict, InvalidInput


class BillStatus(StrEnum):
    PENDING = "PENDING"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"
    CANCELLED = "CANCELLED"


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    UPI = "upi"


def parse_payment_method(value: object) -> PaymentMethod:
    try:
        return PaymentMethod(str(value).lower())
    except ValueError as exc:
        raise InvalidInput(
            f"payment_method must be one of {', '.join(PaymentMethod)}",
            details={"field": "payment_method"},
        ) from exc


@dataclass(frozen=True, slots=True)
class Bill:
    id: uuid.UUID
    order_id: uuid.UUID
    user_id: uuid.UUID
    restaurant_id: uuid.UUID
    subtotal: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    discount_amount: Decimal
    tip_amount: Decimal
    total_amount: Decimal
    status: BillStatus
    payment_method: PaymentMethod | None
    generated_at: datetime
    paid_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int = 1
    prices_include_tax: bool = False
    service_charge_rate: Decimal | None = None
    service_charge: Decimal = Decimal("0.00")
    amount_paid: Decimal = Decimal("0.00")
    refunded_amount: Decimal = Decimal("0.00")
    split_by: str | None = None

    @property
    def amount_due(self) -> Decimal:
        """What is still owed: the total without tips, less what was paid. Refunds never reopen
        a balance (they lower what the bill is worth and what was collected alike)."""
        return self.total_amount - self.tip_amount - self.amount_paid

    def paid(self, method: PaymentMethod, tip: Decimal, at: datetime) -> Bill:
        """This bill paid with ``method`` and ``tip`` (already validated money). Paying twice or
        paying a cancelled bill is a Conflict; a tip that takes the total past what a bill can
        hold is InvalidInput."""
        if self.status is not BillStatus.PENDING and self.status is not BillStatus.CANCELLED:
            raise Conflict(f"Bill {self.id} is already paid")
        if self.status is BillStatus.CANCELLED:
            raise Conflict(f"Bill {self.id} is cancelled")
        # Tax is part of the prices when they include it: the total is then the sum of prices.
        tax = ZERO if self.prices_include_tax else self.tax_amount
        total = self.subtotal - self.discount_amount + self.service_charge + tax + tip
        return replace(
            self,
            status=BillStatus.PAID,
            payment_method=method,
            tip_amount=tip,
            total_amount=check_amount(total, field="tip_amount"),
            amount_paid=total - tip,
            paid_at=at,
            updated_at=at,
            version=self.version + 1,
        )

    def cancelled(self, at: datetime) -> Bill | None:
        """This bill cancelled, or None when it is already PAID or CANCELLED (no change)."""
        if self.status is not BillStatus.PENDING:
            return None
        return replace(self, status=BillStatus.CANCELLED, updated_at=at, version=self.version + 1)


def open_bill(
    *,
    order_id: uuid.UUID,
    user_id: uuid.UUID,
    restaurant_id: uuid.UUID,
    subtotal: Decimal,
    tax_rate: Decimal,
    at: datetime,
    bill_id: uuid.UUID | None = None,
) -> Bill:
    """A PENDING bill for an order: tax is ``tax_rate`` of the subtotal rounded half-up to cents
    (25.98 at 10% → 2.60, total 28.58); no discount, no tip yet. Bills with per-item rates, taxes
    included in prices or a service charge are settled from their lines by
    :func:`restman_core.domain.bill_book.open_book`."""
    tax = tax_for(subtotal, tax_rate)
    return Bill(
        id=bill_id or uuid.uuid4(),
        order_id=order_id,
        user_id=user_id,
        restaurant_id=restaurant_id,
        subtotal=subtotal,
        tax_rate=tax_rate,
        tax_amount=tax,
        discount_amount=Decimal("0.00"),
        tip_amount=Decimal("0.00"),
        total_amount=subtotal + tax,
        status=BillStatus.PENDING,
        payment_method=None,
        generated_at=at,
        paid_at=None,
        created_at=at,
        updated_at=at,
    )
