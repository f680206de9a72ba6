"""Quoting ready times from what the kitchen has queued (see
:mod:`restman_core.domain.quotes`): at placement, and again as the kitchen moves.

The backlog is read from the restaurant's tickets still being cooked (NEW, ACCEPTED,
IN_PROGRESS; held courses aside), at most one page of 200: a kitchen with more queued than that
is quoted on its oldest 200, which already put any new order far out.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from restman_core.domain.kitchen import COOKING_TICKET_STATUSES, Ticket
from restman_core.domain.orders import Order
from restman_core.domain.quotes import (
    QueuedWork,
    own_work,
    quote_ready_at,
    remaining_seconds,
    station_backlog,
)
from restman_core.ports.storage import Page, Transaction

QUEUE_PAGE = 200


def _work(ticket: Ticket) -> QueuedWork:
    return QueuedWork(ticket.station, ticket.prep_seconds, ticket.fire_at or ticket.created_at)


async def cooking_tickets(tx: Transaction, restaurant_id: uuid.UUID) -> Sequence[Ticket]:
    """The restaurant's tickets being cooked or queued (not held), oldest first."""
    tickets = await tx.tickets.list(
        frozenset({restaurant_id}), COOKING_TICKET_STATUSES, None, Page(limit=QUEUE_PAGE)
    )
    return [t for t in tickets if not t.held]


async def backlog_of(tx: Transaction, restaurant_id: uuid.UUID, now: datetime) -> dict[str, int]:
    """Seconds of work queued at each station of the restaurant."""
    return station_backlog((_work(t) for t in await cooking_tickets(tx, restaurant_id)), now)


def quote_for(order: Order, backlog: dict[str, int], now: datetime) -> datetime:
    """A new order's quote behind ``backlog``, from its items' stations and prep times."""
    items = [(i.station, i.prep_time_seconds) for i in order.items if not i.voided]
    return quote_ready_at(now, backlog, own_work(items))


async def refresh_quote(tx: Transaction, order_id: uuid.UUID, now: datetime) -> datetime | None:
    """Quote the order again from where the kitchen is now: its own tickets still being cooked,
    behind the tickets of the orders that came before it. Nothing left to cook keeps the quote
    as it was (None returned)."""
    order = await tx.orders.get(order_id)
    if order is None:
        return None
    cooking = await cooking_tickets(tx, order.restaurant_id)
    mine = [t for t in cooking if t.order_id == order_id]
    if not mine:
        return None
    first = min(t.created_at for t in mine)
    ahead = [_work(t) for t in cooking if t.order_id != order_id and t.created_at <= first]
    work: dict[str, int] = {}
    for ticket in mine:
        left = remaining_seconds(_work(ticket), now)
        work[ticket.station] = max(work.get(ticket.station, 0), left)
    quote = quote_ready_at(now, station_backlog(ahead, now), work)
    await tx.orders.set_quote(order_id, quote)
    return quote
