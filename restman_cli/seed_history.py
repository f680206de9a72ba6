"""Writing planned demo orders: the order, its tickets and bill, their later life, and the
analytics facts that describe the result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from restman_cli.seed_data import seed_id
from restman_cli.seed_orders import OrderPlan
from restman_core.domain.analytics import AnalyticsFact
from restman_core.domain.bill_book import Payment
from restman_core.domain.billing import Bill
from restman_core.domain.kitchen import Ticket
from restman_core.domain.menus import Restaurant
from restman_core.domain.orders import Order, OrderItem, OrderStatus, StatusChange, line_subtotal
from restman_core.errors import Conflict
from restman_core.ports.storage import Transaction
from restman_core.services.order_building import placed_payload
from restman_core.services.pipeline.facts import (
    StatusChangeNeed,
    bill_fact,
    payment_fact,
    placed_facts,
    ticket_fact,
)
from restman_core.views import bill_view, ticket_view
from restman_core.views_billing import payment_view

if TYPE_CHECKING:
    from restman_core.bootstrap import Platform


class SeedClock:
    """The platform's clock while seeding: the moment the seed sets, or the real time."""

    def __init__(self) -> None:
        self.moment: datetime | None = None

    def now(self) -> datetime:
        return self.moment or datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class WrittenOrder:
    """An order the seed wrote, in its final state, with its ``order.placed`` payload."""

    order: Order
    placed: dict[str, Any]
    tickets: tuple[Ticket, ...]
    bill: Bill | None
    payment: Payment | None = None

    def facts(self) -> list[AnalyticsFact]:
        """The analytics facts of the final state, built exactly as the event pipeline builds
        them (same versions), so later events for these orders supersede them correctly."""
        facts = placed_facts(self.placed)
        if self.order.status is not OrderStatus.PLACED:
            change = StatusChangeNeed(self.order.id, self.order.status, self.order.updated_at)
            facts.append(change.fact(self.order))
        facts += [ticket_fact(ticket_view(t)) for t in self.tickets]
        if self.bill is not None:
            data = bill_view(self.bill) | {"version": self.bill.version}
            facts.append(bill_fact(data))
            if self.payment is not None:
                facts.append(payment_fact(payment_view(self.payment), data))
        return facts


def _order(plan: OrderPlan, customer_id: object) -> Order:
    items = tuple(
        OrderItem(
            line.item_id,
            plan.order_id,
            line.food_id,
            line.food.name,
            line.food.description,
            line.quantity,
            line.food.price,
            line_subtotal(line.food.price, line.quantity),
            None,
            line.station,
            plan.placed_at,
        )
        for line in plan.lines
    )
    return Order(
        id=plan.order_id,
        user_id=customer_id,  # type: ignore[arg-type]
        restaurant_id=seed_id("restaurant", plan.restaurant.key),
        status=OrderStatus.PLACED,
        order_type=plan.order_type,
        table=plan.table,
        total_amount=sum((i.subtotal for i in items), Decimal("0.00")),
        delivery_address=plan.address,
        special_instructions=None,
        created_at=plan.placed_at,
        updated_at=plan.placed_at,
        items=items,
        history=(StatusChange(OrderStatus.PLACED, plan.placed_at, customer_id),),  # type: ignore[arg-type]
    )


async def _advance(tx: Transaction, order: Order, plan: OrderPlan) -> Order:
    """Apply the plan's status changes with compare-and-set, as the order use cases do."""
    for status, at in plan.steps:
        change = StatusChange(status, at, None, "demo history")
        if not await tx.orders.change_status(order.id, order.status, change):
            raise Conflict(f"demo order {order.id} changed while seeding")
        order = Order(
            **{
                **{f: getattr(order, f) for f in order.__dataclass_fields__},
                "status": status,
                "updated_at": at,
                "history": (*order.history, change),
            }
        )
    return order


