"""Turning events into analytics facts.

Fact versions come from the event, so the same event always yields the same fact (recording it
twice changes nothing) and a later state has a higher version:

* orders: the status's place in the order machine (PLACED 1 ... COMPLETED 5, CANCELLED 6; the
  machine only moves forward, and CANCELLED is terminal);
* bills: the bill's own version, which grows with every change (discounts, splits, payments,
  refunds); events written before bills carried it have PENDING 1, then PAID or CANCELLED 2,
  which is what the bill's version was then;
* payments and refunds never change: each event carries the one it made.
* tickets: the ticket's own version (it grows with every change, recalls included);
* a voided item and an order's quote are written once (immutable facts): an
  ``order.item_voided`` carries the item as placed, and an order's first status change to READY
  (or to COMPLETED) yields its quote beside that moment, the quote as the order holds it then
  (the kitchen stops requoting an order with nothing left to cook);
* every modifier option an item took is a fact of its own, written once with the item's, from
  the same ``order.placed`` / ``order.items_added`` payload.

An ``order.status_updated`` payload lacks the order's amount, type and placement time, so its
fact is completed from the order itself (:class:`StatusChangeNeed`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from restman_core.domain.analytics import (
    AnalyticsFact,
    BillFact,
    OrderFact,
    OrderItemFact,
    PaymentFact,
    RefundFact,
    TicketTimingFact,
)
from restman_core.domain.analytics_changes import ModifierFact, QuoteFact, VoidedItemFact
from restman_core.domain.clock import ensure_utc
from restman_core.domain.events import (
    BILL_CANCELLED,
    BILL_DISCOUNT_CHANGED,
    BILL_GENERATED,
    BILL_PAID,
    BILL_PAYMENT_TAKEN,
    BILL_REFUNDED,
    BILL_REVISED,
    BILL_SPLIT,
    ORDER_ITEM_VOIDED,
    ORDER_ITEMS_ADDED,
    ORDER_PLACED,
    ORDER_STATUS_UPDATED,
    TICKET_CREATED,
    TICKET_UPDATED,
    DomainEvent,
)
from restman_core.domain.orders import Order, OrderStatus
from restman_core.errors import InvalidInput

ORDER_VERSIONS = {
    OrderStatus.PLACED: 1,
    OrderStatus.ACCEPTED: 2,
    OrderStatus.IN_PROGRESS: 3,
    OrderStatus.READY: 4,
    OrderStatus.COMPLETED: 5,
    OrderStatus.CANCELLED: 6,
}
BILL_VERSIONS = {"PENDING": 1, "PAID": 2, "CANCELLED": 2}
# The statuses at which an order counts as ready for its quote: the first one it reaches.
READY_STATUSES = frozenset({OrderStatus.READY, OrderStatus.COMPLETED})
FACT_EVENTS = frozenset(
    {
        ORDER_PLACED,
        ORDER_ITEMS_ADDED,
        ORDER_ITEM_VOIDED,
        ORDER_STATUS_UPDATED,
        BILL_GENERATED,
        BILL_PAID,
        BILL_CANCELLED,
        BILL_DISCOUNT_CHANGED,
        BILL_SPLIT,
        BILL_PAYMENT_TAKEN,
        BILL_REFUNDED,
        BILL_REVISED,
        TICKET_CREATED,
        TICKET_UPDATED,
    }
)


@dataclass(frozen=True, slots=True)
class StatusChangeNeed:
    """An order status change whose fact needs the order's immutable fields."""

    order_id: uuid.UUID
    status: OrderStatus
    updated_at: datetime

    def fact(self, order: Order) -> OrderFact:
        return OrderFact(
            order_id=order.id,
            restaurant_id=order.restaurant_id,
            user_id=order.user_id,
            order_type=str(order.order_type),
            status=str(self.status),
            total_amount=order.total_amount,
            placed_at=order.created_at,
            updated_at=self.updated_at,
            version=ORDER_VERSIONS[self.status],
        )

    def facts(self, order: Order) -> list[AnalyticsFact]:
        """The order's new version, and its quote fact when this change made it ready."""
        made: list[AnalyticsFact] = [self.fact(order)]
        quote = quote_fact(order, self.status, self.updated_at)
        if quote is not None:
            made.append(quote)
        return made


