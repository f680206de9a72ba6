"""Contention is not an outage: many concurrent orders on one customer's rows or on one food's
stock all succeed, or are refused for a business reason (Conflict, a 409), never "the database
is busy" (Unavailable, a 503). Real concurrent units of work on PostgreSQL at SERIALIZABLE and
on SQLite. Within one process, orders racing for one food's stock take turns instead of failing
against each other (see :mod:`restman_core.services.placement_gates`)."""

from __future__ import annotations

import asyncio

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.domain.access import Actor, Role
from restman_core.errors import Conflict
from tests.core.builders import Core, Kitchen, add_user, build_restaurant, order_body
from tests.core.serialization_support import lost_rounds

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


async def race_for_the_steaks(core: Core, kitchen: Kitchen, units: int) -> list[BaseException]:
    """``CONTENDERS`` customers order one of ``units`` steaks at once; the refusals."""
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
    return [o for o in outcomes if isinstance(o, BaseException)]


async def test_many_orders_on_one_foods_stock(core: Core, kitchen: Kitchen) -> None:
    units = CONTENDERS - 4
    refused = await race_for_the_steaks(core, kitchen, units)
    assert [type(o) for o in refused] == [Conflict] * (CONTENDERS - units), refused


async def test_one_process_orders_on_one_foods_stock_take_turns(
    postgresql_database: SqlDatabase,
) -> None:
    # PostgreSQL only: SQLite's single writer runs units one at a time anyway.
    core = Core.on(postgresql_database)
    kitchen = await build_restaurant(core, await add_user(core.db, Role.OWNER, "owner"))
    with lost_rounds(postgresql_database) as lost:
        refused = await race_for_the_steaks(core, kitchen, CONTENDERS - 4)
    assert [type(o) for o in refused] == [Conflict] * 4, refused
    # Fighting over the stock row instead, they lost hundreds of rounds between them, and on a
    # loaded machine the last ones ran out of retries (503).
    assert lost == []
