"""The slot rule on its own: slots aligned to the UTC epoch, an order's prep load, the first
slot with room, and what a restaurant's pacing may be."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from restman_core.domain.pacing import (
    Pacing,
    first_slot_with_room,
    parse_pacing,
    prep_load,
    slot_start,
)
from restman_core.errors import InvalidInput
from tests.core.properties import PROPERTY

PACE = Pacing(slot_minutes=15, max_prep_seconds_per_slot=900)
NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def always(_: datetime) -> bool:
    return True


def test_slots_are_aligned_to_the_utc_epoch_whatever_the_offset() -> None:
    paris = timezone(timedelta(hours=1))
    assert slot_start(datetime(2026, 12, 7, 13, 14, 59, tzinfo=paris), PACE) == NOON
    assert slot_start(NOON + timedelta(minutes=15), PACE) == NOON + timedelta(minutes=15)
    # India is UTC+05:30: its slots still start on the UTC quarter hours.
    kolkata = timezone(timedelta(hours=5, minutes=30))
    assert slot_start(datetime(2026, 12, 7, 17, 40, tzinfo=kolkata), PACE) == NOON


def test_an_orders_load_is_prep_times_quantity_and_no_prep_counts_nothing() -> None:
    assert prep_load([(300, 2), (120, 1), (None, 5)]) == 720
    assert prep_load([]) == 0


def test_the_first_slot_with_room_skips_full_and_closed_slots() -> None:
    loads = {NOON: 900, NOON + timedelta(minutes=15): 700}
    later = NOON + timedelta(minutes=30)
    until = NOON + timedelta(hours=2)
    assert first_slot_with_room(loads, NOON, 200, PACE, until, always) == NOON + timedelta(
        minutes=15
    )
    assert first_slot_with_room(loads, NOON, 300, PACE, until, always) == later
    # Closed until 13:00: the first open slot with room is 13:00's.
    opens = NOON + timedelta(hours=1)
    assert first_slot_with_room(loads, NOON, 300, PACE, until, lambda t: t >= opens) == opens
    assert first_slot_with_room(loads, NOON, 300, PACE, later, always) is None
    assert first_slot_with_room({}, NOON, 901, PACE, until, always) is None


@PROPERTY
@given(
    st.dictionaries(st.integers(0, 40), st.integers(0, 900), max_size=40),
    st.integers(1, 900),
    st.integers(0, 899 * 60),
)
def test_the_slot_found_is_the_earliest_with_room(
    filled: dict[int, int], load: int, offset: int
) -> None:
    loads = {NOON + timedelta(minutes=15 * k): v for k, v in filled.items()}
    wanted = NOON + timedelta(seconds=offset % (15 * 60 * 40))
    until = NOON + timedelta(minutes=15 * 41)
    found = first_slot_with_room(loads, wanted, load, PACE, until, always)
    first = slot_start(wanted, PACE)
    candidates = [first + timedelta(minutes=15 * k) for k in range(41)]
    roomy = [s for s in candidates if s < until and loads.get(s, 0) + load <= 900]
    assert found == (roomy[0] if roomy else None)


@pytest.mark.parametrize(
    "value",
    [
        {"slot_minutes": 0, "max_prep_seconds_per_slot": 900},
        {"slot_minutes": 241, "max_prep_seconds_per_slot": 900},
        {"slot_minutes": 15, "max_prep_seconds_per_slot": 0},
        {"slot_minutes": 15, "max_prep_seconds_per_slot": 10_000_001},
        {"slot_minutes": 15.5, "max_prep_seconds_per_slot": 900},
        {"slot_minutes": True, "max_prep_seconds_per_slot": 900},
        {"slot_minutes": "15", "max_prep_seconds_per_slot": 900},
        {"slot_minutes": 15},
        {"slot_minutes": 15, "max_prep_seconds_per_slot": 900, "cooks": 2},
        [15, 900],
        "15/900",
    ],
)
def test_a_pace_out_of_bounds_is_refused_naming_the_field(value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_pacing(value)
    assert caught.value.details == {"field": "pacing"}


def test_a_sensible_pace_and_none() -> None:
    assert parse_pacing({"slot_minutes": 5, "max_prep_seconds_per_slot": 1}) == Pacing(5, 1)
    assert parse_pacing(None) is None
    assert PACE.as_json() == {"slot_minutes": 15, "max_prep_seconds_per_slot": 900}
