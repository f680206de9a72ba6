"""A small restaurant world for the pipeline tests, and the checks that prove the pipeline
left SQL and analytics consistent: every order has exactly its tickets and one bill, and the
analytics reports equal sums computed from the SQL rows."""

from __future__ import annotations

import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from restman_core.adapters.sql.tables import (
    bill_payments,
    bill_refunds,
    bills,
    kitchen_tickets,
    order_items,
    orders,
)
from restman_core.bootstrap import Platform
from restman_core.domain.access import Actor, Role
from restman_core.domain.analytics import AnalyticsScope
from restman_core.domain.kitchen import TicketStatus
from restman_core.domain.orders import Order, OrderStatus
from restman_core.domain.users import User

STATIONS = ("grill", "cold", "bar")


@dataclass
class World:
    owners: dict[uuid.UUID, Actor] = field(default_factory=dict)  # restaurant id -> owner
    foods: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)  # restaurant -> foods
    customers: list[Actor] = field(default_factory=list)
    placed: list[Order] = field(default_factory=list)
    cancelled: set[uuid.UUID] = field(default_factory=set)


async def add_user(platform: Platform, role: Role, email: str) -> Actor:
    now = platform.clock.now()
    user = User(
        id=uuid.uuid4(), email=email, role=role, is_active=True, created_at=now, updated_at=now
    )
    await platform.db.run(lambda tx: tx.users.add(user))
    return user.as_actor()


async def seed(platform: Platform, restaurants: int = 3, customers: int = 8) -> World:
    """Restaurants (each with one category per station and two foods per category) and
    customers."""
    world = World()
    for r in range(restaurants):
        owner = await add_user(platform, Role.OWNER, f"owner{r}-{uuid.uuid4().hex[:6]}@example.com")
        restaurant = await platform.menus.create_restaurant(
            owner, {"name": f"Bistro {r}", "tax_rate": "0.08"}
        )
        world.owners[restaurant.id] = owner
        world.foods[restaurant.id] = []
        for station in STATIONS:
            category = await platform.menus.create_category(
                owner, restaurant.id, {"name": f"{station} dishes", "station": station}
            )
            for n in range(2):
                food = await platform.menus.create_food(
                    owner,
                    restaurant.id,
                    {
                        "name": f"{station} dish {n}",
                        "price": f"{4 + n * 3 + r}.{25 * n:02d}",
                        "category_id": str(category.id),
                    },
                )
                world.foods[restaurant.id].append(food.id)
    for c in range(customers):
        world.customers.append(
            await add_user(platform, Role.CUSTOMER, f"c{c}-{uuid.uuid4().hex[:6]}@example.com")
        )
    return world


async def place_orders(platform: Platform, world: World, count: int, rng: random.Random) -> None:
    """Place ``count`` orders of one to four lines at random restaurants."""
    restaurant_ids = sorted(world.foods)
    for _ in range(count):
        restaurant_id = rng.choice(restaurant_ids)
        lines = rng.sample(world.foods[restaurant_id], rng.randint(1, 4))
        placed = await platform.orders.place_order(
            rng.choice(world.customers),
            {
                "restaurant_id": str(restaurant_id),
                "order_type": "takeaway",
                "items": [{"food_id": str(f), "quantity": rng.randint(1, 3)} for f in lines],
            },
        )
        world.placed.append(placed.order)


async def cancel_orders(platform: Platform, world: World, orders_: list[Order]) -> None:
    """Customers cancel these (still PLACED) orders."""
    customers = {c.user_id: c for c in world.customers}
    for order in orders_:
        await platform.orders.change_status(
            customers[order.user_id], order.id, OrderStatus.CANCELLED
        )
        world.cancelled.add(order.id)


async def rows(platform: Platform, query: Any) -> list[Any]:
    """The rows of ``query``, read as an observer of what is committed. On PostgreSQL at READ
    COMMITTED: at the platform's SERIALIZABLE (the stand-in for CockroachDB) a read made beside
    the relays' and consumers' writes can itself be cancelled as the pivot of a dependency
    cycle (seen once: a probe of the outbox failed with "Canceled on conflict out to pivot"),
    and a probe has nothing to retry."""
    async with platform.db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = await conn.execution_options(isolation_level="READ COMMITTED")
        return list((await conn.execute(query)).all())


async def tickets_and_bills_problems(platform: Platform, world: World) -> list[str]:
    """What still keeps the pipeline from complete (empty when done): every placed order has
    one ticket per station of its items and one bill, and every cancelled order's open tickets
    and bill are cancelled. At most the first five problems are named, then a count."""
    tickets = await rows(
        platform,
        select(kitchen_tickets.c.order_id, kitchen_tickets.c.station, kitchen_tickets.c.status),
    )
    bill_rows = await rows(platform, select(bills.c.order_id, bills.c.status))
    by_order: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for t in tickets:
        by_order[t.order_id].append(t)
    bill_of = {b.order_id: b.status for b in bill_rows}
    problems: list[str] = []
    if len(bill_rows) != len(world.placed):
        problems.append(f"{len(bill_rows)} bills for {len(world.placed)} orders")
    for order in world.placed:
        stations = sorted({i.station for i in order.items})
        have = sorted(t.station for t in by_order[order.id])
        bill = bill_of.get(order.id)
        if have != stations:
            problems.append(f"order {order.id}: tickets at {have}, expected {stations}")
        if bill is None:
            problems.append(f"order {order.id}: no bill")
        elif order.id in world.cancelled:
            if bill != "CANCELLED":
                problems.append(f"cancelled order {order.id}: bill {bill}")
            if any(t.status != TicketStatus.CANCELLED for t in by_order[order.id]):
                problems.append(f"cancelled order {order.id}: a ticket is not cancelled")
        elif bill == "CANCELLED":
            problems.append(f"live order {order.id}: bill CANCELLED")
    return problems[:5] + ([f"… {len(problems) - 5} more"] if len(problems) > 5 else [])


