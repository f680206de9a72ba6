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
counted: they are quoted again when they fire.
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


def station_finish(queued: Iterable[QueuedWork]) -> dict[str, datetime]:
    """When each station is done with ``queued`` (in queue order): every ticket starts when it
    is due or when the one before it at its station is done, whichever is later."""
    finish: dict[str, datetime] = {}
    for work in queued:
        start = max(finish.get(work.station, work.started_at), work.started_at)
        finish[work.station] = start + timedelta(seconds=work.prep_seconds)
    return finish


def station_backlog(queued: Iterable[QueuedWork], now: datetime) -> dict[str, int]:
    """Seconds until each station has finished what it has queued (0 when it is late)."""
    return {
        station: max(0, int((done - now).total_seconds()))
        for station, done in station_finish(queued).items()
    }


def ready_behind(
    ahead: Iterable[QueuedWork], own: Iterable[QueuedWork], now: datetime
) -> datetime | None:
    """When an order's own queued tickets ``own`` are done behind the tickets ``ahead`` of it
    (both in queue order), never before ``now``; None when it has no ticket queued."""
    finish = station_finish(ahead)
    ready: datetime | None = None
    for work in own:
        start = max(finish.get(work.station, work.started_at), work.started_at)
        done = start + timedelta(seconds=work.prep_seconds)
        ready = done if ready is None else max(ready, done)
    return None if ready is None else max(ready, now)


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