def quote_fact(order: Order, status: OrderStatus, ready_at: datetime | None) -> QuoteFact | None:
    """The quote fact of ``order`` ready at ``ready_at`` (``None``: never ready, not quoted, or
    ``status`` not a ready one)."""
    if status not in READY_STATUSES or order.quoted_ready_at is None or ready_at is None:
        return None
    return QuoteFact(
        order_id=order.id,
        restaurant_id=order.restaurant_id,
        placed_at=order.created_at,
        quoted_ready_at=order.quoted_ready_at,
        ready_at=ready_at,
    )


def facts_of(event: DomainEvent) -> list[AnalyticsFact] | StatusChangeNeed:
    """The facts an event yields (empty for events analytics ignores), or what to look up.
    Raises :class:`InvalidInput` for a payload that does not make valid facts."""
    data = event.payload
    try:
        if event.event_type == ORDER_PLACED:
            return placed_facts(data)
        if event.event_type == ORDER_ITEMS_ADDED:
            return item_facts(data, _time(data["placed_at"]))
        if event.event_type == ORDER_ITEM_VOIDED:
            return [voided_fact(data, data["item"], _time(data["placed_at"]))]
        if event.event_type == ORDER_STATUS_UPDATED:
            return StatusChangeNeed(
                uuid.UUID(str(data["order_id"])),
                OrderStatus(str(data["new_status"])),
                _time(data["updated_at"]),
            )
        if event.event_type.startswith("bill."):
            return bill_facts(data)
        if event.event_type in (TICKET_CREATED, TICKET_UPDATED):
            return [ticket_fact(data["ticket"])]
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise InvalidInput(f"{event.event_type} {event.event_id} makes no fact: {exc!r}") from exc
    return []


def placed_facts(data: Mapping[str, Any]) -> list[AnalyticsFact]:
    order_id = uuid.UUID(str(data["order_id"]))
    restaurant_id = uuid.UUID(str(data["restaurant_id"]))
    placed_at = _time(data["placed_at"])
    facts: list[AnalyticsFact] = [
        OrderFact(
            order_id=order_id,
            restaurant_id=restaurant_id,
            user_id=uuid.UUID(str(data["user_id"])),
            order_type=str(data.get("order_type") or ""),
            status=str(OrderStatus.PLACED),
            total_amount=Decimal(str(data["total_amount"])),
            placed_at=placed_at,
            updated_at=placed_at,
            version=ORDER_VERSIONS[OrderStatus.PLACED],
        )
    ]
    facts.extend(item_facts(data, placed_at))
    return facts


def item_facts(data: Mapping[str, Any], placed_at: datetime) -> list[AnalyticsFact]:
    """The item facts of an ``order.placed`` or ``order.items_added`` payload, each followed by
    the facts of the modifier options it took: items added to an open order later count like
    the ones placed with it, at the order's placement time."""
    order_id = uuid.UUID(str(data["order_id"]))
    restaurant_id = uuid.UUID(str(data["restaurant_id"]))
    facts: list[AnalyticsFact] = []
    for item in data["items"]:
        item_id = uuid.UUID(str(item["id"]))
        quantity = int(item["quantity"])
        facts.append(
            OrderItemFact(
                item_id=item_id,
                order_id=order_id,
                restaurant_id=restaurant_id,
                food_id=uuid.UUID(str(item["food_id"])),
                food_name=str(item["food_name"]),
                quantity=quantity,
                unit_price=Decimal(str(item["unit_price"])),
                subtotal=Decimal(str(item["subtotal"])),
                placed_at=placed_at,
            )
        )
        facts.extend(
            modifier_fact(item_id, order_id, restaurant_id, quantity, chosen, placed_at)
            for chosen in item.get("modifiers") or ()
        )
    return facts


def modifier_fact(
    item_id: uuid.UUID,
    order_id: uuid.UUID,
    restaurant_id: uuid.UUID,
    item_quantity: int,
    chosen: Mapping[str, Any],
    placed_at: datetime,
) -> ModifierFact:
    """The fact of one option (as the order view shows it) taken by an item of
    ``item_quantity``."""
    taken = item_quantity * int(chosen["quantity"])
    return ModifierFact(
        item_id=item_id,
        option_id=uuid.UUID(str(chosen["option_id"])),
        order_id=order_id,
        restaurant_id=restaurant_id,
        group_name=str(chosen["group_name"]),
        name=str(chosen["name"]),
        quantity=taken,
        revenue=Decimal(str(chosen["price_delta"])) * taken,
        placed_at=placed_at,
    )


