"""Bills: opened from placed orders, paid at once (idempotently), cancelled with their order.
Discounts, splits, part payments and refunds are :mod:`restman_core.services.bill_money`."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from restman_core.domain.access import Actor, Role
from restman_core.domain.bill_book import BillBook, Payment, open_book
from restman_core.domain.bill_totals import BillLine
from restman_core.domain.billing import (
    Bill,
    BillStatus,
    PaymentMethod,
    open_bill,
    parse_payment_method,
)
from restman_core.domain.clock import Clock, ensure_utc
from restman_core.domain.events import (
    BILL_CANCELLED,
    BILL_GENERATED,
    BILL_PAID,
    BILL_REVISED,
    DomainEvent,
)
from restman_core.domain.ids import new_id
from restman_core.domain.modifiers import chosen_from_json
from restman_core.domain.money import parse_money
from restman_core.domain.orders import OrderStatus
from restman_core.errors import Conflict, Forbidden, NotFound
from restman_core.ports.storage import Database, IdempotencyRecord, Page, Transaction
from restman_core.services.access import may_operate
from restman_core.services.bill_changes import visible_book
from restman_core.services.order_requests import check_idempotency_key
from restman_core.views import bill_view
from restman_core.views_billing import payment_view

FINALIZE_SCOPE = "bills.finalize"


@dataclass(frozen=True, slots=True)
class Finalized:
    bill: Bill
    replayed: bool


def bill_event(kind: str, bill: Bill, at: datetime, **entry: Any) -> DomainEvent:
    """Bill events are keyed by the bill's order id, so they stay ordered with the order. The
    payload is the bill, its version (analytics keeps the latest) and any entry given."""
    payload = bill_view(bill) | {"version": bill.version} | entry
    return DomainEvent(event_type=kind, key=bill.order_id, occurred_at=at, payload=payload)


def lines_of(placed: Mapping[str, Any], tax_rate: Decimal) -> tuple[BillLine, ...]:
    """The bill's lines from an ``order.placed`` payload; an item without its own rate (placed
    before rates were per food) is at the order's rate."""
    return tuple(
        BillLine(
            uuid.UUID(item["id"]),
            str(item["food_name"]),
            int(item["quantity"]),
            Decimal(item["subtotal"]),
            Decimal(item["tax_rate"]) if item.get("tax_rate") else tax_rate,
            tuple(chosen_from_json(m) for m in item.get("modifiers") or ()),
        )
        for item in placed.get("items", ())
    )


def _placed_bill(placed: Mapping[str, Any]) -> Bill:
    """The PENDING bill an ``order.placed`` payload opens, with its book's totals."""
    at = ensure_utc(datetime.fromisoformat(placed["placed_at"].replace("Z", "+00:00")))
    tax_rate = Decimal(placed.get("tax_rate", "0.10"))
    charge = placed.get("service_charge_rate")
    bill = replace(
        open_bill(
            order_id=uuid.UUID(placed["order_id"]),
            user_id=uuid.UUID(placed["user_id"]),
            restaurant_id=uuid.UUID(placed["restaurant_id"]),
            subtotal=Decimal(placed["total_amount"]),
            tax_rate=tax_rate,
            at=at,
        ),
        prices_include_tax=bool(placed.get("prices_include_tax", False)),
        service_charge_rate=Decimal(charge) if charge else None,
    )
    return open_book(bill, lines_of(placed, tax_rate), at).bill


