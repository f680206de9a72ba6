"""Quoting ready times from what the kitchen has queued (see
:mod:`restman_core.domain.quotes`): at placement, and again as the kitchen moves.

The backlog is read in one light statement from the restaurant's tickets still being cooked
(NEW, ACCEPTED, IN_PROGRESS; held courses aside), at most 200: a kitchen with more queued than
that is quoted on its oldest 200, which already put any new order far out.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from restman_core.domain.orders import Order
from restman_core.domain.quotes import (
    in_the_queue,
    own_work,
    quote_ready_at,
    remaining_seconds,
    station_backlog,
)
from restman_core.ports.storage import Transaction

QUEUE_LIMIT = 200


async def backlog_of(tx: Transaction, restaurant_id: uuid.UUID, now: datetime) -> dict[str, int]:
    """Seconds of work queued at each station of the restaurant (a scheduled order's tickets
    only once their prep is due)."""
    queued = await tx.tickets.queued_work(restaurant_id, QUEUE_LIMIT)
    return station_backlog((w for w in queued if in_the_queue(w, now)), now)


def quote_for(order: Order, backlog: dict[str, int], now: datetime) -> datetime:
    """A new order's quote behind ``backlog``, from its items' stations and prep times."""
    items = [(i.station, i.prep_time_seconds) for i in order.items if not i.voided]
    return quote_ready_at(now, backlog, own_work(items))


async def refresh_quote(
    tx: Transaction, order_id: uuid.UUID, restaurant_id: uuid.UUID, now: datetime
) -> datetime | None:
    """Quote the order again from where the kitchen is now: its own tickets still being cooked,
    behind the tickets of the orders that came before it. Nothing left to cook keeps the quote
    as it was (None returned)."""
    queued = await tx.tickets.queued_work(restaurant_id, QUEUE_LIMIT)
    mine = [w for w in queued if w.order_id == order_id]
    if not mine:
        return None
    first = min(w.queued_at or w.started_at for w in mine)
    ahead = [
        w
        for w in queued
        if w.order_id != order_id
        and (w.queued_at or w.started_at) <= first
        and in_the_queue(w, now)
    ]
    work: dict[str, int] = {}
    for own in mine:
        work[own.station] = max(work.get(own.station, 0), remaining_seconds(own, now))
    quote = quote_ready_at(now, station_backlog(ahead, now), work)
    # A ticket that fires later (a scheduled order's, waiting for its prep to start) cannot be
    # ready before its fire time plus its prep, however empty the kitchen is.
    due = max(w.started_at + timedelta(seconds=w.prep_seconds) for w in mine)
    quote = max(quote, due)
    await tx.orders.set_quote(order_id, quote)
    return quote
