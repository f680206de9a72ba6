"""A burst of 200 concurrent orders against one paced restaurant, on SQLite and on PostgreSQL at
SERIALIZABLE: real concurrent units of work race for the same slot rows. The orders go through
eight order services, as through eight API processes: each lets one paced placement per
restaurant into the database at a time, and on PostgreSQL the eight take turns there too, so
none loses a serialization round to another. No slot ever counts
more than its cap, each counts exactly the orders placed into it, and every order is either
accepted or refused for a business reason (a Conflict, the 409), never lost or "busy"."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.domain.access import Role
from restman_core.errors import Conflict
from restman_core.services.orders import OrderService, Placed
from tests.auth.helpers import ManualClock
from tests.core.builders import Core, add_user, order_body
from tests.core.pacing_support import NOW, counted_orders, ledger, paced_kitchen
from tests.core.serialization_support import lost_rounds

BURST = 200
CUSTOMERS = 20
PROCESSES = 8
PER_SLOT = 40  # pizzas of 300 s each
CAP = PER_SLOT * 300
RACE_TIMEOUT = 300.0


async def test_two_hundred_concurrent_orders_never_overfill_a_slot(
    database: SqlDatabase,
) -> None:
    clock = ManualClock(NOW)
    core = Core.on(database, clock)
    services = [OrderService(database, clock) for _ in range(PROCESSES)]
    kitchen = await paced_kitchen(
        core, pacing={"slot_minutes": 15, "max_prep_seconds_per_slot": CAP}
    )
    customers = [await add_user(database, Role.CUSTOMER, f"burst{n}") for n in range(CUSTOMERS)]
    # Every other order lets the kitchen move it to a later slot.
    later = [n % 2 == 1 for n in range(BURST)]
    with lost_rounds(database) as lost:
        outcomes = await asyncio.wait_for(
            asyncio.gather(
                *(
                    services[n % PROCESSES].place_order(
                        customers[n % CUSTOMERS],
                        order_body(kitchen, [("Pizza", 1)], accept_later=later[n]),
                    )
                    for n in range(BURST)
                ),
                return_exceptions=True,
            ),
            timeout=RACE_TIMEOUT,
        )
    # The eight take turns in the database too (on PostgreSQL, restman_core.adapters.sql.turns):
    # racing for the slot row instead, they lost about 180 rounds between them, and at load 10
    # one order ran out of retries (503).
    assert lost == []
    accepted = [o.order for o in outcomes if isinstance(o, Placed)]
    refused = [o for o in outcomes if not isinstance(o, Placed)]
    assert [type(o) for o in refused] == [Conflict] * len(refused), refused
    assert len(accepted) + len(refused) == BURST

    book = await ledger(database, kitchen.id)
    assert all(seconds <= CAP for seconds in book.values()), book
    assert book == dict(await counted_orders(database, kitchen.id))
    assert sum(book.values()) == 300 * len(accepted)
    # Demand was five times the current slot: it is exactly full, every order that accepted a
    # later slot got one, and only those that did not were refused.
    first = NOW.replace(minute=0)
    assert book[first] == CAP
    assert sum(1 for o in accepted if o.paced_slot == first) == PER_SLOT
    assert all(isinstance(o, Placed) for o, moved in zip(outcomes, later, strict=True) if moved)
    for order in accepted:
        if order.pickup_at is not None:
            assert order.paced_slot == order.pickup_at
            assert order.pickup_at >= first + timedelta(minutes=15)