class BillingService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # Platform side (event consumers) -------------------------------------------------------

    async def open_bill(self, tx: Transaction, placed: Mapping[str, Any]) -> Bill | None:
        """Open the PENDING bill of a placed order with the snapshots it was placed with (tax
        rate per item, whether prices include tax, a dine-in service charge); None when the
        order already has one. Items added or voided before the placement reached billing are
        billed at once, and an order cancelled before then gets its bill cancelled at once,
        with those items: the bill ends the same whatever billing saw of the order and when."""
        return (await self.open_bills(tx, [placed])).get(uuid.UUID(placed["order_id"]))

    async def open_bills(
        self, tx: Transaction, placed: Sequence[Mapping[str, Any]]
    ) -> dict[uuid.UUID, Bill | None]:
        """:meth:`open_bill` for several placed orders (the billing consumer's batch) in a fixed
        number of statements whatever their number, plus a few for each order changed or
        cancelled before its placement reached billing. Returns the orders whose bill it
        opened, each with its bill as it ended up (an order placed twice is opened once)."""
        wanted: dict[uuid.UUID, Bill] = {}
        for data in placed:
            bill = _placed_bill(data)
            wanted.setdefault(bill.order_id, bill)
        inserted = await tx.bills.add_many(list(wanted.values())) if wanted else set()
        fresh = [bill for order_id, bill in wanted.items() if order_id in inserted]
        if not fresh:
            return {}
        now = self._clock.now()
        await tx.outbox.add([bill_event(BILL_GENERATED, bill, now) for bill in fresh])
        states = await tx.orders.states([bill.order_id for bill in fresh])
        opened: dict[uuid.UUID, Bill | None] = {}
        for bill in fresh:
            state = states.get(bill.order_id)
            ended: Bill | None = bill
            # Items added or voided before the placement reached billing are billed at once
            # (the common case, an order unchanged since placing, needs no read of the bill).
            # This comes before a cancellation: a cancelled bill keeps the order's items as they
            # were when it was cancelled, whether billing saw each change or fell behind them all
            # (a cancelled bill is never revised afterwards).
            if state is not None and state.changed:
                ended = await self.revise_bill(tx, bill.order_id) or bill
            if state is not None and state.status is OrderStatus.CANCELLED:
                ended = await self.cancel_bill(tx, bill.order_id)
            opened[bill.order_id] = ended
        return opened

    async def revise_bill(self, tx: Transaction, order_id: uuid.UUID) -> Bill | None:
        """Bring the order's bill in line with the order's items as they are now (added items
        billed, voided ones not; see :meth:`BillBook.with_lines`). The order's rows are the
        truth, so applying it twice, or for events out of order, changes nothing more. None
        when there is no bill yet (opening it bills the items then), it is cancelled, or it
        already matches."""
        book = await tx.bills.get_book(order_id)
        if book is None:
            return None
        revised = book.with_lines(book.lines, self._clock.now())
        if revised is None or (
            revised.bill.total_amount == book.bill.total_amount
            and revised.bill.subtotal == book.bill.subtotal
            and revised.parts == book.parts
        ):
            return None
        if not await tx.bills.save_book(revised, book):
            raise Conflict("Bill changed meanwhile")
        await tx.outbox.add([bill_event(BILL_REVISED, revised.bill, revised.bill.updated_at)])
        return revised.bill

    async def cancel_bill(self, tx: Transaction, order_id: uuid.UUID) -> Bill | None:
        """Cancel the order's bill if nothing was paid on it; a bill with payments is left as
        it is (cancelling its order took a full refund with it)."""
        book = await tx.bills.get_book(order_id)
        if book is None:
            return None
        cancelled = book.cancelled(self._clock.now())
        if cancelled is None:
            return None
        if not await tx.bills.save(cancelled.bill, book.bill.version):
            raise Conflict("Bill changed meanwhile")
        await tx.outbox.add([bill_event(BILL_CANCELLED, cancelled.bill, cancelled.bill.updated_at)])
        return cancelled.bill

    # People --------------------------------------------------------------------------------

    async def _visible_bill(self, tx: Transaction, actor: Actor, order_id: uuid.UUID) -> Bill:
        bill = await tx.bills.get_by_order(order_id)
        if bill is None or not (
            bill.user_id == actor.user_id or await may_operate(tx, actor, bill.restaurant_id)
        ):
            raise NotFound("Bill not found for this order")
        return bill

    async def get_bill(self, actor: Actor, order_id: uuid.UUID) -> Bill:
        """The bill of an order, for its customer, the restaurant's owner and staff, admins."""
        return await self._db.run(lambda tx: self._visible_bill(tx, actor, order_id))

    async def get_book(self, actor: Actor, order_id: uuid.UUID) -> BillBook:
        """The whole bill (lines, taxes, discounts, parts, payments, refunds), for the same
        people as :meth:`get_bill`."""
        return await self._db.run(lambda tx: visible_book(tx, actor, order_id))

    async def finalize(
        self,
        actor: Actor,
        order_id: uuid.UUID,
        payment_method: object,
        tip_amount: object = None,
        idempotency_key: str | None = None,
    ) -> Finalized:
        """Pay the whole bill at once (one payment of everything due). Paying twice, paying a
        bill that was paid in part or split, or paying a cancelled bill is Conflict; of two
        concurrent payments exactly one succeeds (compare-and-set on the bill's version). With
        an Idempotency-Key the same request replays and a different one conflicts."""
        method = parse_payment_method(payment_method)
        tip = parse_money(tip_amount if tip_amount is not None else "0", field="tip_amount")
        key = check_idempotency_key(idempotency_key)
        fingerprint = hashlib.sha256(f"{order_id}|{method}|{tip}".encode()).hexdigest()

        async def work(tx: Transaction) -> Finalized:
            if key is not None:
                record = await tx.idempotency.get(actor.user_id, FINALIZE_SCOPE, key)
                if record is not None:
                    if record.fingerprint != fingerprint:
                        raise Conflict("Idempotency-Key was already used with a different request")
                    return Finalized(await self._visible_bill(tx, actor, order_id), True)
            book = await visible_book(tx, actor, order_id)
            bill = book.bill
            order = await tx.orders.get(order_id)
            if order is not None and order.status is OrderStatus.CANCELLED:
                # The billing consumer cancels the bill shortly after; never take money first.
                raise Conflict("The order is cancelled; its bill cannot be paid")
            if bill.status is BillStatus.CANCELLED:
                raise Conflict(f"Bill {bill.id} is cancelled")
            if book.payments:
                raise Conflict(f"Bill {bill.id} is already paid")
            if book.parts:
                raise Conflict("The bill is split: pay its parts with payments")
            at = self._clock.now()
            payment = Payment(new_id(), None, method, bill.amount_due, tip, actor.user_id, at)
            after = book.paid(payment, whole=True)
            if not await tx.bills.save_book(after, book):
                raise Conflict(f"Bill {bill.id} changed meanwhile; reload it")
            paid = after.bill
            await tx.outbox.add(
                [bill_event(BILL_PAID, paid, paid.updated_at, payment=payment_view(payment))]
            )
            if key is not None:
                await tx.idempotency.add(
                    IdempotencyRecord(
                        actor.user_id, FINALIZE_SCOPE, key, fingerprint, paid.id, paid.updated_at
                    )
                )
            return Finalized(paid, False)

        return await self._db.run(work)

    async def bills_of_user(
        self, actor: Actor, user_id: uuid.UUID, page: Page = Page()
    ) -> Sequence[Bill]:
        """A user's bills, for that user and admins."""
        if actor.user_id != user_id and not actor.is_admin:
            # Another user's bills are someone else's objects: not found, not forbidden.
            raise NotFound("User not found")
        return await self._db.run(lambda tx: tx.bills.list_for_user(user_id, page))

    async def bills_of_restaurant(
        self, actor: Actor, restaurant_id: uuid.UUID, page: Page = Page()
    ) -> Sequence[Bill]:
        """A restaurant's bills, for its owner, staff and admins."""

        async def work(tx: Transaction) -> Sequence[Bill]:
            if not await may_operate(tx, actor, restaurant_id):
                if actor.role is Role.CUSTOMER:
                    raise Forbidden("Your role may not do this")
                raise NotFound("Restaurant not found")
            return await tx.bills.list_for_restaurant(restaurant_id, page)

        return await self._db.run(work)


__all__ = ["BillingService", "Finalized", "PaymentMethod", "bill_event"]
