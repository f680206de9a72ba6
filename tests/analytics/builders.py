"""Compact builders of analytics facts for the tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from restman_core.domain.analytics import BillFact, OrderFact, OrderItemFact, TicketTimingFact


def at(day: int, hour: int = 12, minute: int = 0, second: int = 0, month: int = 3) -> datetime:
    """A UTC moment in 2024."""
    return datetime(2024, month, day, hour, minute, second, tzinfo=UTC)


def money(text: str) -> Decimal:
    return Decimal(text)


def order(
    order_id: UUID, restaurant_id: UUID, status: str, version: int, placed_at: datetime
) -> OrderFact:
    return OrderFact(
        order_id=order_id,
        restaurant_id=restaurant_id,
        user_id=UUID(int=7),
        order_type="takeaway",
        status=status,
        total_amount=money("0.00"),
        placed_at=placed_at,
        updated_at=placed_at + timedelta(minutes=version),
        version=version,
    )


def item(
    order_id: UUID,
    restaurant_id: UUID,
    food_id: UUID,
    name: str,
    quantity: int,
    unit_price: str,
    placed_at: datetime,
) -> OrderItemFact:
    price = money(unit_price)
    return OrderItemFact(
        item_id=uuid4(),
        order_id=order_id,
        restaurant_id=restaurant_id,
        food_id=food_id,
        food_name=name,
        quantity=quantity,
        unit_price=price,
        subtotal=price * quantity,
        placed_at=placed_at,
    )


def bill(
    bill_id: UUID,
    order_id: UUID,
    restaurant_id: UUID,
    amounts: tuple[str, str, str],
    status: str,
    version: int,
    generated_at: datetime,
) -> BillFact:
    """``amounts`` is (subtotal, tax, tip); the total is their sum. A PAID bill is paid by card
    ten minutes after it was generated."""
    subtotal, tax, tip = (money(value) for value in amounts)
    paid = status == "PAID"
    return BillFact(
        bill_id=bill_id,
        order_id=order_id,
        restaurant_id=restaurant_id,
        user_id=UUID(int=7),
        subtotal=subtotal,
        tax_amount=tax,
        discount_amount=money("0.00"),
        tip_amount=tip,
        total_amount=subtotal + tax + tip,
        status=status,
        payment_method="card" if paid else "",
        generated_at=generated_at,
        paid_at=generated_at + timedelta(minutes=10) if paid else None,
        updated_at=generated_at + timedelta(minutes=version),
        version=version,
    )


def ticket(
    ticket_id: UUID,
    restaurant_id: UUID,
    station: str,
    new_at: datetime,
    ready_after: float | None,
    version: int,
) -> TicketTimingFact:
    """A ticket opened at ``new_at`` and READY ``ready_after`` seconds later (None: not
    ready)."""
    return TicketTimingFact(
        ticket_id=ticket_id,
        order_id=UUID(int=9),
        restaurant_id=restaurant_id,
        station=station,
        new_at=new_at,
        ready_at=None if ready_after is None else new_at + timedelta(seconds=ready_after),
        version=version,
    )
