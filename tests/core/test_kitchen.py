"""Kitchen tickets on SQLite and PostgreSQL: one per station, opened once, moved with
compare-and-set, recalled, bumped item by item, counted all day, and voided with their order."""

from __future__ import annotations

import uuid

import pytest

from restman_core.domain.access import Actor, Role
from restman_core.domain.kitchen import TicketStatus, order_status_from_tickets
from restman_core.domain.orders import OrderStatus
from restman_core.errors import Conflict, Forbidden, InvalidInput, NotFound
from restman_core.ports.storage import Transaction
from tests.core.builders import (
    Core,
    Kitchen,
    add_staff,
    add_user,
    build_restaurant,
    outbox_events,
    place_and_open,
    placed_payload,
)

T = TicketStatus


async def test_one_ticket_per_station(core: Core, kitchen: Kitchen, customer: Actor) -> None:
    order = await place_and_open(
        core, customer, kitchen, [("Burger", 2), ("Steak", 1), ("Cola", 2), ("Burger", 1)]
    )
    tickets = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    by_station = {t.station: t for t in tickets}
    assert sorted(by_station) == ["bar", "grill", "kitchen"]
    assert [(i.food_name, i.quantity) for i in by_station["kitchen"].items] == [
        ("Burger", 2),
        ("Burger", 1),
    ]
    assert [(i.food_name, i.quantity) for i in by_station["grill"].items] == [("Steak", 1)]
    assert all(t.order_id == order.id and t.status is T.NEW and t.version == 1 for t in tickets)
    created = await outbox_events(core.db, order.id, "ticket.created")
    assert len(created) == 3


