"""The expediter on SQLite and PostgreSQL: the board lists open orders with every ticket, an
order is ready for expo when every fired ticket is READY, and the expo bump delivers it and
completes the order; a ticket not READY refuses the bump, and of two racing bumps one wins."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from restman_core.domain.access import Actor
from restman_core.domain.clock import SystemClock
from restman_core.domain.kitchen import TicketStatus
from restman_core.domain.orders import Order, OrderStatus
from restman_core.errors import Conflict, NotFound
from restman_core.ports.storage import Transaction
from restman_core.services.expo import ExpoService
from tests.core.builders import Core, Kitchen, build_restaurant, order_body, placed_payload

T = TicketStatus


def expo_of(core: Core) -> ExpoService:
    return ExpoService(core.db, SystemClock(), core.orders)


async def seat(
    core: Core, customer: Actor, kitchen: Kitchen, lines: list[tuple[str, int]]
) -> Order:
    body = order_body(kitchen, lines, order_type="dine_in", table="8")
    order = (await core.orders.place_order(customer, body)).order
    payload = await placed_payload(core.db, order.id)

    async def work(tx: Transaction) -> None:
        await core.kitchen.open_tickets(tx, payload)

    await core.db.run(work)
    return order


async def cook(core: Core, kitchen: Kitchen, order: Order, station: str) -> None:
    tickets = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    (ticket,) = [t for t in tickets if t.order_id == order.id and t.station == station]
    for step in (T.ACCEPTED, T.IN_PROGRESS, T.READY):
        await core.kitchen.move_ticket(kitchen.owner, ticket.id, step)


async def test_an_order_is_ready_for_expo_when_every_fired_ticket_is_ready(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    expo = expo_of(core)
    order = await seat(core, customer, kitchen, [("Burger", 1), ("Cola", 2)])
    (entry,) = [e for e in await expo.board(kitchen.owner, kitchen.id) if e.order.id == order.id]
    assert (entry.stations, entry.ready_for_expo) == (("bar", "kitchen"), False)
    await cook(core, kitchen, order, "bar")
    with pytest.raises(Conflict, match=r"kitchen \(NEW\)"):
        await expo.deliver(kitchen.owner, order.id)
    assert {t.status for t in await core.kitchen.list_tickets(kitchen.owner)} == {T.NEW, T.READY}
    await cook(core, kitchen, order, "kitchen")
    (entry,) = await expo.board(kitchen.owner, kitchen.id)
    assert entry.ready_for_expo
    sent = await expo.deliver(kitchen.owner, order.id)
    assert sent.order.status is OrderStatus.COMPLETED
    assert {t.status for t in sent.tickets} == {T.DELIVERED_TO_SERVICE}
    assert await expo.board(kitchen.owner, kitchen.id) == []  # a completed order leaves expo
    with pytest.raises(Conflict, match="COMPLETED"):
        await expo.deliver(kitchen.owner, order.id)


async def test_a_held_course_keeps_the_order_open_after_the_expo_bump(
    core: Core, owner: Actor, customer: Actor
) -> None:
    kitchen = await build_restaurant(
        core,
        owner,
        categories={"Mains": {}, "Desserts": {"course": 3, "station": "pastry"}},
        foods={
            "Pasta": {"category": "Mains", "price": "9.00"},
            "Tart": {"category": "Desserts", "price": "5.00"},
        },
    )
    expo = expo_of(core)
    order = await seat(core, customer, kitchen, [("Pasta", 1), ("Tart", 1)])
    await cook(core, kitchen, order, "kitchen")
    (entry,) = await expo.board(owner, kitchen.id)
    assert entry.ready_for_expo  # the held dessert does not hold the mains back
    sent = await expo.deliver(owner, order.id)
    assert sent.order.status is not OrderStatus.COMPLETED
    assert sorted((t.station, t.status, t.held) for t in sent.tickets) == [
        ("kitchen", T.DELIVERED_TO_SERVICE, False),
        ("pastry", T.NEW, True),
    ]
    with pytest.raises(Conflict, match="Nothing"):
        await expo.deliver(owner, order.id)


async def test_two_expo_terminals_racing_exactly_one_wins(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    expo = expo_of(core)
    order = await seat(core, customer, kitchen, [("Burger", 1)])
    await cook(core, kitchen, order, "kitchen")
    results = await asyncio.gather(
        *(expo.deliver(kitchen.owner, order.id) for _ in range(2)), return_exceptions=True
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "ExpoOrder"]
    stored = await core.orders.get_order(kitchen.owner, order.id)
    assert stored.status is OrderStatus.COMPLETED
    assert [h.status for h in stored.history].count(OrderStatus.COMPLETED) == 1


async def test_another_restaurants_expo_is_out_of_reach(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    expo = expo_of(core)
    order = await seat(core, customer, kitchen, [("Burger", 1)])
    rival = await build_restaurant(core)
    assert await expo.board(rival.owner) == []
    with pytest.raises(NotFound):
        await expo.deliver(rival.owner, order.id)
    with pytest.raises(NotFound):
        await expo.deliver(kitchen.owner, uuid.uuid4())
