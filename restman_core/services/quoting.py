"""Quoting ready times from what the kitchen has queued (see
:mod:`restman_core.domain.quotes`): at placement, and again as the kitchen moves.

The backlog is simulated from the restaurant's tickets still being cooked (NEW, ACCEPTED,
IN_PROGRESS; held courses aside), oldest first, at most 200: a kitchen with more queued than
that is quoted on its oldest 200, which already put any new order far out. A new order's
backlog is computed by the database in one statement that answers one row per station, and a
requote's in one that answers each queued order's ready time (one row per order, not per
ticket).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from restman_core.domain.orders import Order
from restman_core.domain.quotes import (
    QueuedWork,
    backlog_after,
    own_work,
    queue_ready_times,
    quote_ready_at,
)
from restman_core.ports.storage import Database, Transaction

QUEUE_LIMIT = 200


async def backlog_of(tx: Transaction, restaurant_id: uuid.UUID, now: datetime) -> dict[str, int]:
    """Seconds of work queued at each station of the restaurant: the queue is simulated where
    the tickets are, and one row per station is read (see
    :meth:`~restman_core.ports.storage.TicketRepository.stations_done`)."""
    return backlog_after(await tx.tickets.stations_done(restaurant_id, QUEUE_LIMIT, now), now)


async def read_backlog(db: Database, restaurant_id: uuid.UUID, now: datetime) -> dict[str, int]:
    """:func:`backlog_of` for a new order's quote, read beside its placement, not inside it:
    an estimate needs no serializable view, and inside it the read would put every placement in
    conflict with the kitchen's writes (and, on SQLite, hold the single writer)."""
    return await db.read(lambda tx: backlog_of(tx, restaurant_id, now))


def quote_for(order: Order, backlog: dict[str, int], now: datetime) -> datetime:
    """A new order's quote behind ``backlog``, from its items' stations and prep times."""
    items = [(i.station, i.prep_time_seconds) for i in order.items if not i.voided]
    return quote_ready_at(now, backlog, own_work(items))


# A quote is written again only when it moves by at least this much: the customer's time does
# not flicker with every ticket event, and a busy kitchen's events do not rewrite every order.
QUOTE_STEP_SECONDS = 30


def moved_quotes(
    queued: list[QueuedWork], stored: Mapping[uuid.UUID, datetime | None], now: datetime
) -> dict[uuid.UUID, datetime]:
    """The orders of ``queued`` whose quote should change, with their new quote (see
    :func:`moved_ready_times`, over the simulated ready times of ``queued``)."""
    return moved_ready_times(queue_ready_times(queued, now), stored, now)


def moved_ready_times(
    ready_times: Mapping[uuid.UUID, datetime],
    stored: Mapping[uuid.UUID, datetime | None],
    now: datetime,
) -> dict[uuid.UUID, datetime]:
    """The orders whose quote should change, with their new quote: the simulated ready time
    (see :mod:`restman_core.domain.quotes`) when it is still ahead and differs from the stored
    quote by :data:`QUOTE_STEP_SECONDS` or more. An order the model says should be done
    already keeps its quote: the kitchen is late, and it is not quoted "now" again on every
    event."""
    changed: dict[uuid.UUID, datetime] = {}
    for order_id, ready in ready_times.items():
        if ready <= now:
            continue
        before = stored.get(order_id)
        if before is None or abs((ready - before).total_seconds()) >= QUOTE_STEP_SECONDS:
            changed[order_id] = ready
    return changed


async def refresh_quote(
    tx: Transaction, order_id: uuid.UUID, restaurant_id: uuid.UUID, now: datetime
) -> datetime | None:
    """Quote one order again from where the kitchen is now (see :func:`refresh_quotes`);
    returns the new quote, or None when it keeps the one it has."""
    ready = await tx.tickets.ready_times(restaurant_id, QUEUE_LIMIT, now)
    if order_id not in ready:
        return None
    stored = await tx.orders.quotes([order_id])
    quote = moved_ready_times({order_id: ready[order_id]}, stored, now).get(order_id)
    if quote is not None:
        await tx.orders.set_quote(order_id, quote)
    return quote


async def refresh_quotes(
    tx: Transaction, restaurant_id: uuid.UUID, now: datetime
) -> dict[uuid.UUID, datetime]:
    """Quote again every order of the restaurant that still has work queued, in one pass over
    the queue: when one ticket moves (finished early, started late, recalled), every order
    behind it moves too. An order with nothing left to cook keeps its quote, so the quote of a
    ready order stays the one it was ready against. Only quotes that moved are written (see
    :func:`moved_ready_times`); they are returned."""
    # The queue is simulated by the database: one row per queued order, not one per ticket.
    ready = await tx.tickets.ready_times(restaurant_id, QUEUE_LIMIT, now)
    ahead = {order_id: at for order_id, at in ready.items() if at > now}
    stored = await tx.orders.quotes(list(ahead))
    changed = moved_ready_times(ahead, stored, now)
    for order_id, quote in changed.items():
        await tx.orders.set_quote(order_id, quote)
    return changed
