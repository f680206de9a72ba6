"""Changing a bill's book in one unit of work: who may see it, the compare-and-set write, the
outbox event, and replays of Idempotency-Key requests. Shared by the money use cases
(:mod:`restman_core.services.bill_money`) and cancelling a paid order with its refund."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from restman_core.domain.access import Actor, Role
from restman_core.domain.bill_book import BillBook, Refund
from restman_core.domain.billing import BillStatus
from restman_core.domain.events import BILL_PAID, BILL_REFUNDED, DomainEvent
from restman_core.domain.ids import new_id
from restman_core.domain.menus import Restaurant
from restman_core.domain.text import plain_text
from restman_core.errors import Conflict, Forbidden, InvalidInput, NotFound
from restman_core.ports.storage import IdempotencyRecord, Transaction
from restman_core.services.access import may_operate
from restman_core.views import bill_view
from restman_core.views_billing import payment_view, refund_view

MAX_REASON = 200


@dataclass(frozen=True, slots=True)
class BookChange:
    book: BillBook
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class Idempotent:
    """An Idempotency-Key request: its key, scope and the fingerprint of its body."""

    key: str
    scope: str
    fingerprint: str


async def visible_book(tx: Transaction, actor: Actor, order_id: uuid.UUID) -> BillBook:
    """The bill's book for its customer, the restaurant's owner and staff, admins; NotFound for
    anyone else (the bill's existence is not revealed)."""
    book = await tx.bills.get_book(order_id)
    if book is None or not (
        book.bill.user_id == actor.user_id or await may_operate(tx, actor, book.bill.restaurant_id)
    ):
        raise NotFound("Bill not found for this order")
    return book


async def restaurant_of(tx: Transaction, book: BillBook) -> Restaurant:
    restaurant = await tx.restaurants.get(book.bill.restaurant_id)
    if restaurant is None:
        raise NotFound("Restaurant not found")
    return restaurant


async def require_manager(tx: Transaction, actor: Actor, book: BillBook, what: str) -> None:
    """Forbidden unless the actor owns the bill's restaurant or is an admin."""
    if actor.is_admin:
        return
    if actor.role is Role.OWNER and (await restaurant_of(tx, book)).owner_id == actor.user_id:
        return
    raise Forbidden(f"Only the restaurant's owner or an admin may {what}")


def clean_reason(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("reason is required", details={"field": "reason"})
    reason = plain_text(value.strip(), field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            f"reason must be at most {MAX_REASON} characters", details={"field": "reason"}
        )
    return reason


def money_event(kind: str, book: BillBook, at: datetime, **entry: Any) -> DomainEvent:
    """A bill event keyed by its order id (ordered with the order's events): the whole bill,
    plus the entry that moved it."""
    return DomainEvent(
        event_type=kind,
        key=book.bill.order_id,
        occurred_at=at,
        payload=bill_view(book.bill) | {"version": book.bill.version} | entry,
    )


def paid_events(before: BillBook, after: BillBook, kind: str, **entry: Any) -> list[DomainEvent]:
    """The change's own event, and ``bill.paid`` when the bill just became PAID (what the
    original's consumers and analytics have always counted)."""
    at = after.bill.updated_at
    events = [money_event(kind, after, at, **entry)]
    if after.bill.status is BillStatus.PAID and before.bill.status is not BillStatus.PAID:
        events.append(money_event(BILL_PAID, after, at))
    return events


async def replay(tx: Transaction, actor: Actor, order_id: uuid.UUID, request: Idempotent) -> bool:
    """True when this Idempotency-Key request was already made (Conflict if with another body)."""
    record = await tx.idempotency.get(actor.user_id, request.scope, request.key)
    if record is None:
        return False
    if record.fingerprint != request.fingerprint:
        raise Conflict("Idempotency-Key was already used with a different request")
    return True


async def write_change(
    tx: Transaction,
    actor: Actor,
    before: BillBook,
    after: BillBook,
    events: list[DomainEvent],
    request: Idempotent | None = None,
    resource_id: uuid.UUID | None = None,
) -> BookChange:
    """Compare-and-set ``after`` over ``before`` (Conflict if the bill moved meanwhile), with its
    events and the Idempotency-Key record."""
    if not await tx.bills.save_book(after, before):
        raise Conflict(f"Bill {before.bill.id} changed meanwhile; reload it")
    await tx.outbox.add(events)
    if request is not None:
        await tx.idempotency.add(
            IdempotencyRecord(
                actor.user_id,
                request.scope,
                request.key,
                request.fingerprint,
                resource_id or after.bill.id,
                after.bill.updated_at,
            )
        )
    return BookChange(after)


async def refund_in(
    tx: Transaction,
    actor: Actor,
    book: BillBook,
    *,
    amount: Any,
    item_ids: tuple[uuid.UUID, ...],
    reason: str,
    at: datetime,
    request: Idempotent | None = None,
) -> BookChange:
    """Refund within the caller's unit of work (owners and admins only)."""
    await require_manager(tx, actor, book, "refund")
    refund = Refund(new_id(), amount, item_ids, reason, actor.user_id, at)
    after = book.refunded(refund)
    made = after.refunds[-1]
    events = [money_event(BILL_REFUNDED, after, at, refund=refund_view(made))]
    return await write_change(tx, actor, book, after, events, request, made.id)


Work = Callable[[Transaction], Awaitable[BookChange]]
__all__ = ["BookChange", "Idempotent", "Work", "payment_view", "refund_in", "visible_book"]
