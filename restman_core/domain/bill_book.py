"""A bill with everything done to it: discounts, a split, payments and refunds.

:class:`BillBook` is immutable; each operation checks its rule and answers the next book, whose
:class:`~restman_core.domain.billing.Bill` is settled again from the lines (see
:mod:`restman_core.domain.bill_totals` for where rounding happens). The rules:

- Discounts (percent or amount, with a reason and who gave it) come before tax and change only
  while nothing has been paid; changing them drops a split, which the table splits again.
- A split (:mod:`restman_core.domain.bill_split`) can be redone until a payment is taken. Once a
  bill is split every payment names its part.
- A payment is more than zero and at most what is due (of the bill, and of its part); its tip
  comes on top and is not part of what is due. The bill is PAID when nothing is due.
- A refund is more than zero and at most what was paid and not yet refunded; tips are not
  refunded. Refunds never reopen a balance: what is due stays ``total − tips − amount_paid``.
  Written with the contract's names, every state satisfies ``amount_paid − refunded_amount ≥ 0``
  and ``amount_due = (total_amount − tip_amount) − amount_paid`` (the equivalent of
  ``total − amount_paid + refunded_amount`` where ``total`` is the bill's value net of refunds).
- Status: CANCELLED stays; else REFUNDED when everything paid went back, PARTIALLY_REFUNDED when
  some did, PENDING before any payment, PAID when nothing is due, PARTIALLY_PAID otherwise.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from restman_core.domain.bill_totals import (
    BillLine,
    Totals,
    compute_totals,
    percent_of,
    sales_of_items,
    value_of_items,
)
from restman_core.domain.billing import Bill, BillStatus, PaymentMethod
from restman_core.domain.ids import new_id
from restman_core.domain.money import ZERO, check_amount, round_cents
from restman_core.errors import Conflict, InvalidInput


class DiscountKind(StrEnum):
    PERCENT = "percent"
    AMOUNT = "amount"


@dataclass(frozen=True, slots=True)
class Discount:
    id: uuid.UUID
    kind: DiscountKind
    value: Decimal
    amount: Decimal
    reason: str
    given_by: uuid.UUID
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Part:
    id: uuid.UUID
    position: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Payment:
    id: uuid.UUID
    part_id: uuid.UUID | None
    method: PaymentMethod
    amount: Decimal
    tip: Decimal
    taken_by: uuid.UUID
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Refund:
    id: uuid.UUID
    amount: Decimal
    item_ids: tuple[uuid.UUID, ...]
    reason: str
    given_by: uuid.UUID
    created_at: datetime
    revenue_amount: Decimal = ZERO
    """The part of ``amount`` that was sales (prices less discounts), the rest being tax and
    service charge, rounded half-up once when the refund is made: for items, their prices less
    their share of the discounts; for an amount, ``amount × (subtotal − discounts) / total
    owed``. Revenue analytics subtract it from net sales."""


@dataclass(frozen=True, slots=True)
class BillBook:
    bill: Bill
    lines: tuple[BillLine, ...]
    discounts: tuple[Discount, ...] = ()
    parts: tuple[Part, ...] = ()
    payments: tuple[Payment, ...] = ()
    refunds: tuple[Refund, ...] = ()

    # What the book says ----------------------------------------------------------------------

    def totals(self) -> Totals:
        return compute_totals(
            self.lines,
            discount=sum((d.amount for d in self.discounts), ZERO),
            prices_include_tax=self.bill.prices_include_tax,
            service_charge_rate=self.bill.service_charge_rate,
        )

    @property
    def net_paid(self) -> Decimal:
        """Paid and not refunded: the most a refund may give back."""
        return self.bill.amount_paid - self.bill.refunded_amount

    def part_paid(self, part_id: uuid.UUID) -> Decimal:
        return sum((p.amount for p in self.payments if p.part_id == part_id), ZERO)

    def part(self, part_id: uuid.UUID) -> Part:
        for part in self.parts:
            if part.id == part_id:
                return part
        raise InvalidInput(
            f"part_id {part_id} is not a part of this bill", details={"field": "part_id"}
        )

    def refunded_item_ids(self) -> frozenset[uuid.UUID]:
        return frozenset(i for r in self.refunds for i in r.item_ids)

    # Operations ------------------------------------------------------------------------------

    def with_discount(self, discount: Discount) -> BillBook:
        """Give a discount (its ``amount`` is worked out here from its kind and value)."""
        self.check_changeable("discounts")
        subtotal = self.totals().subtotal
        if discount.kind is DiscountKind.PERCENT:
            if discount.value > 100:
                raise InvalidInput("A discount cannot be over 100 %", details={"field": "value"})
            amount = percent_of(subtotal, discount.value)
        else:
            amount = discount.value
        given = sum((d.amount for d in self.discounts), ZERO)
        if given + amount > subtotal:
            raise InvalidInput(
                f"Discounts would be above the subtotal {subtotal:f}", details={"field": "value"}
            )
        added = replace(discount, amount=amount)
        book = replace(self, discounts=(*self.discounts, added), parts=())
        return book.settled(discount.created_at, split_by=None)

    def without_discount(self, discount_id: uuid.UUID, at: datetime) -> BillBook:
        self.check_changeable("discounts")
        kept = tuple(d for d in self.discounts if d.id != discount_id)
        if len(kept) == len(self.discounts):
            raise InvalidInput(
                f"discount {discount_id} is not on this bill", details={"field": "discount_id"}
            )
        return replace(self, discounts=kept, parts=()).settled(at, split_by=None)

    def split_into(
        self, by: str, amounts: list[Decimal], at: datetime, ids: list[uuid.UUID]
    ) -> BillBook:
        """Replace the split with parts of these amounts (worked out by
        :mod:`restman_core.domain.bill_split`), which must sum to what is due."""
        self.check_changeable("the split")
        if sum(amounts, ZERO) != self.bill.amount_due:
            raise InvalidInput(
                f"The parts must sum to the amount due {self.bill.amount_due:f}",
                details={"field": "amounts"},
            )
        parts = tuple(Part(i, n, a) for n, (i, a) in enumerate(zip(ids, amounts, strict=True)))
        return replace(self, parts=parts).settled(at, split_by=by)

    def paid(self, payment: Payment, *, whole: bool = False) -> BillBook:
        """Take a payment. ``whole`` is the one-shot payment of everything due, which may be
        zero for a bill of nothing (``finalize``); every other payment is more than zero."""
        if self.bill.status is BillStatus.CANCELLED:
            raise Conflict(f"Bill {self.bill.id} is cancelled; it cannot be paid")
        due = self.bill.amount_due
        if due == 0 and self.payments:
            raise Conflict(f"Bill {self.bill.id} is already paid; nothing is due")
        if payment.amount == 0 and not whole:
            raise InvalidInput("amount must be more than zero", details={"field": "amount"})
        if self.parts:
            if payment.part_id is None:
                raise InvalidInput(
                    "The bill is split: part_id names the part paid", details={"field": "part_id"}
                )
            part = self.part(payment.part_id)
            left = part.amount - self.part_paid(part.id)
            if payment.amount > left:
                raise Conflict(
                    f"The payment is above what is due on part {part.position + 1} ({left:f})",
                    details={"field": "amount", "amount_due": f"{left:f}"},
                )
        elif payment.part_id is not None:
            raise InvalidInput("The bill is not split", details={"field": "part_id"})
        if payment.amount > due:
            raise Conflict(
                f"The payment is above what is due ({due:f})",
                details={"field": "amount", "amount_due": f"{due:f}"},
            )
        book = replace(self, payments=(*self.payments, payment))
        return book.settled(payment.created_at, split_by=self.bill.split_by)

    def refunded(self, refund: Refund) -> BillBook:
        """Give money back: ``refund.amount`` as asked, or, with ``item_ids``, what those items
        are worth of the bill (rounded half-up once); never more than was paid."""
        if self.net_paid <= 0:
            raise Conflict(
                f"Bill {self.bill.id} has nothing paid to refund", details={"field": "amount"}
            )
        amount = refund.amount
        if refund.item_ids:
            amount = self._value_of_items(refund.item_ids)
        if amount <= 0:
            raise InvalidInput("amount must be more than zero", details={"field": "amount"})
        if amount > self.net_paid:
            raise Conflict(
                f"A refund cannot be more than was paid and not refunded ({self.net_paid:f})",
                details={"field": "amount", "refundable": f"{self.net_paid:f}"},
            )
        totals = self.totals()
        sales = totals.subtotal - totals.discount
        if refund.item_ids:
            revenue = round_cents(
                sales_of_items(
                    self.lines, totals, self.bill.prices_include_tax, frozenset(refund.item_ids)
                )
            )
        else:
            revenue = round_cents(amount * sales / totals.due) if totals.due else ZERO
        # Rounding per refund must never take more sales back than the bill had.
        left = sales - sum((r.revenue_amount for r in self.refunds), ZERO)
        made = replace(refund, amount=amount, revenue_amount=min(revenue, left))
        book = replace(self, refunds=(*self.refunds, made))
        return book.settled(refund.created_at, split_by=self.bill.split_by)

    def cancelled(self, at: datetime) -> BillBook | None:
        """The book with its bill cancelled, or None when there is nothing to cancel (already
        cancelled, or money was taken: such a bill ends refunded instead)."""
        bill = self.bill.cancelled(at) if not self.payments else None
        return None if bill is None else replace(self, bill=bill)

    def with_lines(self, lines: tuple[BillLine, ...], at: datetime) -> BillBook | None:
        """The book after its order's items changed (items added to a dine-in order, an item
        voided), settled again; None on a cancelled bill. Before any payment a split is
        dropped, as after a discount (the table splits again); after one, a split bill gets
        what the change added as a part of its own, so the parts still cover the bill. The
        order refuses voids once a payment was taken (a refund gives money back), so a change
        reaching a paid bill only adds to it."""
        if self.bill.status is BillStatus.CANCELLED:
            return None
        if not self.payments:
            return replace(self, lines=lines, parts=()).settled(at, split_by=None)
        changed = replace(self, lines=lines)
        # What the bill row last settled to (its lines may already be the new ones).
        extra = changed.totals().due - (self.bill.total_amount - self.bill.tip_amount)
        if self.parts and extra > 0:
            part = Part(new_id(), len(self.parts), extra)
            changed = replace(changed, parts=(*self.parts, part))
        return changed.settled(at, split_by=self.bill.split_by)

    # Settling --------------------------------------------------------------------------------

    def settled(self, at: datetime, *, split_by: str | None) -> BillBook:
        """The book with its bill's amounts and status worked out again, version bumped."""
        totals = self.totals()
        paid = sum((p.amount for p in self.payments), ZERO)
        tips = sum((p.tip for p in self.payments), ZERO)
        refunded = sum((r.amount for r in self.refunds), ZERO)
        status = _status(self.bill.status, bool(self.payments), totals.due - paid, paid, refunded)
        bill = replace(
            self.bill,
            subtotal=totals.subtotal,
            tax_amount=totals.tax_amount,
            discount_amount=totals.discount,
            service_charge=totals.service_charge,
            tip_amount=tips,
            total_amount=check_amount(totals.due + tips, field="tip_amount"),
            amount_paid=paid,
            refunded_amount=refunded,
            status=status,
            payment_method=self.payments[-1].method if self.payments else None,
            paid_at=self.bill.paid_at or (at if status is BillStatus.PAID else None),
            split_by=split_by if self.parts else None,
            updated_at=at,
            version=self.bill.version + 1,
        )
        return replace(self, bill=bill)

    def check_changeable(self, what: str) -> None:
        """Discounts and the split change only on a live bill nothing has been paid on."""
        if self.bill.status is BillStatus.CANCELLED:
            raise Conflict(f"Bill {self.bill.id} is cancelled")
        if self.payments:
            raise Conflict(f"A payment was taken: {what} can no longer change")

    def _value_of_items(self, item_ids: tuple[uuid.UUID, ...]) -> Decimal:
        known = {line.item_id for line in self.lines}
        unknown = sorted(str(i) for i in item_ids if i not in known)
        if unknown or len(set(item_ids)) != len(item_ids):
            raise InvalidInput(
                "item_ids must be distinct items of this order: "
                + (", ".join(unknown) or "an item is repeated"),
                details={"field": "item_ids", "item_ids": unknown},
            )
        again = sorted(str(i) for i in item_ids if i in self.refunded_item_ids())
        if again:
            raise Conflict(
                f"Items already refunded: {', '.join(again)}",
                details={"field": "item_ids", "item_ids": again},
            )
        return round_cents(value_of_items(self.lines, self.totals(), frozenset(item_ids)))


def _status(
    current: BillStatus, any_payment: bool, due: Decimal, paid: Decimal, refunded: Decimal
) -> BillStatus:
    if current is BillStatus.CANCELLED:
        return current
    if refunded > 0:
        return BillStatus.REFUNDED if refunded == paid else BillStatus.PARTIALLY_REFUNDED
    if not any_payment:
        return BillStatus.PENDING
    return BillStatus.PAID if due == 0 else BillStatus.PARTIALLY_PAID


def open_book(bill: Bill, lines: tuple[BillLine, ...], at: datetime) -> BillBook:
    """A new bill's book, its amounts settled from its lines (version stays 1)."""
    book = BillBook(bill, lines).settled(at, split_by=None)
    return replace(book, bill=replace(book.bill, version=bill.version))
