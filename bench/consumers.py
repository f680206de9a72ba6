"""The transactional consumers' cost per event on PostgreSQL: statements and CPU milliseconds.

Places ``--orders`` orders (three lines on three stations each) on a fresh PostgreSQL database
through the order use case, then hands their ``order.placed`` events to the kitchen and billing
handlers, and the kitchen's ``ticket.created`` events to the orders handler, in batches of
``--batch`` (what one Kafka poll gives ``handle_batch``), and finally the placements again (a
redelivery: the processed-event mark alone). Prints, per consumer, the statements sent and the
wall and CPU milliseconds of this process per event. CPU is the figure to compare across runs:
wall time moves with whatever else the machine runs.

    uv run python -m bench.consumers --orders 200 --batch 3
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select

from bench.procs import Resources
from restman_core.adapters.sql.database import SqlDatabase, open_database
from restman_core.adapters.sql.tables import outbox
from restman_core.domain.access import Actor, Role
from restman_core.domain.clock import SystemClock
from restman_core.domain.events import DomainEvent
from restman_core.domain.users import User
from restman_core.ports.events import ReceivedEvent
from restman_core.ports.storage import Transaction
from restman_core.services.billing import BillingService
from restman_core.services.kitchen import KitchenService
from restman_core.services.menus import MenuService
from restman_core.services.orders import OrderService
from restman_core.services.pipeline import BillingHandler, KitchenHandler, OrdersHandler
from restman_core.services.pipeline.base import TransactionalHandler

STATIONS = ("kitchen", "grill", "bar")


@contextmanager
def counted(db: SqlDatabase) -> Iterator[list[str]]:
    """Every statement the engine sends while the block runs (an executemany counts once)."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)


async def user(db: SqlDatabase, role: Role) -> Actor:
    now = SystemClock().now()
    made = User(uuid.uuid4(), f"{role}-{uuid.uuid4().hex[:8]}@example.com", role, True, now, now)

    async def add(tx: Transaction) -> None:
        await tx.users.add(made)

    await db.run(add)
    return made.as_actor()


async def place(db: SqlDatabase, orders: OrderService, count: int) -> None:
    """A restaurant with a food per station, and ``count`` orders of one of each."""
    menus = MenuService(db, SystemClock())
    owner, customer = await user(db, Role.OWNER), await user(db, Role.CUSTOMER)
    restaurant = await menus.create_restaurant(owner, {"name": "Bench"})
    category = await menus.create_category(owner, restaurant.id, {"name": "All"})
    foods = [
        await menus.create_food(
            owner,
            restaurant.id,
            {"name": station, "price": "4.50", "category_id": str(category.id), "station": station},
        )
        for station in STATIONS
    ]
    items = [{"food_id": str(food.id), "quantity": 2} for food in foods]
    body = {"restaurant_id": str(restaurant.id), "items": items, "order_type": "takeaway"}
    for _ in range(count):
        await orders.place_order(customer, body)


async def events_of(db: SqlDatabase, event_type: str) -> list[DomainEvent]:
    query = select(outbox.c.payload).where(outbox.c.event_type == event_type)
    async with db.engine.connect() as conn:
        rows = list(await conn.execute(query.order_by(outbox.c.position)))
    return [DomainEvent.from_bytes(row.payload.encode()) for row in rows]


async def measure(
    db: SqlDatabase, handler: TransactionalHandler, events: Sequence[DomainEvent], batch: int
) -> str:
    received = [ReceivedEvent(e, "order.events", 0, n, 1) for n, e in enumerate(events)]
    wall, cpu = time.perf_counter(), time.process_time()
    with counted(db) as seen:
        for start in range(0, len(received), batch):
            await handler.handle_batch(received[start : start + batch])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    n = max(1, len(events))
    return (
        f"{len(events)} events, {len(seen) / n:.2f} statements, "
        f"{1000 * cpu / n:.2f} ms CPU, {1000 * wall / n:.2f} ms wall per event "
        f"({handler.applied} applied, {handler.duplicates} duplicates)"
    )


async def run(url: str, count: int, batch: int) -> None:
    db = open_database(url)
    try:
        await db.create_all()
        clock = SystemClock()
        orders = OrderService(db, clock)
        await place(db, orders, count)
        placed = await events_of(db, "order.placed")
        kitchen = KitchenHandler(db, clock, KitchenService(db, clock))
        print("kitchen:", await measure(db, kitchen, placed, batch))
        billing = BillingHandler(db, clock, BillingService(db, clock))
        print("billing:", await measure(db, billing, placed, batch))
        follow = OrdersHandler(db, clock, orders)
        print("orders:", await measure(db, follow, await events_of(db, "ticket.created"), batch))
        again = KitchenHandler(db, clock, KitchenService(db, clock))
        print("kitchen, redelivered:", await measure(db, again, placed, batch))
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--batch", type=int, default=3, help="events per handle_batch call")
    args = parser.parse_args()
    res = Resources()
    try:
        url = res.database("consumers")
        print(f"{args.orders} orders of {len(STATIONS)} lines, batches of {args.batch}")
        asyncio.run(run(url, args.orders, max(1, args.batch)))
    finally:
        res.close()


if __name__ == "__main__":
    main()
