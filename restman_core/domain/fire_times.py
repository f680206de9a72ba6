"""Fire times: within one course, a ticket with a shorter prep time fires later, so that the
whole course is ready together.

When a course fires at ``fired_at``, the ticket with the longest prep time fires at once and
every other ticket waits for the difference: ``fire_at = fired_at + (longest - own prep)``, so
``fire_at + own prep`` is the same moment for all of them. A ticket's prep time is the longest
prep time of its items; an item whose food has none counts as no prep (it fires last, at the
moment the course is due). Until its ``fire_at`` a ticket is shown as "fires in m:ss" and does
not count in all-day; a cook may start it early by bumping it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TypeVar

K = TypeVar("K")


def ticket_prep_seconds(item_preps: Iterable[int | None]) -> int:
    """A ticket's prep time: the longest of its items' (unknown counts as none)."""
    return max((p or 0 for p in item_preps), default=0)


def fire_times(fired_at: datetime, preps: Mapping[K, int]) -> dict[K, datetime]:
    """When each ticket of one course fires, given when the course fires and each ticket's prep
    time in seconds: all are then ready at ``fired_at`` plus the longest prep time."""
    longest = max(preps.values(), default=0)
    return {key: fired_at + timedelta(seconds=longest - prep) for key, prep in preps.items()}


def is_due(fire_at: datetime | None, now: datetime) -> bool:
    """Whether a ticket fired at ``fire_at`` is being cooked at ``now`` (no fire time: yes)."""
    return fire_at is None or fire_at <= now


def seconds_until(fire_at: datetime | None, now: datetime) -> int:
    """Whole seconds until ``fire_at`` (rounded up; 0 when due), for "fires in m:ss"."""
    if fire_at is None or fire_at <= now:
        return 0
    delta = fire_at - now
    return int(delta.total_seconds()) + (1 if delta.microseconds else 0)
