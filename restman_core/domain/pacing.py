"""Kitchen pacing: how much prep work a restaurant takes on per time slot, and when a scheduled
order is picked up.

A restaurant with ``pacing`` cuts time into slots of ``slot_minutes``, aligned to the UTC epoch
(a slot starts at a whole multiple of its length since 1970-01-01T00:00Z, so 15-minute slots
start at :00, :15, :30 and :45 of every UTC hour, and a zone's offset or a daylight-saving
change never moves them). An order's prep load is the sum over its items of prep seconds ×
quantity; a slot takes orders while the loads counted in it stay within
``max_prep_seconds_per_slot``. An ASAP order is counted in the slot holding the moment it is
placed, a scheduled one in the slot holding its ``pickup_at``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from restman_core.errors import InvalidInput

MIN_SLOT_MINUTES = 5
MAX_SLOT_MINUTES = 240
MAX_PREP_SECONDS_PER_SLOT = 10_000_000
# How far ahead an order may ask to be picked up, and how far a full kitchen may push one.
MAX_PICKUP_AHEAD = timedelta(days=7)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Pacing:
    """A restaurant's pace: at most ``max_prep_seconds_per_slot`` seconds of prep work counted
    in each slot of ``slot_minutes``."""

    slot_minutes: int
    max_prep_seconds_per_slot: int

    @property
    def slot(self) -> timedelta:
        return timedelta(minutes=self.slot_minutes)

    def as_json(self) -> dict[str, int]:
        return {
            "slot_minutes": self.slot_minutes,
            "max_prep_seconds_per_slot": self.max_prep_seconds_per_slot,
        }


def _whole(value: object, name: str, low: int, high: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            f"{field}.{name} must be a whole number from {low} to {high}",
            details={"field": field},
        )
    return value


def parse_pacing(value: object, *, field: str = "pacing") -> Pacing | None:
    """``{slot_minutes, max_prep_seconds_per_slot}`` from a request; None (no pacing) for null.
    Both are required whole numbers: slots of 5..240 minutes, 1..10,000,000 seconds each."""
    if value is None:
        return None
    if isinstance(value, Pacing):
        return value
    if not isinstance(value, Mapping):
        raise InvalidInput(
            f"{field} must be an object with slot_minutes and max_prep_seconds_per_slot",
            details={"field": field},
        )
    unknown = sorted(set(value) - {"slot_minutes", "max_prep_seconds_per_slot"})
    if unknown:
        raise InvalidInput(
            f"{field} has unknown fields: {', '.join(map(str, unknown))}", details={"field": field}
        )
    return Pacing(
        slot_minutes=_whole(
            value.get("slot_minutes"), "slot_minutes", MIN_SLOT_MINUTES, MAX_SLOT_MINUTES, field
        ),
        max_prep_seconds_per_slot=_whole(
            value.get("max_prep_seconds_per_slot"),
            "max_prep_seconds_per_slot",
            1,
            MAX_PREP_SECONDS_PER_SLOT,
            field,
        ),
    )


def pacing_from_json(value: Any) -> Pacing | None:
    """A stored pace (as :meth:`Pacing.as_json` wrote it)."""
    return None if value is None else parse_pacing(value)


def slot_start(at: datetime, pacing: Pacing) -> datetime:
    """The start of the slot holding ``at`` (aware UTC, aligned to the UTC epoch)."""
    length = pacing.slot_minutes * 60
    seconds = int((at.astimezone(UTC) - _EPOCH).total_seconds())
    return _EPOCH + timedelta(seconds=seconds - seconds % length)


def prep_load(items: Iterable[tuple[int | None, int]]) -> int:
    """An order's load from its ``(prep seconds, quantity)`` items (no prep time counts 0)."""
    return sum((prep or 0) * quantity for prep, quantity in items)


def fits(counted: int, load: int, pacing: Pacing) -> bool:
    """Whether ``load`` more seconds keep a slot holding ``counted`` within the cap."""
    return counted + load <= pacing.max_prep_seconds_per_slot


def first_slot_with_room(
    loads: Mapping[datetime, int],
    wanted_at: datetime,
    load: int,
    pacing: Pacing,
    until: datetime,
    open_at: Callable[[datetime], bool],
) -> datetime | None:
    """The start of the first slot, from the one holding ``wanted_at`` up to ``until``
    (exclusive), where ``load`` still fits beside ``loads`` (counted seconds by slot start)
    and the restaurant serves the order: at ``wanted_at`` in the first slot, at its start in
    every later one (``open_at``). None when no slot before ``until`` has room, or when the
    load alone exceeds the cap."""
    if load > pacing.max_prep_seconds_per_slot:
        return None
    slot = slot_start(wanted_at, pacing)
    if fits(loads.get(slot, 0), load, pacing) and open_at(wanted_at):
        return slot
    slot += pacing.slot
    while slot < until:
        if fits(loads.get(slot, 0), load, pacing) and open_at(slot):
            return slot
        slot += pacing.slot
    return None
