"""Edges of the kitchen on SQLite and PostgreSQL: all-day counts over every open ticket,
ticket pages that never skip tickets sharing a timestamp, and path ids that must belong."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from restman_core.domain.access import Actor
from restman_core.domain.ids import new_id
from restman_core.domain.kitchen import Ticket, TicketItem, TicketStatus
from restman_core.errors import Conflict, NotFound
from restman_core.ports.storage import Page, Transaction
from restman_core.views import ticket_view
from tests.core.builders import Core, Kitchen, counted_statements, place_and_open


def station_copies(ticket: Ticket, count: int) -> list[Ticket]:
    """``count`` tickets like ``ticket`` at stations s000.., all with its timestamp."""
    return [
        replace(
            ticket,
            id=new_id(),
            station=f"s{n:03d}",
            items=tuple(replace(i, id=new_id()) for i in ticket.items),
        )
        for n in range(count)
    ]


async def add_tickets(core: Core, tickets: list[Ticket]) -> None:
    async def work(tx: Transaction) -> None:
        await tx.tickets.add_many(tickets)

    await core.db.run(work)


async def test_all_day_counts_every_open_ticket_past_one_page(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    order = await place_and_open(core, customer, kitchen, [("Cola", 1)])
    (bar,) = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    await add_tickets(core, station_copies(bar, 230))
    lines = await core.kitchen.all_day(kitchen.owner, restaurant_id=kitchen.id)
    assert sum(line.quantity for line in lines if line.food_name == "Cola") == 231
    assert order.id == bar.order_id


async def test_ticket_pages_do_not_skip_tickets_with_the_same_time(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    await place_and_open(core, customer, kitchen, [("Cola", 1)])
    (bar,) = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    await add_tickets(core, station_copies(bar, 5))
    seen: list[uuid.UUID] = []
    page = Page(limit=2)
    for _ in range(10):
        batch = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id, page=page)
        seen.extend(t.id for t in batch)
        if len(batch) < 2:
            break
        page = Page(limit=2, before=batch[-1].created_at, before_id=batch[-1].id)
    assert len(seen) == len(set(seen)) == 6


async def test_an_item_of_another_ticket_is_not_found(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    await place_and_open(core, customer, kitchen, [("Cola", 1), ("Burger", 1)])
    bar, cook = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    foreign: TicketItem = cook.items[0]
    with pytest.raises(NotFound):
        await core.kitchen.mark_item(kitchen.owner, bar.id, foreign.id, True)


async def test_stations_match_as_stored(core: Core, kitchen: Kitchen, customer: Actor) -> None:
    await place_and_open(core, customer, kitchen, [("Cola", 2)])
    (bar,) = await core.kitchen.list_tickets(
        kitchen.owner, restaurant_id=kitchen.id, station=" Bar "
    )
    assert bar.station == "bar"
    lines = await core.kitchen.all_day(kitchen.owner, restaurant_id=kitchen.id, station="BAR")
    assert [(line.food_name, line.quantity) for line in lines] == [("Cola", 2)]


async def test_listing_tickets_issues_the_same_statements_for_1_or_40_tickets(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    await place_and_open(core, customer, kitchen, [("Cola", 1)])
    (bar,) = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    with counted_statements(core.db) as for_one:
        await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    await add_tickets(core, station_copies(bar, 39))
    with counted_statements(core.db) as for_forty:
        listed = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    assert len(listed) == 40
    assert len(for_forty) == len(for_one)


async def test_a_voided_ticket_does_not_offer_a_recall(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    order = await place_and_open(core, customer, kitchen, [("Cola", 1)])
    (bar,) = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    assert ticket_view(bar)["can_recall"] is False
    bumped = await core.kitchen.move_ticket(kitchen.owner, bar.id, TicketStatus.ACCEPTED)
    assert ticket_view(bumped)["can_recall"] is True

    async def void(tx: Transaction) -> list[Ticket]:
        return await core.kitchen.void_tickets(tx, order.id)

    (voided,) = await core.db.run(void)
    assert ticket_view(voided)["can_recall"] is False
    with pytest.raises(Conflict):
        await core.kitchen.recall(kitchen.owner, bar.id)