def voided_fact(
    order: Mapping[str, Any], item: Mapping[str, Any], placed_at: datetime
) -> VoidedItemFact:
    """The fact of one voided ``item`` (as the order view shows it) of ``order``."""
    return VoidedItemFact(
        item_id=uuid.UUID(str(item["id"])),
        order_id=uuid.UUID(str(order["order_id"])),
        restaurant_id=uuid.UUID(str(order["restaurant_id"])),
        food_id=uuid.UUID(str(item["food_id"])),
        food_name=str(item["food_name"]),
        quantity=int(item["quantity"]),
        unit_price=Decimal(str(item["unit_price"])),
        subtotal=Decimal(str(item["subtotal"])),
        placed_at=placed_at,
    )


def bill_facts(data: Mapping[str, Any]) -> list[AnalyticsFact]:
    """A bill event's facts: the bill, and the payment or refund the event carries."""
    facts: list[AnalyticsFact] = [bill_fact(data)]
    if data.get("payment"):
        facts.append(payment_fact(data["payment"], data))
    if data.get("refund"):
        facts.append(refund_fact(data["refund"], data))
    return facts


def payment_fact(payment: Mapping[str, Any], bill: Mapping[str, Any]) -> PaymentFact:
    return PaymentFact(
        payment_id=uuid.UUID(str(payment["id"])),
        bill_id=uuid.UUID(str(bill["id"])),
        order_id=uuid.UUID(str(bill["order_id"])),
        restaurant_id=uuid.UUID(str(bill["restaurant_id"])),
        payment_method=str(payment["payment_method"]),
        amount=Decimal(str(payment["amount"])),
        tip_amount=Decimal(str(payment["tip_amount"])),
        generated_at=_time(bill["generated_at"]),
        paid_at=_time(payment["created_at"]),
    )


def refund_fact(refund: Mapping[str, Any], bill: Mapping[str, Any]) -> RefundFact:
    return RefundFact(
        refund_id=uuid.UUID(str(refund["id"])),
        bill_id=uuid.UUID(str(bill["id"])),
        order_id=uuid.UUID(str(bill["order_id"])),
        restaurant_id=uuid.UUID(str(bill["restaurant_id"])),
        amount=Decimal(str(refund["amount"])),
        revenue_amount=Decimal(str(refund["revenue_amount"])),
        generated_at=_time(bill["generated_at"]),
        refunded_at=_time(refund["created_at"]),
    )


def bill_fact(data: Mapping[str, Any]) -> BillFact:
    status = str(data["status"])
    paid_at = data.get("paid_at")
    return BillFact(
        bill_id=uuid.UUID(str(data["id"])),
        order_id=uuid.UUID(str(data["order_id"])),
        restaurant_id=uuid.UUID(str(data["restaurant_id"])),
        user_id=uuid.UUID(str(data["user_id"])),
        subtotal=Decimal(str(data["subtotal"])),
        tax_amount=Decimal(str(data["tax_amount"])),
        discount_amount=Decimal(str(data["discount_amount"])),
        tip_amount=Decimal(str(data["tip_amount"])),
        total_amount=Decimal(str(data["total_amount"])),
        status=status,
        payment_method=str(data.get("payment_method") or ""),
        generated_at=_time(data["generated_at"]),
        paid_at=_time(paid_at) if paid_at else None,
        updated_at=_time(data["updated_at"]),
        version=int(data["version"]) if data.get("version") else BILL_VERSIONS[status],
    )


def ticket_fact(ticket: Mapping[str, Any]) -> TicketTimingFact:
    ready_at = ticket.get("ready_at")
    return TicketTimingFact(
        ticket_id=uuid.UUID(str(ticket["id"])),
        order_id=uuid.UUID(str(ticket["order_id"])),
        restaurant_id=uuid.UUID(str(ticket["restaurant_id"])),
        station=str(ticket["station"]),
        new_at=_time(ticket["created_at"]),
        ready_at=_time(ready_at) if ready_at else None,
        version=int(ticket["version"]),
    )


def _time(text: object) -> datetime:
    return ensure_utc(datetime.fromisoformat(str(text).replace("Z", "+00:00")))
