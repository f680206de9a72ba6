"""Builders for the storage and use-case tests: users of every role, a restaurant with its menu,
orders, and reading back what a unit of work wrote to the outbox.

Every builder makes fresh ids and emails, so tests sharing one database never see each other's
rows (that is the per-test isolation of this package).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, select

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.adapters.sql.tables import outbox
from restman_core.domain.access import Actor, Role
from restman_core.domain.clock import Clock, SystemClock
from restman_core.domain.menus import Category, Food, Restaurant
from restman_core.domain.orders import Order
from restman_core.domain.users import User
from restman_core.ports.storage import Transaction
from restman_core.services.bill_money import MoneyService
from restman_core.services.billing import BillingService
from restman_core.services.kitchen import KitchenService
from restman_core.services.menus import MenuService
from restman_core.services.modifiers import ModifierService
from restman_core.services.orders import OrderService


@dataclass(frozen=True)
class Core:
    """The use cases wired to one database, as ``bootstrap`` wires them (without a cache)."""

    db: SqlDatabase
    menus: MenuService
    orders: OrderService
    kitchen: KitchenService
    billing: BillingService
    modifiers: ModifierService
    money: MoneyService

    @classmethod
    def on(cls, db: SqlDatabase, clock: Clock | None = None) -> Core:
        clock = clock or SystemClock()
        return cls(
            db=db,
            menus=MenuService(db, clock),
            orders=OrderService(db, clock),
            kitchen=KitchenService(db, clock),
            billing=BillingService(db, clock),
            modifiers=ModifierService(db, clock),
            money=MoneyService(db, clock),
        )


async def add_user(db: SqlDatabase, role: Role, name: str = "user") -> Actor:
    """Insert an active user with ``role`` and a unique email; returns it as an actor."""
    clock = SystemClock()
    user = User(
        id=uuid.uuid4(),
        email=f"{name}-{uuid.uuid4().hex[:12]}@example.com",
        role=role,
        is_active=True,
        created_at=clock.now(),
        updated_at=clock.now(),
    )

    async def work(tx: Transaction) -> None:
        await tx.users.add(user)

    await db.run(work)
    return user.as_actor()


async def add_staff(db: SqlDatabase, restaurant: Restaurant, owner: Actor) -> Actor:
    """A kitchen user who staffs ``restaurant``."""
    cook = await add_user(db, Role.KITCHEN, "cook")

    async def work(tx: Transaction) -> None:
        await tx.staff.add(restaurant.id, cook.user_id, owner.user_id, SystemClock().now())

    await db.run(work)
    return cook


# A menu that routes to two stations: mains cook in the kitchen (the default), drinks at the bar.
DEFAULT_CATEGORIES: Mapping[str, Mapping[str, Any]] = {
    "Mains": {"display_order": 1},
    "Drinks": {"display_order": 2, "station": "bar"},
}
DEFAULT_FOODS: Mapping[str, Mapping[str, Any]] = {
    "Burger": {"category": "Mains", "price": "12.99"},
    "Steak": {"category": "Mains", "price": "24.50", "station": "grill"},
    "Cola": {"category": "Drinks", "price": "2.50"},
}


@dataclass
class Kitchen:
    """A restaurant with its owner, categories and foods (by name)."""

    owner: Actor
    restaurant: Restaurant
    categories: dict[str, Category] = field(default_factory=dict)
    foods: dict[str, Food] = field(default_factory=dict)

    @property
    def id(self) -> uuid.UUID:
        return self.restaurant.id

    def food_id(self, name: str) -> str:
        return str(self.foods[name].id)


async def build_restaurant(
    core: Core,
    owner: Actor | None = None,
    *,
    categories: Mapping[str, Mapping[str, Any]] = DEFAULT_CATEGORIES,
    foods: Mapping[str, Mapping[str, Any]] = DEFAULT_FOODS,
    **restaurant_fields: Any,
) -> Kitchen:
    """Create a restaurant through the menu use cases (a new owner unless one is given).

    ``foods`` maps a name to create_food fields, with ``category`` naming one of ``categories``.
    """
    owner = owner or await add_user(core.db, Role.OWNER, "owner")
    restaurant = await core.menus.create_restaurant(
        owner, {"name": "Trattoria", **restaurant_fields}
    )
    kitchen = Kitchen(owner=owner, restaurant=restaurant)
    for name, fields in categories.items():
        kitchen.categories[name] = await core.menus.create_category(
            owner, restaurant.id, {"name": name, **fields}
        )
    for name, spec in foods.items():
        fields = {k: v for k, v in spec.items() if k != "category"}
        fields["category_id"] = str(kitchen.categories[str(spec["category"])].id)
        kitchen.foods[name] = await core.menus.create_food(
            owner, restaurant.id, {"name": name, **fields}
        )
    return kitchen


def order_body(kitchen: Kitchen, lines: Sequence[tuple[str, int]], **extra: Any) -> dict[str, Any]:
    """A place-order body for ``(food name, quantity)`` lines."""
    return {
        "restaurant_id": str(kitchen.id),
        "items": [{"food_id": kitchen.food_id(name), "quantity": qty} for name, qty in lines],
        "order_type": "takeaway",
        **extra,
    }


async def outbox_events(
    db: SqlDatabase, key: uuid.UUID, event_type: str | None = None
) -> list[dict[str, Any]]:
    """The envelopes written to the outbox under ordering ``key``, in commit order."""
    query = select(outbox.c.payload).where(outbox.c.event_key == key)
    if event_type is not None:
        query = query.where(outbox.c.event_type == event_type)
    async with db.engine.connect() as conn:
        rows = await conn.execute(query.order_by(outbox.c.position))
        return [json.loads(row.payload) for row in rows]


async def placed_payload(db: SqlDatabase, order_id: uuid.UUID) -> dict[str, Any]:
    """The data of the order's ``order.placed`` event, as the kitchen and billing consume it."""
    events = await outbox_events(db, order_id, "order.placed")
    assert len(events) == 1, f"expected one order.placed row, found {len(events)}"
    data: dict[str, Any] = events[0]["data"]
    return data


async def place_and_open(
    core: Core, customer: Actor, kitchen: Kitchen, lines: Sequence[tuple[str, int]]
) -> Order:
    """Place an order and open its tickets and bill the way the event consumers do."""
    order = (await core.orders.place_order(customer, order_body(kitchen, lines))).order
    payload = await placed_payload(core.db, order.id)

    async def work(tx: Transaction) -> None:
        await core.kitchen.open_tickets(tx, payload)
        await core.billing.open_bill(tx, payload)

    await core.db.run(work)
    return order


@contextmanager
def counted_statements(db: SqlDatabase) -> Iterator[list[str]]:
    """Every statement the engine sends while the block runs (an executemany counts once)."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    for engine in db.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        for engine in db.engines:
            event.remove(engine.sync_engine, "before_cursor_execute", count)
