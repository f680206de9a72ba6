"""The money of a bill: discounts, splitting the check, payments and refunds.

Every use case is one unit of work that reads the bill's book, applies one rule of
:mod:`restman_core.domain.bill_book` and writes the result compare-and-set on the bill's
version, so of two concurrent changes built on the same state exactly one applies and the other
is a Conflict (on PostgreSQL and CockroachDB a serialization failure is retried first and then
meets the new state). Each answers the whole bill's book; nothing is written on an error.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from restman_core.domain.access import Actor, Role
from restman_core.domain.bill_book import BillBook, Discount, DiscountKind, Payment
from restman_core.domain.bill_split import split_parts
from restman_core.domain.bill_totals import percent_of
from restman_core.domain.billing import parse_payment_method
from restman_core.domain.clock import Clock
from restman_core.domain.events import BILL_DISCOUNT_CHANGED, BILL_PAYMENT_TAKEN, BILL_SPLIT
from restman_core.domain.ids import new_id, parse_id
from restman_core.domain.money import ZERO, parse_money
from restman_core.domain.orders import OrderStatus
from restman_core.errors import Conflict, Forbidden, InvalidInput
from restman_core.ports.storage import Database, Transaction
from restman_core.services.bill_changes import (
    BookChange,
    Idempotent,
    clean_reason,
    money_event,
    paid_events,
    refund_in,
    replay,
    require_manager,
    restaurant_of,
    visible_book,
    write_change,
)
from restman_core.services.order_requests import check_idempotency_key
from restman_core.views_billing import discount_view, payment_view

PAYMENT_SCOPE = "bills.payments"
REFUND_SCOPE = "bills.refunds"


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def _idempotent(key: str | None, scope: str, *parts: object) -> Idempotent | None:
    checked = check_idempotency_key(key)
    return None if checked is None else Idempotent(checked, scope, _fingerprint(*parts))


def parse_discount_kind(value: object) -> DiscountKind:
    try:
        return DiscountKind(str(value).lower())
    except ValueError as exc:
        raise InvalidInput(
            f"kind must be one of {', '.join(DiscountKind)}", details={"field": "kind"}
        ) from exc


def parse_item_ids(value: object) -> tuple[uuid.UUID, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        raise InvalidInput("item_ids must be a non-empty list", details={"field": "item_ids"})
    return tuple(parse_id(v, what="item_ids") for v in value)


class MoneyService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def add_discount(
        self, actor: Actor, order_id: uuid.UUID, kind: object, value: object, reason: object
    ) -> BillBook:
        """Give a discount (owners and admins; staff up to the restaurant's
        ``staff_discount_limit`` percent of the subtotal; customers never). Only before any
        payment; it drops a split."""
        parsed_kind = parse_discount_kind(kind)
        amount = parse_money(value, field="value", allow_zero=False)
        why = clean_reason(reason)

        async def work(tx: Transaction) -> BookChange:
            book = await visible_book(tx, actor, order_id)
            if actor.role is Role.KITCHEN:
                await self._check_staff_limit(tx, book, parsed_kind, amount)
            else:
                await require_manager(tx, actor, book, "give a discount")
            at = self._clock.now()
            discount = Discount(new_id(), parsed_kind, amount, ZERO, why, actor.user_id, at)
            after = book.with_discount(discount)
            event = money_event(
                BILL_DISCOUNT_CHANGED, after, at, discount=discount_view(after.discounts[-1])
            )
            return await write_change(tx, actor, book, after, [event])

        return (await self._db.run(work)).book

    async def _check_staff_limit(
        self, tx: Transaction, book: BillBook, kind: DiscountKind, value: Decimal
    ) -> None:
        limit = (await restaurant_of(tx, book)).staff_discount_limit
        subtotal = book.bill.subtotal
        amount = percent_of(subtotal, value) if kind is DiscountKind.PERCENT else value
        if not limit or amount > percent_of(subtotal, limit):
            raise Forbidden(
                f"Staff may give discounts up to {limit or 0:f} % of the subtotal here",
                details={"field": "value"},
            )

    async def remove_discount(
        self, actor: Actor, order_id: uuid.UUID, discount_id: uuid.UUID
    ) -> BillBook:
        """Take a discount back (owners and admins), only before any payment."""

        async def work(tx: Transaction) -> BookChange:
            book = await visible_book(tx, actor, order_id)
            await require_manager(tx, actor, book, "remove a discount")
            at = self._clock.now()
            after = book.without_discount(discount_id, at)
            event = money_event(
                BILL_DISCOUNT_CHANGED, after, at, removed_discount_id=str(discount_id)
            )
            return await write_change(tx, actor, book, after, [event])

        return (await self._db.run(work)).book

    async def split(self, actor: Actor, order_id: uuid.UUID, body: Mapping[str, Any]) -> BillBook:
        """Split the check ``{by: items|equal|amounts, parts|amounts}`` (the bill's viewers);
        again and again until a payment is taken."""

        async def work(tx: Transaction) -> BookChange:
            book = await visible_book(tx, actor, order_id)
            book.check_changeable("the split")
            by = body.get("by")
            amounts = split_parts(by, dict(body), book.lines, book.totals())
            at = self._clock.now()
            after = book.split_into(str(by), amounts, at, [new_id() for _ in amounts])
            event = money_event(BILL_SPLIT, after, at)
            return await write_change(tx, actor, book, after, [event])

        return (await self._db.run(work)).book

    async def pay(
        self,
        actor: Actor,
        order_id: uuid.UUID,
        body: Mapping[str, Any],
        idempotency_key: str | None = None,
    ) -> BookChange:
        """Take a payment ``{amount, payment_method, tip_amount?, part_id?}`` (the bill's
        viewers). Above what is due (of the bill or its part) is a Conflict; so is paying a
        cancelled bill or one whose order is cancelled."""
        amount = parse_money(body.get("amount"), field="amount", allow_zero=False)
        method = parse_payment_method(body.get("payment_method"))
        tip = parse_money(body.get("tip_amount") or "0", field="tip_amount")
        raw_part = body.get("part_id")
        part_id = None if raw_part is None else parse_id(raw_part, what="part_id")
        request = _idempotent(
            idempotency_key, PAYMENT_SCOPE, order_id, amount, method, tip, part_id
        )

        async def work(tx: Transaction) -> BookChange:
            if request is not None and await replay(tx, actor, order_id, request):
                return BookChange(await visible_book(tx, actor, order_id), replayed=True)
            book = await visible_book(tx, actor, order_id)
            order = await tx.orders.get(order_id)
            if order is not None and order.status is OrderStatus.CANCELLED:
                raise Conflict("The order is cancelled; its bill cannot be paid")
            at = self._clock.now()
            payment = Payment(new_id(), part_id, method, amount, tip, actor.user_id, at)
            after = book.paid(payment)
            events = paid_events(book, after, BILL_PAYMENT_TAKEN, payment=payment_view(payment))
            return await write_change(tx, actor, book, after, events, request, payment.id)

        return await self._db.run(work)

    async def refund(
        self,
        actor: Actor,
        order_id: uuid.UUID,
        body: Mapping[str, Any],
        idempotency_key: str | None = None,
    ) -> BookChange:
        """Refund ``{amount?, item_ids?, reason}`` (owners and admins): by amount, or what the
        listed items are worth of the bill; never more than was paid and not yet refunded."""
        items = parse_item_ids(body.get("item_ids"))
        raw_amount = body.get("amount")
        if (raw_amount is None) == (not items):
            raise InvalidInput("Give either amount or item_ids", details={"field": "amount"})
        amount = ZERO if raw_amount is None else parse_money(raw_amount, allow_zero=False)
        reason = clean_reason(body.get("reason"))
        request = _idempotent(idempotency_key, REFUND_SCOPE, order_id, amount, items, reason)

        async def work(tx: Transaction) -> BookChange:
            if request is not None and await replay(tx, actor, order_id, request):
                return BookChange(await visible_book(tx, actor, order_id), replayed=True)
            book = await visible_book(tx, actor, order_id)
            return await refund_in(
                tx,
                actor,
                book,
                amount=amount,
                item_ids=items,
                reason=reason,
                at=self._clock.now(),
                request=request,
            )

        return await self._db.run(work)


__all__ = ["MoneyService"]