async def _cook(tx: Transaction, tickets: list[Ticket], plan: OrderPlan) -> list[Ticket]:
    """Bump each ticket through the plan's kitchen moments with the domain's transitions."""
    cooked = []
    for opened in tickets:
        ticket = opened
        for status, at in plan.ticket_steps.get(ticket.station, ()):
            ticket = ticket.moved_to(status, at)
        # One write of the final state (versions counted as if bumped one by one): the
        # history of a demo ticket is not kept, only where it ended and when it was ready.
        if ticket is not opened and not await tx.tickets.save(ticket, opened.version):
            raise Conflict(f"demo ticket {ticket.id} changed while seeding")
        cooked.append(ticket)
    return cooked


async def _write_one(
    platform: Platform, clock: SeedClock, tx: Transaction, plan: OrderPlan, restaurant: Restaurant
) -> WrittenOrder:
    customer = await tx.users.get_by_email(plan.customer)
    assert customer is not None, "the catalog is seeded first"
    order = _order(plan, customer.id)
    await tx.orders.add(order)
    clock.moment = plan.placed_at
    payload = placed_payload(order, restaurant)
    tickets = await platform.kitchen.open_tickets(tx, payload)
    bill = await platform.billing.open_bill(tx, payload)
    order = await _advance(tx, order, plan)
    if plan.final is OrderStatus.CANCELLED:
        clock.moment = order.updated_at
        voided = {t.id: t for t in await platform.kitchen.void_tickets(tx, order.id)}
        tickets = [voided.get(t.id, t) for t in tickets]
        bill = await platform.billing.cancel_bill(tx, order.id) or bill
    else:
        tickets = await _cook(tx, tickets, plan)
    if bill is not None and plan.payment is not None and plan.paid_at is not None:
        book = await tx.bills.get_book(order.id)
        assert book is not None
        payment = Payment(
            seed_id("payment", order.id),
            None,
            plan.payment,
            book.bill.amount_due,
            plan.tip_for(bill.subtotal),
            customer.id,
            plan.paid_at,
        )
        paid = book.paid(payment, whole=True)
        if not await tx.bills.save_book(paid, book):
            raise Conflict(f"demo bill {bill.id} changed while seeding")
        return WrittenOrder(order, payload, tuple(tickets), paid.bill, payment)
    return WrittenOrder(order, payload, tuple(tickets), bill)


async def write_batch(
    platform: Platform, clock: SeedClock, plans: list[OrderPlan], tx: Transaction
) -> list[WrittenOrder]:
    """Write the planned orders that are not there yet (one transaction); returns them."""
    restaurants: dict[object, Restaurant] = {}
    written = []
    for plan in plans:
        if await tx.orders.get(plan.order_id) is not None:
            continue
        restaurant_id = seed_id("restaurant", plan.restaurant.key)
        if restaurant_id not in restaurants:
            found = await tx.restaurants.get(restaurant_id)
            assert found is not None, "the catalog is seeded first"
            restaurants[restaurant_id] = found
        written.append(await _write_one(platform, clock, tx, plan, restaurants[restaurant_id]))
    return written


async def already_there(
    tx: Transaction, plans: list[OrderPlan], skip: set[object]
) -> list[WrittenOrder]:
    """The planned orders an earlier run wrote (all but ``skip``), read back in their stored
    state, so their analytics facts can be recorded again: a run whose facts were lost after
    its data committed is finished by the next one (facts are idempotent by id and version)."""
    restaurants: dict[object, Restaurant] = {}
    found = []
    for plan in plans:
        if plan.order_id in skip:
            continue
        order = await tx.orders.get(plan.order_id)
        if order is None:
            continue
        if order.restaurant_id not in restaurants:
            restaurant = await tx.restaurants.get(order.restaurant_id)
            assert restaurant is not None, "an order's restaurant is never deleted"
            restaurants[order.restaurant_id] = restaurant
        payload = placed_payload(order, restaurants[order.restaurant_id])
        tickets = tuple(await tx.tickets.for_order(order.id))
        book = await tx.bills.get_book(order.id)
        bill = book.bill if book else None
        payment = book.payments[0] if book and book.payments else None
        found.append(WrittenOrder(order, payload, tickets, bill, payment))
    return found
