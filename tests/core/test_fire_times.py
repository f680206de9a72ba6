"""The fire-time rule with a frozen clock: within one course every ticket is ready at the same
moment, the longest one fires at once, shorter ones later, and none before the course fires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.domain.access import Role
from restman_core.domain.fire_times import fire_times, is_due, seconds_until, ticket_prep_seconds
from restman_core.domain.kitchen import TicketStatus
from tests.auth.helpers import ManualClock
from tests.core.builders import Core, add_user, build_restaurant, order_body, placed_payload

FIRED = datetime(2026, 12, 1, 19, 30, tzinfo=UTC)
preps = st.dictionaries(st.text(min_size=1, max_size=5), st.integers(0, 86_400), max_size=8)


def test_the_steak_fires_at_once_and_the_fries_eight_minutes_later() -> None:
    times = fire_times(FIRED, {"grill": 12 * 60, "fryer": 4 * 60})
    assert times == {"grill": FIRED, "fryer": FIRED + timedelta(minutes=8)}


def test_a_tickets_prep_time_is_its_longest_item() -> None:
    assert ticket_prep_seconds([240, None, 600]) == 600
    assert ticket_prep_seconds([None]) == 0
    assert ticket_prep_seconds([]) == 0


@given(preps)
def test_a_course_is_ready_together(course: dict[str, int]) -> None:
    times = fire_times(FIRED, course)
    assert set(times) == set(course)
    ready = {times[k] + timedelta(seconds=p) for k, p in course.items()}
    assert len(ready) <= 1
    for key, prep in course.items():
        assert times[key] >= FIRED
        if prep == max(course.values()):
            assert times[key] == FIRED


@given(preps)
def test_shorter_prep_never_fires_earlier(course: dict[str, int]) -> None:
    times = fire_times(FIRED, course)
    for a, pa in course.items():
        for b, pb in course.items():
            if pa < pb:
                assert times[a] >= times[b]


@given(st.integers(-10_000, 10_000), st.integers(0, 999_999))
def test_due_and_countdown_agree(offset: int, micros: int) -> None:
    fire_at = FIRED + timedelta(seconds=offset, microseconds=micros)
    left = seconds_until(fire_at, FIRED)
    assert (left == 0) == is_due(fire_at, FIRED)
    assert left >= 0
    assert FIRED + timedelta(seconds=left) >= fire_at
    assert is_due(None, FIRED)
    assert seconds_until(None, FIRED) == 0


async def test_a_course_fires_so_that_it_is_ready_together(database: SqlDatabase) -> None:
    """On SQLite and PostgreSQL with a frozen clock: the 12-minute steak fires at placement,
    the 4-minute fries 8 minutes later and count in all-day only from then; a cook may start
    them early, and a held course gets its fire times when it fires."""
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    core = Core.on(database, clock)
    owner = await add_user(database, Role.OWNER, "owner")
    customer = await add_user(database, Role.CUSTOMER, "customer")
    kitchen = await build_restaurant(
        core,
        owner,
        categories={"Mains": {}, "Desserts": {"course": 3}},
        foods={
            "Steak": {
                "category": "Mains",
                "price": "24.00",
                "station": "grill",
                "prep_time_seconds": 720,
            },
            "Fries": {
                "category": "Mains",
                "price": "4.00",
                "station": "fryer",
                "prep_time_seconds": 240,
            },
            "Tart": {"category": "Desserts", "price": "6.00", "prep_time_seconds": 60},
            "Ice": {"category": "Desserts", "price": "3.00", "station": "cold"},
        },
    )
    lines = [("Steak", 1), ("Fries", 2), ("Tart", 1), ("Ice", 1)]
    body = order_body(kitchen, lines, order_type="dine_in", table="1")
    order = (await core.orders.place_order(customer, body)).order
    payload = await placed_payload(database, order.id)
    await database.run(lambda tx: core.kitchen.open_tickets(tx, payload))
    placed = clock.now()

    async def counted() -> list[str]:
        return sorted(
            x.food_name for x in await core.kitchen.all_day(owner, restaurant_id=kitchen.id)
        )

    tickets = {
        t.station: t for t in await core.kitchen.list_tickets(owner, restaurant_id=kitchen.id)
    }
    assert tickets["grill"].fire_at == placed
    assert tickets["fryer"].fire_at == placed + timedelta(minutes=8)
    assert tickets["kitchen"].fire_at is None  # held dessert: no fire time yet
    assert await counted() == ["Steak"]
    clock.advance(8 * 60 - 1)
    assert await counted() == ["Steak"]
    clock.advance(1)
    assert await counted() == ["Fries", "Steak"]

    clock.advance(60)
    fired = {t.station: t for t in await core.kitchen.fire(owner, order.id, 3)}
    assert fired["kitchen"].fire_at == clock.now()
    assert fired["cold"].fire_at == clock.now() + timedelta(seconds=60)
    early = await core.kitchen.move_ticket(owner, fired["cold"].id, TicketStatus.ACCEPTED)
    assert early.fire_at == clock.now()  # started early: due now
