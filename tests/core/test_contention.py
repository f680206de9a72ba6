"""Contention is not an outage: many concurrent orders on one customer's rows or on one food's
stock all succeed, or are refused for a business reason (Conflict, a 409), never "the database
is busy" (Unavailable, a 503). Real concurrent units of work on PostgreSQL at SERIALIZABLE and
on SQLite."""

from __future__ import annotations

import asyncio

from restman_core.domain.access import Actor, Role
from restman_core.errors import Conflict
from tests.core.builders import Core, Kitchen, add_user, order_body

CONTENDERS = 40
RACE_TIMEOUT = 90.0


async def test_one_customer_places_many_orders_at_once(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    body = order_body(kitchen, [("Burger", 1), ("Cola", 1)])
    outcomes = await asyncio.wait_for(
        asyncio.gather(
            *(core.orders.place_order(customer, body) for _ in range(CONTENDERS)),
            return_exceptions=True,
        ),
        timeout=RACE_TIMEOUT,
    )
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    assert failures == []
    assert len(await core.orders.list_orders(customer)) == CONTENDERS


async def test_many_orders_on_one_foods_stock(core: Core, kitchen: Kitchen) -> None:
    units = CONTENDERS - 4
    steak = kitchen.foods["Steak"].id
    await core.menus.set_availability(kitchen.owner, kitchen.id, steak, True, units)
    customers = [await add_user(core.db, Role.CUSTOMER, f"steak{n}") for n in range(CONTENDERS)]
    body = order_body(kitchen, [("Steak", 1)])
    outcomes = await asyncio.wait_for(
        asyncio.gather(
            *(core.orders.place_order(c, body) for c in customers), return_exceptions=True
        ),
        timeout=RACE_TIMEOUT,
    )
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert [type(o) for o in refused] == [Conflict] * (CONTENDERS - units), refused
