"""Pacing and scheduled orders on SQLite and PostgreSQL with a frozen clock: a full slot refuses
an ASAP order with the first slot that has room, ``accept_later`` takes that slot, a scheduled
order is counted in its pickup's slot and cooked for its pickup, and a cancel gives its load
back. Every state of the ledger matches the orders counted in it."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.domain.access import Actor
from restman_core.domain.orders import Order, OrderStatus
from restman_core.errors import Conflict, InvalidInput
from restman_core.services.quoting import refresh_quote
from tests.auth.helpers import ManualClock
from tests.core.builders import Core, Kitchen, order_body, placed_payload
from tests.core.pacing_support import NOW, SLOT, counted_orders, ledger, paced_kitchen

NOON = NOW.replace(minute=0)
QUARTER = timedelta(minutes=15)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def timed(database: SqlDatabase, clock: ManualClock) -> Core:
    return Core.on(database, clock)


async def place(
    core: Core, customer: Actor, kitchen: Kitchen, pizzas: int, **extra: object
) -> Order:
    body = order_body(kitchen, [("Pizza", pizzas)], **extra)
    return (await core.orders.place_order(customer, body)).order


async def test_a_full_slot_refuses_asap_orders_with_the_next_slot_that_has_room(
    timed: Core, customer: Actor
) -> None:
    kitchen = await paced_kitchen(timed)
    assert kitchen.restaurant.pacing is not None
    first = await place(timed, customer, kitchen, 2)
    assert (first.pickup_at, first.paced_slot, first.paced_load) == (None, NOON, 600)
    with pytest.raises(Conflict) as caught:
        await place(timed, customer, kitchen, 2)
    assert caught.value.details == {"next_available_at": "2026-12-07T12:15:00Z"}
    # What still fits is taken; the refused order changed nothing.
    await place(timed, customer, kitchen, 1)
    assert await ledger(timed.db, kitchen.id) == {NOON: 900}


async def test_accept_later_schedules_the_order_into_the_first_slot_with_room(
    timed: Core, customer: Actor
) -> None:
    kitchen = await paced_kitchen(timed)
    await place(timed, customer, kitchen, 3)
    await place(timed, customer, kitchen, 1, pickup_at="2026-12-07T12:20:00Z")
    moved = await place(timed, customer, kitchen, 3, accept_later=True)
    # 12:15 has 300 s of its 900 left, so three pizzas go to 12:30.
    assert moved.pickup_at == NOON + 2 * QUARTER
    assert moved.quoted_ready_at == moved.pickup_at
    assert await ledger(timed.db, kitchen.id) == {
        NOON: 900,
        NOON + QUARTER: 300,
        NOON + 2 * QUARTER: 900,
    }
    assert await counted_orders(timed.db, kitchen.id) == await ledger(timed.db, kitchen.id)


async def test_a_scheduled_order_is_cooked_for_its_pickup(
    timed: Core, clock: ManualClock, customer: Actor
) -> None:
    kitchen = await paced_kitchen(timed)
    body = order_body(kitchen, [("Pizza", 1), ("Salad", 1), ("Water", 1)])
    body["pickup_at"] = "2026-12-07T19:30:00+01:00"  # 18:30 UTC
    order = (await timed.orders.place_order(customer, body)).order
    pickup = NOON + timedelta(hours=6, minutes=30)
    assert (order.pickup_at, order.quoted_ready_at, order.paced_slot) == (pickup, pickup, pickup)
    payload = await placed_payload(timed.db, order.id)
    tickets = await timed.db.run(lambda tx: timed.kitchen.open_tickets(tx, payload))
    fire = {t.station: t.fire_at for t in tickets}
    # The pizza fires 300 s before the pickup, the salad 120 s, the water at the pickup.
    assert fire == {
        "kitchen": pickup - timedelta(seconds=300),
        "cold": pickup - timedelta(seconds=120),
        "bar": pickup,
    }
    assert not any(t.held for t in tickets)
    # The kitchen's quote keeps to the pickup: the tickets cannot be ready before it, so
    # quoting again moves nothing.
    requoted = await timed.db.run(lambda tx: refresh_quote(tx, order.id, kitchen.id, clock.now()))
    assert requoted is None
    assert (await timed.orders.get_order(kitchen.owner, order.id)).quoted_ready_at == pickup
    assert await timed.kitchen.all_day(kitchen.owner, restaurant_id=kitchen.id) == []
    # An ASAP order meanwhile is quoted on its own work, not behind the evening's pizza.
    asap = await place(timed, customer, kitchen, 1)
    assert asap.quoted_ready_at == NOW + timedelta(seconds=300)
    clock.advance((pickup - NOW).total_seconds() - 300)
    lines = await timed.kitchen.all_day(kitchen.owner, restaurant_id=kitchen.id)
    assert [(line.food_name, line.quantity) for line in lines] == [("Pizza", 1)]


async def test_a_pickup_must_be_ahead_within_a_week_and_within_the_hours(
    timed: Core, customer: Actor
) -> None:
    hours = {day: [["11:00", "22:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    kitchen = await paced_kitchen(timed, opening_hours=hours)
    refused = {
        "2026-12-07T12:04:59Z": "in the future",
        "2026-12-07T12:05:00Z": "in the future",
        "2026-12-14T12:05:01Z": "at most 7 days",
        "2026-12-07T18:30:00": "offset",
        "tonight": "offset",
    }
    for pickup, why in refused.items():
        with pytest.raises(InvalidInput, match=why) as caught:
            await place(timed, customer, kitchen, 1, pickup_at=pickup)
        assert caught.value.details == {"field": "pickup_at"}
    with pytest.raises(Conflict) as closed:
        await place(timed, customer, kitchen, 1, pickup_at="2026-12-07T23:00:00Z")
    assert closed.value.details == {"next_opening_at": "2026-12-08T11:00:00Z"}
    assert await ledger(timed.db, kitchen.id) == {}
    await place(timed, customer, kitchen, 1, pickup_at="2026-12-14T12:00:00Z")


async def test_accept_later_never_moves_an_order_outside_the_hours(
    timed: Core, customer: Actor
) -> None:
    kitchen = await paced_kitchen(
        timed, opening_hours={"mon": [["11:00", "12:15"], ["18:00", "22:00"]]}
    )
    await place(timed, customer, kitchen, 3)
    with pytest.raises(Conflict) as caught:
        await place(timed, customer, kitchen, 1)
    assert caught.value.details == {"next_available_at": "2026-12-07T18:00:00Z"}
    moved = await place(timed, customer, kitchen, 1, accept_later=True)
    assert moved.pickup_at == NOON + timedelta(hours=6)


async def test_an_order_bigger_than_a_slot_is_refused_without_a_next_slot(
    timed: Core, customer: Actor
) -> None:
    kitchen = await paced_kitchen(timed)
    with pytest.raises(Conflict) as caught:
        await place(timed, customer, kitchen, 4, accept_later=True)
    assert caught.value.details == {"next_available_at": None}


async def test_cancelling_gives_the_load_back(timed: Core, customer: Actor) -> None:
    kitchen = await paced_kitchen(timed)
    order = await place(timed, customer, kitchen, 3)
    await timed.orders.change_status(customer, order.id, OrderStatus.CANCELLED)
    assert await ledger(timed.db, kitchen.id) == {NOON: 0}
    await place(timed, customer, kitchen, 3)


async def test_the_pace_is_set_changed_and_removed_like_any_restaurant_field(
    timed: Core, customer: Actor
) -> None:
    kitchen = await paced_kitchen(timed)
    owner, rid = kitchen.owner, kitchen.id
    changed = await timed.menus.update_restaurant(
        owner,
        rid,
        {"pacing": {"slot_minutes": 30, "max_prep_seconds_per_slot": 600}},
        replace_all=False,
    )
    assert changed.pacing is not None
    assert changed.pacing.slot_minutes == 30
    kept = await timed.menus.update_restaurant(owner, rid, {"name": "Renamed"}, replace_all=False)
    assert kept.pacing == changed.pacing
    with pytest.raises(InvalidInput):
        await timed.menus.update_restaurant(
            owner, rid, {"pacing": {"slot_minutes": 2}}, replace_all=False
        )
    assert (await timed.menus.get_restaurant(owner, rid)).pacing == changed.pacing
    removed = await timed.menus.update_restaurant(owner, rid, {"pacing": None}, replace_all=False)
    assert removed.pacing is None
    # Without pacing nothing is counted, however much is ordered.
    for _ in range(3):
        assert (await place(timed, customer, kitchen, 3)).paced_slot is None
    replaced = await timed.menus.update_restaurant(
        owner, rid, {"name": "Again", "pacing": SLOT}, replace_all=True
    )
    assert replaced.pacing is not None
    # Paced again: counted again, by the same service that placed unpaced orders before.
    assert (await place(timed, customer, kitchen, 3)).paced_slot == NOON
    with pytest.raises(Conflict):
        await place(timed, customer, kitchen, 1)
    cleared = await timed.menus.update_restaurant(owner, rid, {"name": "Again"}, replace_all=True)
    assert cleared.pacing is None


ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("place"), st.integers(1, 3), st.integers(0, 3), st.booleans()),
        st.tuples(st.just("cancel"), st.integers(0, 40), st.just(0), st.just(False)),
    ),
    max_size=25,
)


@settings(
    deadline=None,
    max_examples=15,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=ACTIONS)
async def test_no_sequence_of_placements_and_cancellations_overfills_a_slot(
    timed: Core, customer: Actor, actions: list[tuple[str, int, int, bool]]
) -> None:
    """Placements (ASAP or for a slot up to 45 minutes ahead, with or without accept_later)
    and cancellations in any order: no slot ever counts more than its cap, and each slot
    counts exactly the loads of the orders placed into it and not cancelled."""
    kitchen = await paced_kitchen(timed)
    placed: list[Order] = []
    for kind, size, ahead, later in actions:
        if kind == "place":
            extra: dict[str, object] = {"accept_later": later}
            if ahead:
                extra["pickup_at"] = (NOON + ahead * QUARTER + timedelta(minutes=1)).isoformat()
            with contextlib.suppress(Conflict):
                placed.append(await place(timed, customer, kitchen, size, **extra))
        elif placed:
            victim = placed[size % len(placed)]
            with contextlib.suppress(Conflict):
                await timed.orders.change_status(customer, victim.id, OrderStatus.CANCELLED)
        book = await ledger(timed.db, kitchen.id)
        assert all(0 <= seconds <= SLOT["max_prep_seconds_per_slot"] for seconds in book.values())
        counted = await counted_orders(timed.db, kitchen.id)
        assert {s: v for s, v in book.items() if v} == dict(counted)
