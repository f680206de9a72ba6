"""Quoted ready times: when an order will be ready, from its prep times and the work already
queued at each station.

The model is one cook per station working first come, first served: each ticket a station has
queued starts when it is due (its fire time, else when it was opened) or when the ticket before
it at the station is done, whichever is later, and takes its prep time. A station's backlog is
how long until it has finished its queue (never less than nothing: a kitchen slower than the
model is late, not negative). An order's work at a station is the longest prep time of its items
there (they cook side by side, like a ticket). The order is ready when its slowest station is.
Because the queue is simulated from when each ticket was due, not from the moment of asking, a
quote taken again while nothing has moved is the quote given before. Held courses are not
counted: they are quoted again when they fire. Nor do the tickets of a scheduled order hold a
station up before their fire time: they are cooked for their pickup.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class QueuedWork:
    """One ticket a station still has to finish: its prep time, since when it is due (its fire
    time, else when it was opened), and the order it belongs to."""

    station: str
    prep_seconds: int
    started_at: datetime
    order_id: uuid.UUID | None = None
    queued_at: datetime | None = None
    # Part of an order scheduled for a later pickup: until its fire time it waits for its
    # pickup, not in the queue (see :func:`in_the_queue`).
    scheduled: bool = False


def in_the_queue(work: QueuedWork, now: datetime) -> bool:
    """Whether a ticket holds up the tickets behind it at ``now``: every ticket, except one of a
    scheduled order whose prep is not due yet (it is cooked for its pickup, maybe days away)."""
    return not work.scheduled or work.started_at <= now


def _fold(
    queued: Iterable[QueuedWork], now: datetime
) -> tuple[dict[uuid.UUID, datetime], dict[str, datetime]]:
    """Simulate the stations over ``queued`` (in queue order): orders are served in the order
    their first ticket arrived, each ticket starting when it is due or when the station is done
    with what came before, whichever is later. Returns when each order's tickets are done (its
    tickets at one station cook side by side) and when each station is done with all of it. A
    scheduled ticket not due at ``now`` is done at its fire time plus its prep at the earliest,
    and holds nobody up."""
    by_order: dict[uuid.UUID | None, list[QueuedWork]] = {}
    for work in queued:
        by_order.setdefault(work.order_id, []).append(work)
    finish: dict[str, datetime] = {}
    ready: dict[uuid.UUID, datetime] = {}
    for order_id, own in by_order.items():
        done = [
            max(finish.get(w.station, w.started_at), w.started_at)
            + timedelta(seconds=w.prep_seconds)
            for w in own
        ]
        if order_id is not None:
            ready[order_id] = max(done)
        for work in own:  # then the station is busy with them, one after the other
            if not in_the_queue(work, now):
                continue
            start = max(finish.get(work.station, work.started_at), work.started_at)
            finish[work.station] = start + timedelta(seconds=work.prep_seconds)
    return ready, finish


def queue_ready_times(queued: Iterable[QueuedWork], now: datetime) -> dict[uuid.UUID, datetime]:
    """When each order with tickets in ``queued`` (in queue order) is done, as simulated: may
    be in the past when the kitchen is slower than the model. ``now`` only decides which
    scheduled tickets are due (see :func:`in_the_queue`)."""
    return _fold(queued, now)[0]


def stations_done(queued: Iterable[QueuedWork], now: datetime) -> dict[str, datetime]:
    """When each station with work in ``queued`` (in queue order) at ``now`` is done with all
    of it, as simulated (may be in the past when the kitchen is slower than the model). The
    SQL adapter computes the same in one statement (``adapters/sql/queue_sql.py``)."""
    return _fold(queued, now)[1]


def backlog_after(done: Mapping[str, datetime], now: datetime) -> dict[str, int]:
    """Whole seconds from ``now`` until each station is ``done`` (0 when it is late)."""
    return {station: max(0, int((end - now).total_seconds())) for station, end in done.items()}


def station_backlog(queued: Iterable[QueuedWork], now: datetime) -> dict[str, int]:
    """Seconds until each station has finished what it has queued (0 when it is late)."""
    return backlog_after(stations_done(queued, now), now)


def own_work(items: Iterable[tuple[str, int | None]]) -> dict[str, int]:
    """An order's work per station from its ``(station, prep seconds)`` items (unknown: 0)."""
    work: dict[str, int] = {}
    for station, prep in items:
        work[station] = max(work.get(station, 0), prep or 0)
    return work


def quote_ready_at(now: datetime, backlog: Mapping[str, int], work: Mapping[str, int]) -> datetime:
    """When an order with ``work`` per station is ready, behind ``backlog``: its slowest
    station's queue plus its own work there (``now`` for an order with nothing to cook)."""
    waits = [backlog.get(station, 0) + seconds for station, seconds in work.items()]
    return now + timedelta(seconds=max(waits, default=0))
