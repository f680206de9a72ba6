"""Opening hours: weekly ranges in a restaurant's IANA time zone, whether they are open at an
instant, and when they next open.

The form is the contract's: ``{"mon": [["11:00","15:00"],["18:00","23:00"]], ...}``. Days
left out are closed; a missing schedule (None) means always open. A range whose end is not
after its start runs overnight into the next day (``["18:00","02:00"]``); ``"24:00"`` may end
a range at midnight.

Daylight-saving changes: ranges are wall-clock times, turned into instants with the zone's
rules for that date. A wall time that does not exist (skipped by a spring-forward change) is
read with the offset in force before the change (PEP 495, ``fold=0``), so it lands as far past
the jump as the gap is long; a wall time that happens twice (fall back) is its first
occurrence. Everything here is pure: the caller passes the instant (from the domain clock).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from restman_core.errors import InvalidInput

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_RANGES_PER_DAY = 6
MAX_TIMEZONE = 64
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")


@dataclass(frozen=True, slots=True)
class Range:
    """Minutes after local midnight; ``end`` may exceed 1440 for an overnight range."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Ranges per weekday (0 = Monday), as given."""

    days: tuple[tuple[Range, ...], ...]

    def as_json(self) -> dict[str, list[list[str]]]:
        """The contract's form, with only the days that have ranges."""
        return {
            DAYS[day]: [[_hhmm(r.start), _hhmm(r.end)] for r in ranges]
            for day, ranges in enumerate(self.days)
            if ranges
        }


def _hhmm(minutes: int) -> str:
    minutes = minutes if minutes <= 1440 else minutes - 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(value: object, where: str) -> int:
    if not isinstance(value, str) or not _TIME.match(value):
        raise InvalidInput(
            f"{where} must be a time HH:MM (00:00 to 24:00)",
            details={"field": where.split(".")[0]},
        )
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def parse_weekly_hours(value: object, *, field: str) -> WeeklyHours | None:
    """Validate the contract's form; None stays None (always open). An empty mapping is
    refused: it would mean never open, which is what deleting does."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidInput(
            f"{field} must map days (mon..sun) to lists of [start, end]", details={"field": field}
        )
    if not value:
        raise InvalidInput(
            f"{field} must name at least one day; send null for always open",
            details={"field": field},
        )
    days: list[tuple[Range, ...]] = [() for _ in DAYS]
    for day, ranges in value.items():
        if day not in DAYS:
            raise InvalidInput(
                f"{field}: unknown day {str(day)[:10]!r} (use {', '.join(DAYS)})",
                details={"field": field},
            )
        where = f"{field}.{day}"
        if not isinstance(ranges, list | tuple) or len(ranges) > MAX_RANGES_PER_DAY:
            raise InvalidInput(
                f"{where} must be a list of at most {MAX_RANGES_PER_DAY} [start, end] pairs",
                details={"field": field},
            )
        parsed = []
        for pair in ranges:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise InvalidInput(f"{where} holds [start, end] pairs", details={"field": field})
            start, end = _minutes(pair[0], where), _minutes(pair[1], where)
            if start == 1440:
                raise InvalidInput(
                    f"{where}: a range cannot start at 24:00", details={"field": field}
                )
            if end <= start:
                end += 1440  # overnight: ends the next day
            if end - start > 1440:
                raise InvalidInput(
                    f"{where}: a range is at most 24 hours", details={"field": field}
                )
            parsed.append(Range(start, end))
        parsed.sort(key=lambda r: r.start)
        for before, after in itertools.pairwise(parsed):
            if after.start < before.end:
                raise InvalidInput(f"{where}: ranges overlap", details={"field": field})
        days[DAYS.index(day)] = tuple(parsed)
    if not any(days):
        # Days without ranges only ({"fri": []}) are never open too, and would be stored as {}.
        raise InvalidInput(
            f"{field} must give at least one day a range; send null for always open",
            details={"field": field},
        )
    return WeeklyHours(tuple(days))


def hours_from_json(value: Any) -> WeeklyHours | None:
    """Stored hours (already validated) back to :class:`WeeklyHours`."""
    return parse_weekly_hours(value, field="hours") if value is not None else None


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def clean_timezone(value: object, *, field: str = "timezone") -> str:
    """An IANA zone name the system knows (``Europe/Paris``); None means UTC."""
    if value is None:
        return "UTC"
    if not isinstance(value, str) or not value or len(value) > MAX_TIMEZONE:
        raise InvalidInput(f"{field} must be an IANA time zone name", details={"field": field})
    try:
        zone(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"{field}: unknown time zone {value!r}", details={"field": field}
        ) from exc
    return value


def _intervals(hours: WeeklyHours, tz: ZoneInfo, day: date) -> list[tuple[datetime, datetime]]:
    """The UTC instants of ``day``'s ranges (an overnight range ends on the next day)."""
    out = []
    midnight = datetime.combine(day, time(0))
    for r in hours.days[day.weekday()]:
        start = _local(midnight + timedelta(minutes=r.start), tz)
        end = _local(midnight + timedelta(minutes=r.end), tz)
        if end > start:
            out.append((start, end))
    return out


def _local(wall: datetime, tz: ZoneInfo) -> datetime:
    return wall.replace(tzinfo=tz).astimezone(UTC)


def is_open(hours: WeeklyHours | None, timezone: str, at: datetime) -> bool:
    """Whether ``at`` (aware) falls in a range; no schedule is always open."""
    if hours is None:
        return True
    tz = zone(timezone)
    today = at.astimezone(tz).date()
    # Yesterday's overnight ranges may still be running; a DST shift never moves a date by more.
    for day in (today - timedelta(days=1), today):
        if any(start <= at < end for start, end in _intervals(hours, tz, day)):
            return True
    return False


def next_opening(hours: WeeklyHours | None, timezone: str, at: datetime) -> datetime | None:
    """When a schedule closed at ``at`` next opens (the first range start after ``at``); None
    when it is open now, when there is no schedule (always open), or when it never opens."""
    if hours is None or is_open(hours, timezone, at):
        return None
    tz = zone(timezone)
    today = at.astimezone(tz).date()
    starts = [
        start
        for offset in range(0, 9)
        for start, _ in _intervals(hours, tz, today + timedelta(days=offset))
        if start > at
    ]
    return min(starts) if starts else None


def next_change(hours: WeeklyHours | None, timezone: str, at: datetime) -> datetime | None:
    """The first instant after ``at`` at which :func:`is_open` changes (a range starts or
    ends); None when there is no schedule or nothing changes within the next week."""
    if hours is None:
        return None
    tz = zone(timezone)
    today = at.astimezone(tz).date()
    edges = [
        edge
        for offset in range(-1, 9)
        for start, end in _intervals(hours, tz, today + timedelta(days=offset))
        for edge in (start, end)
        if edge > at
    ]
    # A range that ends where the next begins (23:00-24:00 then 00:00-02:00) is no change.
    for edge in sorted(edges):
        if is_open(hours, timezone, edge) != is_open(hours, timezone, at):
            return edge
    return None
