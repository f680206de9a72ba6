"""Ticket changes that other use cases make inside their own unit of work: the ticket events,
and closing an order's open tickets when the order itself closes.

These run in the same transaction as the order change that causes them, so no reader ever sees
a completed or cancelled order with a ticket still open on a board or in the all-day count
(both read tickets by status). The kitchen consumer uses the same functions when a placement or
an addition reaches it after its order closed.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from restman_core.domain.events import TICKET_UPDATED, DomainEvent
from restman_core.domain.kitchen import OPEN_TICKET_STATUSES, Ticket, TicketStatus
from restman_core.domain.orders import OrderStatus
from restman_core.errors import Conflict
from restman_core.ports.storage import Transaction
from restman_core.views import ticket_view

# What an order's closing status does to each of its tickets still open.
CLOSING_TICKET_STATUS: dict[OrderStatus, TicketStatus] = {
    OrderStatus.COMPLETED: TicketStatus.DELIVERED_TO_SERVICE,
    OrderStatus.CANCELLED: TicketStatus.CANCELLED,
}


def ticket_event(
    kind: str, ticket: Ticket, old_status: TicketStatus | None, at: Any
) -> DomainEvent:
    """``ticket.created`` / ``ticket.updated``, keyed by order id, carrying the full ticket."""
    return DomainEvent(
        event_type=kind,
        key=ticket.order_id,
        occurred_at=at,
        payload={
            "ticket": ticket_view(ticket),
            "order_id": str(ticket.order_id),
            "restaurant_id": str(ticket.restaurant_id),
            "old_status": str(old_status) if old_status else None,
            "new_status": str(ticket.status),
        },
    )


async def save_ticket(tx: Transaction, before: Ticket, after: Ticket) -> Ticket:
    """Write ``after`` over ``before`` (compare-and-set on the version) with its
    ``ticket.updated`` event; a ticket changed meanwhile is a Conflict."""
    if not await tx.tickets.save(after, before.version):
        raise Conflict("Ticket changed meanwhile; reload it")
    await tx.outbox.add([ticket_event(TICKET_UPDATED, after, before.status, after.updated_at)])
    return after


async def close_open_tickets(
    tx: Transaction,
    order_id: uuid.UUID,
    order_status: OrderStatus,
    at: datetime,
    tickets: list[Ticket] | None = None,
) -> list[Ticket]:
    """Move the order's open tickets as its closing ``order_status`` says: DELIVERED_TO_SERVICE
    for COMPLETED, CANCELLED for CANCELLED. Other statuses close nothing. Returns the tickets
    moved. ``tickets`` limits the move to those (default: every ticket of the order)."""
    target = CLOSING_TICKET_STATUS.get(order_status)
    if target is None:
        return []
    candidates = tickets if tickets is not None else list(await tx.tickets.for_order(order_id))
    moved = []
    for ticket in candidates:
        if ticket.status in OPEN_TICKET_STATUSES:
            # Closed with its order, not bumped by a cook: there is nothing to recall.
            closed = replace(ticket.moved_to(target, at), recall_status=None)
            moved.append(await save_ticket(tx, ticket, closed))
    return moved
