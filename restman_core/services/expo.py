"""The expediter: open orders with every ticket, and the expo bump that sends an order out.

An order is ready for expo when it has fired tickets and every one of them (held courses and
cancelled tickets aside) is READY or already delivered, with at least one READY. The expo bump
delivers the order's READY tickets in one unit of work; when no ticket is left open the order
is COMPLETED in the same transaction, and where the restaurant sets ``auto_fire_courses`` the
next held course fires. A fired ticket not READY refuses the bump (Conflict, nothing changed);
of two terminals bumping at once exactly one wins (compare-and-set on every ticket), the other
finds nothing READY: a Conflict too.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from restman_core.domain.access import Actor
from restman_core.domain.clock import Clock
from restman_core.domain.kitchen import OPEN_TICKET_STATUSES, Ticket, TicketStatus
from restman_core.domain.orders import TERMINAL_ORDER_STATUSES, Order, OrderStatus
from restman_core.errors import Conflict, NotFound
from restman_core.ports.storage import Database, Page, Transaction
from restman_core.services.access import may_operate, operated_restaurants, scoped
from restman_core.services.courses import auto_fire_next
from restman_core.services.orders import OrderService
from restman_core.services.ticket_changes import save_ticket

OPEN_ORDER_STATUSES = (
    OrderStatus.PLACED,
    OrderStatus.ACCEPTED,
    OrderStatus.IN_PROGRESS,
    OrderStatus.READY,
)
MAX_EXPO_ORDERS = 200
_DONE = frozenset({TicketStatus.READY, TicketStatus.DELIVERED_TO_SERVICE})


@dataclass(frozen=True, slots=True)
class ExpoOrder:
    """One order as the expediter sees it."""

    order: Order
    tickets: tuple[Ticket, ...]

    @property
    def fired(self) -> tuple[Ticket, ...]:
        """Tickets fired to the kitchen: not held, not cancelled."""
        return tuple(
            t for t in self.tickets if not t.held and t.status is not TicketStatus.CANCELLED
        )

    @property
    def ready_for_expo(self) -> bool:
        """Every fired ticket READY or delivered, and at least one READY to send out."""
        fired = self.fired
        return all(t.status in _DONE for t in fired) and any(
            t.status is TicketStatus.READY for t in fired
        )

    @property
    def stations(self) -> tuple[str, ...]:
        return tuple(sorted({t.station for t in self.tickets}))


class ExpoService:
    def __init__(self, db: Database, clock: Clock, orders: OrderService) -> None:
        self._db = db
        self._clock = clock
        self._orders = orders

    async def board(self, actor: Actor, restaurant_id: uuid.UUID | None = None) -> list[ExpoOrder]:
        """Open orders of the restaurants the actor operates (``restaurant_id``: only that one)
        that have tickets, oldest first, each with all its tickets; at most 200."""

        async def work(tx: Transaction) -> list[ExpoOrder]:
            allowed = scoped(await operated_restaurants(tx, actor), restaurant_id)
            found: list[Order] = []
            for status in OPEN_ORDER_STATUSES:
                page = Page(limit=MAX_EXPO_ORDERS)
                found += await tx.orders.list_for_restaurants(allowed, status, page)
            found.sort(key=lambda o: (o.created_at, o.id))
            board = []
            for order in found[:MAX_EXPO_ORDERS]:
                tickets = tuple(await tx.tickets.for_order(order.id))
                if tickets:
                    board.append(ExpoOrder(order, tickets))
            return board

        return await self._db.run(work)

    async def _order(self, tx: Transaction, actor: Actor, order_id: uuid.UUID) -> Order:
        order = await tx.orders.get(order_id)
        if order is None or not await may_operate(tx, actor, order.restaurant_id):
            await operated_restaurants(tx, actor)  # Forbidden for roles that never may
            raise NotFound("Order not found")
        if order.status in TERMINAL_ORDER_STATUSES:
            raise Conflict(
                f"The order is {order.status}; nothing is left to send out",
                details={"status": str(order.status)},
            )
        return order

    async def deliver(self, actor: Actor, order_id: uuid.UUID) -> ExpoOrder:
        """The expo bump: deliver the order's READY tickets and, when none is left open,
        complete the order. Returns the order as the expediter now sees it."""

        async def work(tx: Transaction) -> ExpoOrder:
            order = await self._order(tx, actor, order_id)
            tickets = await tx.tickets.for_order(order.id)
            _check_ready(ExpoOrder(order, tuple(tickets)))
            now = self._clock.now()
            for ticket in tickets:
                if ticket.status is TicketStatus.READY and not ticket.held:
                    delivered = ticket.moved_to(TicketStatus.DELIVERED_TO_SERVICE, now)
                    await save_ticket(tx, ticket, delivered)
            await auto_fire_next(tx, order.id, now)
            after = await tx.tickets.for_order(order.id)
            if not any(t.status in OPEN_TICKET_STATUSES for t in after):
                await self._orders.follow_kitchen(tx, order.id, OrderStatus.COMPLETED)
            current = await tx.orders.get(order.id)
            return ExpoOrder(current or order, tuple(after))

        return await self._db.run(work)


def _check_ready(expo: ExpoOrder) -> None:
    """Conflict naming the fired tickets not READY, or saying nothing is READY."""
    waiting: Sequence[Ticket] = [t for t in expo.fired if t.status not in _DONE]
    if waiting:
        names = ", ".join(f"{t.station} ({t.status})" for t in waiting)
        raise Conflict(
            f"Not every ticket is READY: {names}",
            details={"tickets": [str(t.id) for t in waiting]},
        )
    if not expo.ready_for_expo:
        raise Conflict("Nothing of this order is READY to send out")
