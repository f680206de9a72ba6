"""Changes reach the kitchen, on SQLite and PostgreSQL: an order closed by anyone closes its
tickets in the same transaction; items added to an open dine-in order open addition tickets
exactly once; a voided item shows VOID on its ticket line, and what may not change is a clear
Conflict with nothing written."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from restman_core.domain.access import Actor
from restman_core.domain.kitchen import TicketStatus
from restman_core.domain.orders import Order, OrderStatus
from restman_core.errors import Conflict, Forbidden, InvalidInput, NotFound
from restman_core.ports.storage import Transaction
from tests.core.builders import (
    Core,
    Kitchen,
    add_staff,
    order_body,
    outbox_events,
    placed_payload,
)

T = TicketStatus


async def dine_in(
    core: Core, customer: Actor, kitchen: Kitchen, lines: list[tuple[str, int]]
) -> Order:
    """Place a dine-in order at table 4 and open its tickets as the kitchen consumer does."""
    body = order_body(kitchen, lines, order_type="dine_in", table="4")
    order = (await core.orders.place_order(customer, body)).order
    payload = await placed_payload(core.db, order.id)

    async def work(tx: Transaction) -> None:
        await core.kitchen.open_tickets(tx, payload)

    await core.db.run(work)
    return order


async def open_additions(core: Core, order_id: uuid.UUID) -> list[int]:
    """Apply every order.items_added event of the order as the kitchen consumer does (twice,
    as a redelivery would); the number of tickets each application opened."""
    opened = []
    for envelope in await outbox_events(core.db, order_id, "order.items_added") * 2:

        async def work(tx: Transaction, data: Any = envelope["data"]) -> int:
            return len(await core.kitchen.open_addition(tx, data))

        opened.append(await core.db.run(work))
    return opened


async def board(core: Core, kitchen: Kitchen) -> list[tuple[str, str]]:
    open_statuses = frozenset({T.NEW, T.ACCEPTED, T.IN_PROGRESS, T.READY})
    tickets = await core.kitchen.list_tickets(
        kitchen.owner, restaurant_id=kitchen.id, statuses=open_statuses
    )
    return sorted((t.station, t.status) for t in tickets)


@pytest.mark.parametrize(
    ("target", "closed"),
    [(OrderStatus.COMPLETED, T.DELIVERED_TO_SERVICE), (OrderStatus.CANCELLED, T.CANCELLED)],
)
async def test_an_order_closed_by_its_owner_leaves_no_ticket_open(
    core: Core, kitchen: Kitchen, customer: Actor, target: OrderStatus, closed: TicketStatus
) -> None:
    order = await dine_in(core, customer, kitchen, [("Burger", 2), ("Cola", 1)])
    assert len(await board(core, kitchen)) == 2
    for step in (OrderStatus.ACCEPTED, OrderStatus.IN_PROGRESS, OrderStatus.READY):
        await core.orders.change_status(kitchen.owner, order.id, step)
    await core.orders.change_status(kitchen.owner, order.id, target)
    assert await board(core, kitchen) == []
    assert await core.kitchen.all_day(kitchen.owner, restaurant_id=kitchen.id) == []
    tickets = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    assert {t.status for t in tickets} == {closed}
    updated = await outbox_events(core.db, order.id, "ticket.updated")
    assert sorted(e["data"]["new_status"] for e in updated) == [str(closed)] * 2


async def test_a_placement_reaching_the_kitchen_after_completion_opens_closed_tickets(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    body = order_body(kitchen, [("Burger", 1)], order_type="dine_in", table="2")
    order = (await core.orders.place_order(customer, body)).order
    for step in (OrderStatus.ACCEPTED, OrderStatus.IN_PROGRESS, OrderStatus.READY):
        await core.orders.change_status(kitchen.owner, order.id, step)
    await core.orders.change_status(kitchen.owner, order.id, OrderStatus.COMPLETED)
    payload = await placed_payload(core.db, order.id)

    async def work(tx: Transaction) -> list[TicketStatus]:
        return [t.status for t in await core.kitchen.open_tickets(tx, payload)]

    assert await core.db.run(work) == [T.DELIVERED_TO_SERVICE]
    assert await board(core, kitchen) == []


async def test_added_items_open_addition_tickets_once(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    order = await dine_in(core, customer, kitchen, [("Burger", 1)])
    cook = await add_staff(core.db, kitchen.restaurant, kitchen.owner)
    lines = {"items": [{"food_id": kitchen.food_id("Cola"), "quantity": 2}]}
    changed = await core.orders.changes.add_items(cook, order.id, lines)
    assert changed.order.total_amount == Decimal("12.99") + Decimal("5.00")
    added = [i for i in changed.order.items if i.batch == 1]
    assert [(i.food_name, i.quantity) for i in added] == [("Cola", 2)]
    assert await open_additions(core, order.id) == [1, 0]  # the redelivery opens nothing
    tickets = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    assert sorted((t.station, t.is_addition) for t in tickets) == [
        ("bar", True),
        ("kitchen", False),
    ]
    again = await core.orders.changes.add_items(cook, order.id, lines)
    assert {i.batch for i in again.order.items} == {0, 1, 2}
    assert await open_additions(core, order.id) == [0, 1, 0, 0]  # only the new one opens
    stored = await core.orders.get_order(kitchen.owner, order.id)
    assert stored.total_amount == Decimal("22.99")


async def test_an_idempotent_addition_is_made_once(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    order = await dine_in(core, customer, kitchen, [("Burger", 1)])
    lines = {"items": [{"food_id": kitchen.food_id("Cola"), "quantity": 1}]}
    first = await core.orders.changes.add_items(kitchen.owner, order.id, lines, "k-1")
    replay = await core.orders.changes.add_items(kitchen.owner, order.id, lines, "k-1")
    assert (first.replayed, replay.replayed) == (False, True)
    assert len(replay.order.items) == 2
    other = {"items": [{"food_id": kitchen.food_id("Cola"), "quantity": 3}]}
    with pytest.raises(Conflict, match="Idempotency-Key"):
        await core.orders.changes.add_items(kitchen.owner, order.id, other, "k-1")


async def test_what_may_not_be_added_is_refused_and_nothing_changes(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    order = await dine_in(core, customer, kitchen, [("Burger", 1)])
    lines = {"items": [{"food_id": kitchen.food_id("Cola"), "quantity": 1}]}
    with pytest.raises(Forbidden):
        await core.orders.changes.add_items(customer, order.id, lines)
    with pytest.raises(InvalidInput, match="items"):
        await core.orders.changes.add_items(kitchen.owner, order.id, {"items": []})
    bad = {"items": [{"food_id": str(uuid.uuid4()), "quantity": 1}]}
    with pytest.raises(InvalidInput, match="Unknown food"):
        await core.orders.changes.add_items(kitchen.owner, order.id, bad)
    takeaway = (await core.orders.place_order(customer, order_body(kitchen, [("Cola", 1)]))).order
    with pytest.raises(Conflict, match="dine_in"):
        await core.orders.changes.add_items(kitchen.owner, takeaway.id, lines)
    await core.orders.change_status(kitchen.owner, order.id, OrderStatus.CANCELLED)
    with pytest.raises(Conflict, match="CANCELLED"):
        await core.orders.changes.add_items(kitchen.owner, order.id, lines)
    stored = await core.orders.get_order(kitchen.owner, order.id)
    assert [i.food_name for i in stored.items] == ["Burger"]
    assert await outbox_events(core.db, order.id, "order.items_added") == []


async def test_a_voided_item_shows_void_and_leaves_the_all_day_count(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    order = await dine_in(core, customer, kitchen, [("Burger", 2), ("Burger", 1), ("Cola", 1)])
    first = order.items[0]
    changed = await core.orders.changes.void_item(kitchen.owner, order.id, first.id)
    assert changed.order.total_amount == Decimal("12.99") + Decimal("2.50")
    assert [i.voided for i in changed.order.items] == [True, False, False]
    tickets = {t.station: t for t in await core.kitchen.list_tickets(kitchen.owner)}
    assert [i.voided for i in tickets["kitchen"].items] == [True, False]
    assert tickets["kitchen"].status is T.NEW
    day = await core.kitchen.all_day(kitchen.owner, restaurant_id=kitchen.id)
    assert sorted((line.food_name, line.quantity) for line in day) == [("Burger", 1), ("Cola", 1)]
    with pytest.raises(Conflict, match="already voided"):
        await core.orders.changes.void_item(kitchen.owner, order.id, first.id)
    # Voiding the bar's only line leaves the bar nothing to cook: its ticket is cancelled.
    await core.orders.changes.void_item(kitchen.owner, order.id, order.items[2].id)
    assert ("bar", T.NEW) not in await board(core, kitchen)


async def test_a_ready_item_cannot_be_voided_and_nothing_changes(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    order = await dine_in(core, customer, kitchen, [("Burger", 1), ("Cola", 1)])
    bar = next(t for t in await core.kitchen.list_tickets(kitchen.owner) if t.station == "bar")
    for step in (T.ACCEPTED, T.IN_PROGRESS, T.READY):
        await core.kitchen.move_ticket(kitchen.owner, bar.id, step)
    cola = next(i for i in order.items if i.food_name == "Cola")
    with pytest.raises(Conflict, match="READY"):
        await core.orders.changes.void_item(kitchen.owner, order.id, cola.id)
    with pytest.raises(NotFound):
        await core.orders.changes.void_item(kitchen.owner, order.id, uuid.uuid4())
    stored = await core.orders.get_order(kitchen.owner, order.id)
    assert not any(i.voided for i in stored.items)
    assert stored.total_amount == order.total_amount
    assert await outbox_events(core.db, order.id, "order.item_voided") == []


async def test_an_item_voided_before_its_ticket_opens_arrives_voided(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    body = order_body(kitchen, [("Burger", 1), ("Steak", 1)], order_type="dine_in", table="9")
    order = (await core.orders.place_order(customer, body)).order
    steak = next(i for i in order.items if i.food_name == "Steak")
    await core.orders.changes.void_item(kitchen.owner, order.id, steak.id)
    payload = await placed_payload(core.db, order.id)

    async def work(tx: Transaction) -> list[tuple[str, TicketStatus, bool]]:
        opened = await core.kitchen.open_tickets(tx, payload)
        return sorted((t.station, t.status, t.items[0].voided) for t in opened)

    assert await core.db.run(work) == [("grill", T.CANCELLED, True), ("kitchen", T.NEW, False)]
