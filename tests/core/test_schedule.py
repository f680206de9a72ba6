"""Opening hours as a pure rule: parsing, overnight ranges, daylight-saving changes, and
properties that hold for any schedule and any instant (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from restman_core.domain.schedule import (
    DAYS,
    WeeklyHours,
    clean_timezone,
    is_open,
    next_change,
    next_opening,
    parse_weekly_hours,
)
from restman_core.errors import InvalidInput

LUNCH_AND_DINNER = {"mon": [["11:00", "15:00"], ["18:00", "23:00"]], "fri": [["18:00", "02:00"]]}


def hours(value: object) -> WeeklyHours:
    parsed = parse_weekly_hours(value, field="opening_hours")
    assert parsed is not None
    return parsed


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_the_form_round_trips_and_overnight_ranges_cross_midnight() -> None:
    week = hours(LUNCH_AND_DINNER)
    assert week.as_json() == LUNCH_AND_DINNER
    # 2026-12-07 is a Monday, 2026-12-11 a Friday.
    assert is_open(week, "UTC", at("2026-12-07T11:00:00+00:00"))
    assert not is_open(week, "UTC", at("2026-12-07T15:00:00+00:00"))
    assert is_open(week, "UTC", at("2026-12-12T01:59:00+00:00"))  # Friday's range, on Saturday
    assert not is_open(week, "UTC", at("2026-12-12T02:00:00+00:00"))
    assert next_opening(week, "UTC", at("2026-12-07T15:30:00+00:00")) == at(
        "2026-12-07T18:00:00+00:00"
    )
    # From Saturday the next opening is Monday's lunch.
    assert next_opening(week, "UTC", at("2026-12-12T03:00:00+00:00")) == at(
        "2026-12-14T11:00:00+00:00"
    )
    assert next_opening(week, "UTC", at("2026-12-07T12:00:00+00:00")) is None  # open now


def test_no_schedule_is_always_open() -> None:
    assert parse_weekly_hours(None, field="x") is None
    assert is_open(None, "UTC", at("2026-12-07T03:00:00+00:00"))
    assert next_opening(None, "UTC", at("2026-12-07T03:00:00+00:00")) is None


@pytest.mark.parametrize(
    "bad",
    [
        {},
        [],
        {"fri": []},
        {"mon": [], "tue": []},
        {"monday": [["11:00", "12:00"]]},
        {"mon": [["11:00"]]},
        {"mon": [["25:00", "26:00"]]},
        {"mon": [["11:00", "12:60"]]},
        {"mon": [["24:00", "02:00"]]},
        {"mon": [["11:00", "15:00"], ["14:00", "16:00"]]},
        {"mon": [["11", "12"]]},
        {"mon": [[1100, 1200]]},
        {"mon": [["11:00", "12:00"]] * 7},
    ],
)
def test_bad_hours_are_refused_naming_the_field(bad: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_weekly_hours(bad, field="opening_hours")
    assert caught.value.details == {"field": "opening_hours"}


def test_time_zones_are_validated() -> None:
    assert clean_timezone(None) == "UTC"
    assert clean_timezone("Europe/Paris") == "Europe/Paris"
    for bad in ("Mars/Olympus", "", "../etc/passwd", 3):
        with pytest.raises(InvalidInput):
            clean_timezone(bad)


def test_wall_clock_hours_follow_daylight_saving_changes() -> None:
    week = hours({d: [["09:00", "17:00"]] for d in DAYS})
    # London: GMT in winter, BST (UTC+1) from 2026-03-29.
    assert is_open(week, "Europe/London", at("2026-03-28T09:00:00+00:00"))
    assert not is_open(week, "Europe/London", at("2026-03-30T16:30:00+00:00"))
    assert is_open(week, "Europe/London", at("2026-03-30T08:00:00+00:00"))
    assert next_opening(week, "Europe/London", at("2026-03-28T20:00:00+00:00")) == at(
        "2026-03-29T08:00:00+00:00"
    )


def test_ranges_through_a_skipped_or_repeated_hour() -> None:
    # New York skips 02:00-03:00 on 2026-03-08 and repeats 01:00-02:00 on 2026-11-01.
    night = hours({"sun": [["01:30", "04:00"]], "sat": [["22:00", "02:30"]]})
    tz = "America/New_York"
    # Sat 22:00 EST to Sun 02:30 (does not exist; read as EST): 03:00-07:30 UTC.
    assert is_open(night, tz, at("2026-03-08T07:29:00+00:00"))
    # Sun 01:30 EST (06:30 UTC) to 04:00 EDT (08:00 UTC): open across the jump.
    assert is_open(night, tz, at("2026-03-08T07:45:00+00:00"))
    assert not is_open(night, tz, at("2026-03-08T08:00:00+00:00"))
    # Fall back: Sun 01:30 is its first occurrence (EDT, 05:30 UTC); 04:00 EST is 09:00 UTC.
    sunday = hours({"sun": [["01:30", "04:00"]]})
    assert next_opening(sunday, tz, at("2026-11-01T05:00:00+00:00")) == at(
        "2026-11-01T05:30:00+00:00"
    )
    assert is_open(sunday, tz, at("2026-11-01T08:59:00+00:00"))
    assert not is_open(sunday, tz, at("2026-11-01T09:00:00+00:00"))
    # Saturday's overnight range alone runs 02:00 to 07:30 UTC that night (EDT start, EST end).
    saturday = hours({"sat": [["22:00", "02:30"]]})
    assert is_open(saturday, tz, at("2026-11-01T02:00:00+00:00"))
    assert is_open(saturday, tz, at("2026-11-01T07:29:00+00:00"))
    assert not is_open(saturday, tz, at("2026-11-01T07:30:00+00:00"))


times = st.integers(min_value=0, max_value=95).map(lambda q: f"{q // 4:02d}:{q % 4 * 15:02d}")
ranges = st.tuples(times, times).filter(lambda r: r[0] != r[1])
schedules = st.dictionaries(
    st.sampled_from(DAYS), st.lists(ranges, min_size=1, max_size=1), min_size=1
)
zones = st.sampled_from(
    ["UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
)
instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=150, deadline=None)
@given(schedules, zones, instants)
def test_the_next_opening_is_open_and_nothing_before_it_is(
    raw: dict[str, list[tuple[str, str]]], tz: str, moment: datetime
) -> None:
    week = hours({day: [list(r) for r in rs] for day, rs in raw.items()})
    opens = next_opening(week, tz, moment)
    if is_open(week, tz, moment):
        assert opens is None
        return
    assert opens is not None, "a schedule with a range opens within a week"
    assert moment < opens <= moment + timedelta(days=8)
    assert is_open(week, tz, opens)
    # Closed all along the way (sampled every 15 minutes, the ranges' grain).
    step, probe = timedelta(minutes=15), moment
    while probe + step < opens:
        probe += step
        assert not is_open(week, tz, probe), probe


@settings(max_examples=100, deadline=None)
@given(schedules, zones, instants)
def test_parsing_the_form_again_gives_the_same_schedule(
    raw: dict[str, list[tuple[str, str]]], tz: str, moment: datetime
) -> None:
    week = hours({day: [list(r) for r in rs] for day, rs in raw.items()})
    again = hours(week.as_json())
    assert again == week
    assert is_open(again, tz, moment) == is_open(week, tz, moment)


@settings(max_examples=150, deadline=None)
@given(schedules, zones, instants)
def test_the_opening_state_holds_until_the_next_change_and_flips_there(
    raw: dict[str, list[tuple[str, str]]], tz: str, moment: datetime
) -> None:
    week = hours({day: [list(r) for r in rs] for day, rs in raw.items()})
    state = is_open(week, tz, moment)
    change = next_change(week, tz, moment)
    if change is None:  # only a schedule open all week long never changes
        probe = moment
        while probe < moment + timedelta(days=8):
            assert is_open(week, tz, probe) == state
            probe += timedelta(hours=1)
        return
    assert moment < change <= moment + timedelta(days=8)
    assert is_open(week, tz, change) != state
    step, probe = timedelta(minutes=15), moment
    while probe + step < change:
        probe += step
        assert is_open(week, tz, probe) == state, probe


def test_no_schedule_never_changes() -> None:
    assert next_change(None, "UTC", datetime(2026, 12, 7, tzinfo=UTC)) is None