async def test_grill_and_bar_make_two_tickets(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    await place_and_open(core, customer, kitchen, [("Steak", 1), ("Cola", 1)])
    tickets = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    assert sorted(t.station for t in tickets) == ["bar", "grill"]


async def test_single_station_restaurant_gets_exactly_one_ticket(
    core: Core, owner: Actor, customer: Actor
) -> None:
    plain = await build_restaurant(
        core,
        owner,
        categories={"Food": {}, "Drinks": {}},
        foods={
            "Pasta": {"category": "Food", "price": "9.00"},
            "Salad": {"category": "Food", "price": "7.00"},
            "Water": {"category": "Drinks", "price": "1.00"},
        },
    )
    await place_and_open(core, customer, plain, [("Pasta", 1), ("Salad", 2), ("Water", 1)])
    tickets = await core.kitchen.list_tickets(owner, restaurant_id=plain.id)
    assert [(t.station, len(t.items)) for t in tickets] == [("kitchen", 3)]


async def test_opening_tickets_twice_keeps_the_first_ones(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    order = await place_and_open(core, customer, kitchen, [("Burger", 1), ("Cola", 1)])
    before = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    payload = await placed_payload(core.db, order.id)

    async def again(tx: Transaction) -> int:
        return len(await core.kitchen.open_tickets(tx, payload))

    assert await core.db.run(again) == 0
    after = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    assert [t.id for t in after] == [t.id for t in before]
    assert len(await outbox_events(core.db, order.id, "ticket.created")) == 2


async def test_move_with_a_stale_version_is_a_conflict(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    await place_and_open(core, customer, kitchen, [("Burger", 1)])
    (ticket,) = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    cook = await add_staff(core.db, kitchen.restaurant, kitchen.owner)
    accepted = await core.kitchen.move_ticket(cook, ticket.id, T.ACCEPTED, expected_version=1)
    assert (accepted.status, accepted.version) == (T.ACCEPTED, 2)
    with pytest.raises(Conflict, match="version 1"):
        await core.kitchen.move_ticket(cook, ticket.id, T.IN_PROGRESS, expected_version=1)
    stored = await core.kitchen.get_ticket(cook, ticket.id)
    assert (stored.status, stored.version) == (T.ACCEPTED, 2)
    with pytest.raises(Conflict):  # not one step forward
        await core.kitchen.move_ticket(cook, ticket.id, T.NEW)
    with pytest.raises(InvalidInput):  # cooks do not cancel tickets
        await core.kitchen.move_ticket(cook, ticket.id, T.CANCELLED)


async def test_recall_undoes_the_last_bump(core: Core, kitchen: Kitchen, customer: Actor) -> None:
    await place_and_open(core, customer, kitchen, [("Burger", 1)])
    (ticket,) = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    owner = kitchen.owner
    await core.kitchen.move_ticket(owner, ticket.id, T.ACCEPTED)
    await core.kitchen.move_ticket(owner, ticket.id, T.IN_PROGRESS)
    await core.kitchen.move_ticket(owner, ticket.id, T.READY)
    delivered = await core.kitchen.move_ticket(owner, ticket.id, T.DELIVERED_TO_SERVICE)
    assert delivered.ready_at is not None
    back = await core.kitchen.recall(owner, ticket.id, expected_version=5)
    assert (back.status, back.version, back.ready_at) == (T.READY, 6, delivered.ready_at)
    stored = await core.kitchen.get_ticket(owner, ticket.id)
    assert (stored.status, stored.recall_status, stored.version) == (T.READY, None, 6)
    with pytest.raises(Conflict, match="Nothing to recall"):
        await core.kitchen.recall(owner, ticket.id)


async def test_mark_item_done(core: Core, kitchen: Kitchen, customer: Actor) -> None:
    await place_and_open(core, customer, kitchen, [("Burger", 1), ("Burger", 2)])
    (ticket,) = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    first = ticket.items[0].id
    marked = await core.kitchen.mark_item(kitchen.owner, ticket.id, first, True, expected_version=1)
    assert [i.done for i in marked.items] == [True, False]
    stored = await core.kitchen.get_ticket(kitchen.owner, ticket.id)
    assert ([i.done for i in stored.items], stored.version, stored.status) == (
        [True, False],
        2,
        T.NEW,
    )
    with pytest.raises(NotFound):
        await core.kitchen.mark_item(kitchen.owner, ticket.id, uuid.uuid4(), True)
    with pytest.raises(Conflict):
        await core.kitchen.mark_item(kitchen.owner, ticket.id, first, False, expected_version=1)


async def test_all_day_counts_open_items_per_food(
    core: Core, owner: Actor, customer: Actor
) -> None:
    kitchen = await build_restaurant(core, owner)
    await place_and_open(core, customer, kitchen, [("Burger", 2), ("Cola", 1)])
    second = await place_and_open(core, customer, kitchen, [("Burger", 3), ("Steak", 1)])
    third = await place_and_open(core, customer, kitchen, [("Burger", 5)])
    tickets = await core.kitchen.list_tickets(owner, restaurant_id=kitchen.id)
    # One burger line is marked done, the third order's ticket is ready: neither counts.
    burger_ticket = next(t for t in tickets if t.order_id == second.id and t.station == "kitchen")
    await core.kitchen.mark_item(owner, burger_ticket.id, burger_ticket.items[0].id, True)
    ready = next(t for t in tickets if t.order_id == third.id)
    for target in (T.ACCEPTED, T.IN_PROGRESS, T.READY):
        await core.kitchen.move_ticket(owner, ready.id, target)

    lines = await core.kitchen.all_day(owner, restaurant_id=kitchen.id)
    assert [(line.food_name, line.station, line.quantity) for line in lines] == [
        ("Burger", "kitchen", 2),
        ("Cola", "bar", 1),
        ("Steak", "grill", 1),
    ]
    bar = await core.kitchen.all_day(owner, restaurant_id=kitchen.id, station="bar")
    assert [(line.food_name, line.quantity) for line in bar] == [("Cola", 1)]


async def test_cancelling_an_order_voids_its_open_tickets(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    order = await place_and_open(core, customer, kitchen, [("Burger", 1), ("Cola", 1)])
    tickets = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    bar = next(t for t in tickets if t.station == "bar")
    await core.kitchen.move_ticket(kitchen.owner, bar.id, T.DELIVERED_TO_SERVICE)
    await core.orders.change_status(customer, order.id, OrderStatus.CANCELLED)

    async def void(tx: Transaction) -> int:
        return len(await core.kitchen.void_tickets(tx, order.id))

    # The cancellation itself voided the open ticket, in its own transaction.
    after = {
        t.station: t.status
        for t in await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    }
    assert after == {"kitchen": T.CANCELLED, "bar": T.DELIVERED_TO_SERVICE}
    assert await core.db.run(void) == 0  # the consumer's void changes nothing more


async def test_tickets_belong_to_their_restaurant(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    await place_and_open(core, customer, kitchen, [("Burger", 1)])
    (ticket,) = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    stranger = await add_user(core.db, Role.KITCHEN, "stranger")
    rival = await add_user(core.db, Role.OWNER, "rival")
    for outsider in (stranger, rival):
        with pytest.raises(NotFound):
            await core.kitchen.move_ticket(outsider, ticket.id, T.ACCEPTED)
        assert await core.kitchen.list_tickets(outsider, restaurant_id=kitchen.id) == []
    with pytest.raises(Forbidden):
        await core.kitchen.move_ticket(customer, ticket.id, T.ACCEPTED)
    with pytest.raises(Forbidden):
        await core.kitchen.list_tickets(customer)
    assert (await core.kitchen.get_ticket(kitchen.owner, ticket.id)).status is T.NEW


async def test_order_follows_kitchen_progress(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    """The order becomes READY only when every ticket is READY (what the kitchen consumer does
    after each ticket change)."""
    order = await place_and_open(core, customer, kitchen, [("Burger", 1), ("Cola", 1)])
    tickets = {
        t.station: t
        for t in await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    }

    async def follow(tx: Transaction) -> None:
        statuses = [t.status for t in await tx.tickets.for_order(order.id)]
        implied = order_status_from_tickets(statuses)
        if implied is not None:
            await core.orders.follow_kitchen(tx, order.id, implied)

    async def status() -> OrderStatus:
        return (await core.orders.get_order(customer, order.id)).status

    for target in (T.ACCEPTED, T.IN_PROGRESS, T.READY):
        await core.kitchen.move_ticket(kitchen.owner, tickets["kitchen"].id, target)
    await core.db.run(follow)
    assert await status() is OrderStatus.IN_PROGRESS  # the bar has not started the cola
    for target in (T.ACCEPTED, T.IN_PROGRESS, T.READY):
        await core.kitchen.move_ticket(kitchen.owner, tickets["bar"].id, target)
    await core.db.run(follow)
    assert await status() is OrderStatus.READY
    stored = await core.orders.get_order(customer, order.id)
    assert [h.status for h in stored.history] == [
        OrderStatus.PLACED,
        OrderStatus.ACCEPTED,
        OrderStatus.IN_PROGRESS,
        OrderStatus.READY,
    ]
    assert stored.history[-1].note == "kitchen progress"
    await core.db.run(follow)  # following again changes nothing
    assert len((await core.orders.get_order(customer, order.id)).history) == 4
