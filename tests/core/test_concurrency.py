"""Races that must leave exactly one winner, run as real concurrent units of work over the
connection pool: on PostgreSQL at SERIALIZABLE (the isolation CockroachDB uses, where losers are
retried on SQLSTATE 40001) and on SQLite (where writers queue on the file lock).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

import pytest

from restman_core.domain.access import Actor, Role
from restman_core.domain.billing import BillStatus
from restman_core.domain.kitchen import TicketStatus
from restman_core.errors import Conflict
from restman_core.ports.storage import Transaction
from tests.core.builders import (
    Core,
    Kitchen,
    add_staff,
    add_user,
    order_body,
    outbox_events,
    place_and_open,
)

T = TypeVar("T")
RACE_TIMEOUT = 60.0


async def race(*contenders: Awaitable[T]) -> list[T | BaseException]:
    """Run the contenders at once; a hang fails the test instead of stalling the suite."""
    return await asyncio.wait_for(
        asyncio.gather(*contenders, return_exceptions=True), timeout=RACE_TIMEOUT
    )


def split(outcomes: Sequence[Any]) -> tuple[list[Any], list[BaseException]]:
    """Winners and losers; anything but a Conflict among the losers fails the test."""
    won = [o for o in outcomes if not isinstance(o, BaseException)]
    lost = [o for o in outcomes if isinstance(o, BaseException)]
    unexpected = [o for o in lost if not isinstance(o, Conflict)]
    if unexpected:
        raise AssertionError(
            f"a contender failed with something else than Conflict: {unexpected!r}"
        )
    return won, lost


async def test_customers_racing_for_the_last_units(core: Core, kitchen: Kitchen) -> None:
    contenders, units = 8, 3
    steak = kitchen.foods["Steak"].id
    await core.menus.set_availability(kitchen.owner, kitchen.id, steak, True, units)
    customers = [await add_user(core.db, Role.CUSTOMER, f"hungry{n}") for n in range(contenders)]
    body = order_body(kitchen, [("Steak", 1)])

    outcomes = await race(*(core.orders.place_order(c, body) for c in customers))
    won, lost = split(outcomes)
    assert (len(won), len(lost)) == (units, contenders - units)

    async def stock(tx: Transaction) -> int | None:
        food = await tx.foods.get(steak)
        return food.stock_remaining if food else None

    assert await core.db.run(stock) == 0
    sold = await core.orders.list_orders(kitchen.owner, restaurant_id=kitchen.id)
    assert sorted(o.id for o in sold) == sorted(p.order.id for p in won)


async def test_two_terminals_bump_the_same_ticket(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    await place_and_open(core, customer, kitchen, [("Burger", 1)])
    (ticket,) = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    cook = await add_staff(core.db, kitchen.restaurant, kitchen.owner)

    outcomes = await race(
        core.kitchen.move_ticket(cook, ticket.id, TicketStatus.ACCEPTED, expected_version=1),
        core.kitchen.move_ticket(
            kitchen.owner, ticket.id, TicketStatus.ACCEPTED, expected_version=1
        ),
    )
    won, _ = split(outcomes)
    assert len(won) == 1
    stored = await core.kitchen.get_ticket(cook, ticket.id)
    assert (stored.status, stored.version) == (TicketStatus.ACCEPTED, 2)
    updates = await outbox_events(core.db, ticket.order_id, "ticket.updated")
    assert len(updates) == 1


async def test_two_terminals_bump_without_versions(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    """Without a version the machine itself refuses the second identical bump."""
    await place_and_open(core, customer, kitchen, [("Burger", 1)])
    (ticket,) = await core.kitchen.list_tickets(kitchen.owner, restaurant_id=kitchen.id)
    outcomes = await race(
        *(
            core.kitchen.move_ticket(kitchen.owner, ticket.id, TicketStatus.ACCEPTED)
            for _ in range(3)
        )
    )
    won, lost = split(outcomes)
    assert (len(won), len(lost)) == (1, 2)
    assert (await core.kitchen.get_ticket(kitchen.owner, ticket.id)).version == 2


async def test_two_payments_of_one_bill(core: Core, kitchen: Kitchen, customer: Actor) -> None:
    order = await place_and_open(core, customer, kitchen, [("Burger", 2)])
    cook = await add_staff(core.db, kitchen.restaurant, kitchen.owner)
    outcomes = await race(
        core.billing.finalize(customer, order.id, "card", "2.00"),
        core.billing.finalize(cook, order.id, "cash", "0"),
    )
    won, lost = split(outcomes)
    assert (len(won), len(lost)) == (1, 1)
    bill = await core.billing.get_bill(customer, order.id)
    assert bill.status is BillStatus.PAID
    assert (bill.payment_method, bill.total_amount) == (
        won[0].bill.payment_method,
        won[0].bill.total_amount,
    )
    assert len(await outbox_events(core.db, order.id, "bill.paid")) == 1


async def test_same_idempotency_key_at_once_makes_one_order(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    key = f"tap-{uuid.uuid4()}"
    body = order_body(kitchen, [("Burger", 1), ("Cola", 2)])
    outcomes = await race(*(core.orders.place_order(customer, body, key) for _ in range(3)))
    won, lost = split(outcomes)
    assert lost == []
    assert len({p.order.id for p in won}) == 1
    assert sorted(p.replayed for p in won) == [False, True, True]
    orders = await core.orders.list_orders(customer)
    assert [o.id for o in orders] == [won[0].order.id]
    assert len(await outbox_events(core.db, won[0].order.id, "order.placed")) == 1


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_postgres_units_run_serializable(core: Core) -> None:
    """The races above only prove something if PostgreSQL runs them at SERIALIZABLE."""
    from sqlalchemy import text

    async with core.db.engine.begin() as conn:
        level = (await conn.execute(text("SHOW transaction_isolation"))).scalar()
    assert level == "serializable"


async def test_customers_racing_for_the_last_oat_milk(core: Core, kitchen: Kitchen) -> None:
    """Option stock is taken in the placing unit of work: exactly the stock's worth of orders
    win, and the losers took no food stock either."""
    contenders, units = 6, 2
    owner, rid = kitchen.owner, kitchen.id
    milk = await core.modifiers.create_group(
        owner,
        rid,
        {"name": "Milk", "options": [{"name": "Oat milk", "stock_remaining": units}]},
    )
    cola = kitchen.foods["Cola"].id
    await core.menus.update_food(
        owner,
        rid,
        cola,
        {"modifier_group_ids": [str(milk.id)], "stock_remaining": 100},
        replace_all=False,
    )
    customers = [await add_user(core.db, Role.CUSTOMER, f"latte{n}") for n in range(contenders)]
    body = order_body(kitchen, [("Cola", 1)])
    body["items"][0]["modifiers"] = [{"option_id": str(milk.options[0].id)}]

    outcomes = await race(*(core.orders.place_order(c, body) for c in customers))
    won, lost = split(outcomes)
    assert (len(won), len(lost)) == (units, contenders - units)

    async def stock(tx: Transaction) -> tuple[int | None, int | None]:
        food, group = await tx.foods.get(cola), await tx.modifiers.get(milk.id)
        assert food is not None
        assert group is not None
        return food.stock_remaining, group.options[0].stock_remaining

    assert await core.db.run(stock) == (100 - units, 0)
