"""Quoting ready times from what the kitchen has queued (see
:mod:`restman_core.domain.quotes`): at placement, and again as the kitchen moves.

The backlog is read in one light statement from the restaurant's tickets still being cooked
(NEW, ACCEPTED, IN_PROGRESS; held courses aside), oldest first, at most 200: a kitchen with more
queued than that is quoted on its oldest 200, which already put any new order far out.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from restman_core.domain.orders import Order
from restman_core.domain.quotes import (
    QueuedWork,
    own_work,
    quote_ready_at,
    ready_behind,
    station_backlog,
)
from restman_core.ports.storage import Transaction

QUEUE_LIMIT = 200


async def backlog_of(tx: Transaction, restaurant_id: uuid.UUID, now: datetime) -> dict[str, int]:
    """Seconds of work queued at each station of the restaurant."""
    return station_backlog(await tx.tickets.queued_work(restaurant_id, QUEUE_LIMIT), now)


def quote_for(order: Order, backlog: dict[str, int], now: datetime) -> datetime:
    """A new order's quote behind ``backlog``, from its items' stations and prep times."""
    items = [(i.station, i.prep_time_seconds) for i in order.items if not i.voided]
    return quote_ready_at(now, backlog, own_work(items))


def _requote(queued: list[QueuedWork], order_id: uuid.UUID, now: datetime) -> datetime | None:
    """The order's quote from where the kitchen is: its own tickets still being cooked, behind
    the tickets of the orders that came before it (``queued`` is in queue order: an order
    comes before another when its first ticket does, so two orders opened at the same instant
    never both wait for each other); None when it has nothing left to cook."""
    first_seen: dict[uuid.UUID | None, int] = {}
    for position, queued_work in enumerate(queued):
        first_seen.setdefault(queued_work.order_id, position)
    if order_id not in first_seen:
        return None
    mine = first_seen[order_id]
    ahead = [w for w in queued if w.order_id != order_id and first_seen[w.order_id] < mine]
    return ready_behind(ahead, [w for w in queued if w.order_id == order_id], now)


async def refresh_quote(
    tx: Transaction, order_id: uuid.UUID, restaurant_id: uuid.UUID, now: datetime
) -> datetime | None:
    """Quote one order again from where the kitchen is now (see :func:`refresh_quotes`).
    Nothing left to cook keeps the quote as it was (None returned)."""
    quote = _requote(list(await tx.tickets.queued_work(restaurant_id, QUEUE_LIMIT)), order_id, now)
    if quote is not None:
        await tx.orders.set_quote(order_id, quote)
    return quote


async def refresh_quotes(
    tx: Transaction, restaurant_id: uuid.UUID, now: datetime
) -> dict[uuid.UUID, datetime]:
    """Quote again every order of the restaurant that still has work queued: when one ticket
    moves (finished early, started late, recalled), every order behind it moves too. An order
    with nothing left to cook keeps its quote, so the quote of a ready order stays the one it
    was ready against. Only quotes that changed are written; the new ones are returned."""
    queued = list(await tx.tickets.queued_work(restaurant_id, QUEUE_LIMIT))
    fresh: dict[uuid.UUID, datetime] = {}
    for order_id in {w.order_id for w in queued if w.order_id is not None}:
        quote = _requote(queued, order_id, now)
        if quote is not None:
            fresh[order_id] = quote
    stored = await tx.orders.quotes(fresh.keys())
    changed = {order_id: q for order_id, q in fresh.items() if stored.get(order_id) != q}
    for order_id, quote in changed.items():
        await tx.orders.set_quote(order_id, quote)
    return changed