async def assert_exact_tickets_and_bills(platform: Platform, world: World) -> None:
    """The strict form, with messages (call once :func:`tickets_and_bills_problems` is empty)."""
    tickets = await rows(platform, select(kitchen_tickets.c.order_id, kitchen_tickets.c.station))
    pairs = Counter((t.order_id, t.station) for t in tickets)
    assert max(pairs.values()) == 1, "a station got two tickets for one order"
    expected = {(o.id, i.station) for o in world.placed for i in o.items}
    assert set(pairs) == expected
    bill_orders = Counter(b.order_id for b in await rows(platform, select(bills.c.order_id)))
    assert set(bill_orders) == {o.id for o in world.placed}
    assert max(bill_orders.values()) == 1


async def sql_totals(platform: Platform) -> dict[str, Any]:
    """What the analytics reports must say, computed from SQL."""
    bill_rows = await rows(
        platform,
        select(
            bills.c.subtotal,
            bills.c.tax_amount,
            bills.c.total_amount,
            bills.c.discount_amount,
            bills.c.status,
        ),
    )
    live = [b for b in bill_rows if b.status != "CANCELLED"]
    refunds = await rows(platform, select(bill_refunds.c.amount, bill_refunds.c.revenue_amount))
    payments = await rows(platform, select(bill_payments.c.method, bill_payments.c.tip))
    tips: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for payment in payments:
        tips[payment.method] += payment.tip
    zero = Decimal("0.00")
    discounts = sum((b.discount_amount for b in live), zero)
    order_rows = await rows(platform, select(orders.c.id, orders.c.status))
    items = await rows(
        platform,
        select(order_items.c.food_id, order_items.c.quantity, order_items.c.subtotal)
        .join(orders, orders.c.id == order_items.c.order_id)
        .where(orders.c.status != "CANCELLED", order_items.c.voided.is_(False)),
    )
    quantity: Counter[uuid.UUID] = Counter()
    revenue: dict[uuid.UUID, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for item in items:
        quantity[item.food_id] += item.quantity
        revenue[item.food_id] += item.subtotal
    return {
        # Net sales: subtotals less discounts less the sales part of refunds.
        "revenue": sum((b.subtotal for b in live), zero)
        - discounts
        - sum((r.revenue_amount for r in refunds), zero),
        "tax": sum((b.tax_amount for b in live), zero),
        "gross": sum((b.total_amount for b in live), zero) - sum((r.amount for r in refunds), zero),
        "discounts": discounts,
        "refunds": sum((r.amount for r in refunds), zero),
        "tips_by_method": dict(tips),
        "bills": len(live),
        "statuses": dict(Counter(o.status for o in order_rows)),
        "food_quantity": dict(quantity),
        "food_revenue": dict(revenue),
    }


async def analytics_totals(platform: Platform) -> dict[str, Any]:
    """The same figures from the analytics store."""
    store = await platform.analytics()
    scope = AnalyticsScope.everything()
    revenue = await store.revenue(scope)
    statuses = await store.orders_by_status(scope)
    top = await store.top_foods(scope, limit=1000)
    methods = await store.payment_methods(scope)
    return {
        "revenue": revenue.total_revenue,
        "tax": revenue.tax_total,
        "gross": revenue.gross_total,
        "discounts": revenue.discount_total,
        "refunds": revenue.refund_total,
        "tips_by_method": {m.payment_method: m.tip_total for m in methods},
        "bills": revenue.total_orders,
        "statuses": {s.status: s.count for s in statuses},
        "food_quantity": {f.food_id: f.total_quantity for f in top},
        "food_revenue": {f.food_id: f.total_revenue for f in top},
    }


async def analytics_differences(platform: Platform) -> dict[str, tuple[Any, Any]]:
    """Each figure on which the analytics store and SQL disagree, as (analytics, SQL); empty
    when every report equals the SQL truth."""
    seen, truth = await analytics_totals(platform), await sql_totals(platform)
    return {key: (seen.get(key), truth[key]) for key in truth if seen.get(key) != truth[key]}


async def cook(platform: Platform, world: World, order: Order, target: TicketStatus) -> None:
    """The restaurant's owner moves every ticket of ``order`` forward to ``target``."""
    owner = world.owners[order.restaurant_id]
    for ticket in await platform.db.run(lambda tx: tx.tickets.for_order(order.id)):
        status = ticket.status
        while status != target:
            nxt = {
                TicketStatus.NEW: TicketStatus.ACCEPTED,
                TicketStatus.ACCEPTED: TicketStatus.IN_PROGRESS,
                TicketStatus.IN_PROGRESS: TicketStatus.READY,
                TicketStatus.READY: TicketStatus.DELIVERED_TO_SERVICE,
            }[status]
            status = (await platform.kitchen.move_ticket(owner, ticket.id, nxt)).status


async def order_status(platform: Platform, order_id: uuid.UUID) -> OrderStatus:
    order = await platform.db.run(lambda tx: tx.orders.get(order_id))
    assert order is not None
    return order.status
