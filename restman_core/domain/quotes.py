"""Quoted ready times: when an order will be ready, from its prep times and the work already
queued at each station.

The model is one cook per station working first come, first served: a station's backlog is
the prep time still to go on the tickets it is cooking or has queued (a ticket started
``elapsed`` seconds ago has ``prep - elapsed`` left, never less than nothing), and an order's
work at a station is the longest prep time of its items there (they cook side by side, like a
ticket). The order is ready when its slowest station is: ``now + max(backlog + own work)``.
Held courses are not counted: they are quoted again when they fire. Nor are the tickets of a
scheduled order before their fire time: they are cooked for their pickup.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
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
    """Whether a ticket holds up an order quoted at ``now``: every ticket, except one of a
    scheduled order whose prep is not due yet (it is cooked for its pickup, maybe days away)."""
    return not work.scheduled or work.started_at <= now


def remaining_seconds(work: QueuedWork, now: datetime) -> int:
    """Prep time still to go on one ticket at ``now`` (0 once its prep time has passed)."""
    elapsed = max(0, int((now - work.started_at).total_seconds()))
    return max(0, work.prep_seconds - elapsed)


def station_backlog(queued: Iterable[QueuedWork], now: datetime) -> dict[str, int]:
    """Seconds of work still queued at each station."""
    backlog: dict[str, int] = defaultdict(int)
    for work in queued:
        backlog[work.station] += remaining_seconds(work, now)
    return dict(backlog)


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
