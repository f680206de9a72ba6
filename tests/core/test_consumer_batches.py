"""The kitchen, billing and orders consumers apply a batch of events with multi-row statements
(their batch effects), on SQLite and PostgreSQL: a batch leaves the same tickets, bills and
outbox rows as the same events one at a time, an order cancelled before its placement arrived
still ends cancelled, an item voided before it still is not cooked or billed, an event delivered
twice applies once, and the statements a batch issues do not grow with the number of orders in
it (only with those changed or cancelled before their placement arrived)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from restman_core.adapters.sql.tables import outbox
from restman_core.domain.access import Actor
from restman_core.domain.clock import SystemClock
from restman_core.domain.events import DomainEvent
from restman_core.domain.orders import OrderStatus
from restman_core.ports.events import ReceivedEvent
from restman_core.ports.storage import Transaction
from restman_core.services.pipeline import BillingHandler, KitchenHandler, OrdersHandler
from restman_core.services.pipeline.base import TransactionalHandler
from tests.core.builders import Core, Kitchen, counted_statements, order_body

LINES = [("Burger", 1), ("Steak", 2), ("Cola", 3)]


async def events(core: Core, order_ids: Sequence[uuid.UUID], event_type: str) -> list[DomainEvent]:
    """The outbox's events of ``event_type`` for these orders, in commit order."""
    query = (
        select(outbox.c.payload)
        .where(outbox.c.event_key.in_(order_ids), outbox.c.event_type == event_type)
        .order_by(outbox.c.position)
    )
    async with core.db.engine.connect() as conn:
        rows = list(await conn.execute(query))
    return [DomainEvent.from_bytes(row.payload.encode()) for row in rows]


def received(batch: Sequence[DomainEvent]) -> list[ReceivedEvent]:
    return [ReceivedEvent(e, "order.events", 0, n, 1) for n, e in enumerate(batch)]


async def place(core: Core, customer: Actor, kitchen: Kitchen, count: int) -> list[uuid.UUID]:
    """``count`` orders: the second (when there is one) cancelled at once, the third's first
    item voided at once, both before their placement reaches the consumers."""
    orders = [
        (await core.orders.place_order(customer, order_body(kitchen, LINES))).order
        for _ in range(count)
    ]
    if count > 1:
        await core.orders.change_status(customer, orders[1].id, OrderStatus.CANCELLED)
    if count > 2:
        await core.orders.changes.void_item(kitchen.owner, orders[2].id, orders[2].items[0].id)
    return [order.id for order in orders]


async def outcome(core: Core, order_id: uuid.UUID) -> dict[str, Any]:
    """What a user sees of an order's kitchen and billing: its tickets, its bill, its events."""

    async def read(tx: Transaction) -> dict[str, Any]:
        tickets = await tx.tickets.for_order(order_id)
        bill = await tx.bills.get_by_order(order_id)
        return {
            "tickets": sorted(
                (
                    t.station,
                    str(t.status),
                    tuple((i.food_name, i.quantity, i.voided) for i in t.items),
                )
                for t in tickets
            ),
            "bill": None
            if bill is None
            else (str(bill.status), bill.subtotal, bill.tax_amount, bill.total_amount),
        }

    seen = await core.db.read(read)
    async with core.db.engine.connect() as conn:
        kinds = await conn.execute(
            select(outbox.c.event_type, outbox.c.payload)
            .where(outbox.c.event_key == order_id)
            .order_by(outbox.c.position)
        )
        seen["events"] = sorted(
            (row.event_type, json.loads(row.payload)["data"].get("station", "")) for row in kinds
        )
    return seen


def consumers(core: Core) -> list[TransactionalHandler]:
    clock = SystemClock()
    return [
        KitchenHandler(core.db, clock, core.kitchen),
        BillingHandler(core.db, clock, core.billing),
    ]


async def test_a_batch_leaves_what_one_event_at_a_time_leaves(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    one_by_one = await place(core, customer, kitchen, 4)
    batched = await place(core, customer, kitchen, 4)
    singles = await events(core, one_by_one, "order.placed")
    batch = await events(core, batched, "order.placed")
    for handler in consumers(core):
        for event in singles:
            await handler(received([event])[0])
        # The first placement is delivered twice in the batch, and the whole batch again.
        await handler.handle_batch(received([*batch, batch[0]]))
        await handler.handle_batch(received(batch))
        assert (handler.applied, handler.duplicates) == (8, 5)
    for single, batched_id in zip(one_by_one, batched, strict=True):
        assert await outcome(core, batched_id) == await outcome(core, single)
    cancelled = await outcome(core, batched[1])
    assert {status for _, status, _ in cancelled["tickets"]} == {"CANCELLED"}
    assert cancelled["bill"][0] == "CANCELLED"
    opened = await outcome(core, batched[0])
    assert {station for station, _, _ in opened["tickets"]} == {"kitchen", "grill", "bar"}
    assert {status for _, status, _ in opened["tickets"]} == {"NEW"}
    assert opened["bill"][0] == "PENDING"
    voided = await outcome(core, batched[2])
    assert [status for _, status, _ in voided["tickets"]].count("CANCELLED") == 1
    assert voided["bill"][1] < opened["bill"][1]  # the voided item is not billed


async def statements_of(
    core: Core, handler: TransactionalHandler, batch: Sequence[DomainEvent]
) -> int:
    with counted_statements(core.db) as seen:
        await handler.handle_batch(received(batch))
    return len(seen)


async def test_a_batch_issues_the_same_statements_for_3_or_12_orders(
    core: Core, kitchen: Kitchen, customer: Actor
) -> None:
    few = await place(core, customer, kitchen, 3)
    many = await place(core, customer, kitchen, 12)
    clock = SystemClock()
    for index in (0, 1):  # kitchen, billing: a fresh handler for each batch
        counts = [
            await statements_of(
                core, consumers(core)[index], await events(core, ids, "order.placed")
            )
            for ids in (few, many)
        ]
        assert counts[0] == counts[1], counts
    follow = [
        await statements_of(
            core,
            OrdersHandler(core.db, clock, core.orders),
            await events(core, ids, "ticket.created"),
        )
        for ids in (few, many)
    ]
    assert follow[0] == follow[1], follow
