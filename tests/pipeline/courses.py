"""A three-course dining room for the pipeline tests, and the checks of how its courses went
through the kitchen: which tickets the orders must have, whether a course's fire times follow
the fire-time rule (docs/kitchen.md), and what every order's bill must say.

The menu is written out here, independently of the code under test: each dish's station, course
(its own or its category's) and prep time, so the expected tickets and bills are computed from
this page and never read back from what the platform made of them.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from restman_core.adapters.sql.tables import bills, outbox, processed_events
from restman_core.bootstrap import Platform
from restman_core.domain.access import Actor, Role
from restman_core.domain.kitchen import Ticket, TicketStatus
from restman_core.domain.orders import Order
from tests.pipeline.world import add_user, rows

TAX_RATE = Decimal("0.08")


@dataclass(frozen=True)
class Dish:
    """One food of the menu; ``course`` is the food's own (None: its category's)."""

    name: str
    price: str
    prep: int | None
    course: int | None = None


@dataclass(frozen=True)
class Section:
    """One category: its station, its course (None: the foods' own, else mains) and dishes."""

    name: str
    station: str
    course: int | None
    dishes: tuple[Dish, ...]


# Prep times are seconds, and short, because the flow waits for every ticket's fire time
# before a cook bumps it (a bump before it would start the ticket early and move its
# fire_at, and the end of the test checks the fire times as the course fired them).
MENU = (
    Section(
        "Starters",
        "cold",
        1,
        (Dish("Burrata", "9.50", 2), Dish("Crudo", "11.25", 1)),
    ),
    Section("Soups", "stove", 1, (Dish("Onion soup", "7.00", 3),)),
    Section(
        "Mains",
        "grill",
        2,
        (Dish("Steak", "24.00", 3), Dish("Burger", "15.50", 2)),
    ),
    Section("Sides", "fry", 2, (Dish("Fries", "4.75", 1),)),
    Section("Risotto", "stove", 2, (Dish("Risotto", "17.00", 2),)),
    # The bar serves in every course: the food's own course wins over its category's (none),
    # and a food of neither is a main.
    Section(
        "Bar",
        "bar",
        None,
        (
            Dish("Spritz", "8.00", None, course=1),
            Dish("Lemonade", "3.50", None),
            Dish("Espresso", "2.80", 1, course=3),
        ),
    ),
    Section(
        "Desserts",
        "pastry",
        3,
        (Dish("Tart", "6.40", 2), Dish("Mousse", "5.90", None)),
    ),
)


@dataclass(frozen=True)
class MenuFood:
    """A food as created, with what the menu says of it."""

    id: uuid.UUID
    station: str
    course: int
    prep: int
    price: Decimal


@dataclass
class DiningRoom:
    """Restaurants with the menu above, their owners, customers and the orders placed."""

    owners: dict[uuid.UUID, Actor] = field(default_factory=dict)
    auto_fire: dict[uuid.UUID, bool] = field(default_factory=dict)
    foods: dict[uuid.UUID, list[MenuFood]] = field(default_factory=dict)  # by restaurant
    customers: list[Actor] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)

    def food(self, food_id: uuid.UUID) -> MenuFood:
        return next(f for foods in self.foods.values() for f in foods if f.id == food_id)


async def open_restaurant(platform: Platform, room: DiningRoom, *, auto_fire: bool) -> uuid.UUID:
    """A restaurant with :data:`MENU`, firing its courses by itself when ``auto_fire``."""
    owner = await add_user(platform, Role.OWNER, f"chef-{uuid.uuid4().hex[:8]}@example.com")
    restaurant = await platform.menus.create_restaurant(
        owner,
        {
            "name": "Auto Bistro" if auto_fire else "Bistro",
            "tax_rate": str(TAX_RATE),
            "auto_fire_courses": auto_fire,
        },
    )
    room.owners[restaurant.id] = owner
    room.auto_fire[restaurant.id] = auto_fire
    room.foods[restaurant.id] = []
    for section in MENU:
        category = await platform.menus.create_category(
            owner,
            restaurant.id,
            {"name": section.name, "station": section.station, "course": section.course},
        )
        for dish in section.dishes:
            food = await platform.menus.create_food(
                owner,
                restaurant.id,
                {
                    "name": dish.name,
                    "price": dish.price,
                    "category_id": str(category.id),
                    "prep_time_seconds": dish.prep,
                    "course": dish.course,
                },
            )
            course = dish.course or section.course or 2
            room.foods[restaurant.id].append(
                MenuFood(food.id, section.station, course, dish.prep or 0, Decimal(dish.price))
            )
    return restaurant.id


async def add_customers(platform: Platform, room: DiningRoom, count: int) -> None:
    for _ in range(count):
        email = f"guest-{uuid.uuid4().hex[:8]}@example.com"
        room.customers.append(await add_user(platform, Role.CUSTOMER, email))


async def seat_tables(
    platform: Platform, room: DiningRoom, restaurant_id: uuid.UUID, count: int, rng: random.Random
) -> None:
    """``count`` dine-in orders at the restaurant, each with one to three dishes of every
    course."""
    foods = room.foods[restaurant_id]
    for table in range(count):
        lines = []
        for course in (1, 2, 3):
            of_course = [f for f in foods if f.course == course]
            for food in rng.sample(of_course, rng.randint(1, min(3, len(of_course)))):
                lines.append({"food_id": str(food.id), "quantity": rng.randint(1, 2)})
        placed = await platform.orders.place_order(
            rng.choice(room.customers),
            {
                "restaurant_id": str(restaurant_id),
                "order_type": "dine_in",
                "table": f"T{table + 1}",
                "items": lines,
            },
        )
        room.orders.append(placed.order)


def expected_tickets(room: DiningRoom, order: Order) -> set[tuple[str, int]]:
    """The (station, course) pairs the menu routes the order's items to: one ticket each."""
    return {(room.food(i.food_id).station, room.food(i.food_id).course) for i in order.items}


def expected_bill(room: DiningRoom, order: Order) -> tuple[Decimal, Decimal, Decimal]:
    """(subtotal, tax, total) from the menu's prices: one rate, rounded half-up once."""
    subtotal = sum((room.food(i.food_id).price * i.quantity for i in order.items), Decimal("0"))
    tax = (subtotal * TAX_RATE).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return subtotal, tax, subtotal + tax


async def order_tickets(platform: Platform, order_id: uuid.UUID) -> list[Ticket]:
    return list(await platform.db.run(lambda tx: tx.tickets.for_order(order_id)))


async def tickets_problems(platform: Platform, room: DiningRoom) -> list[str]:
    """What keeps the kitchen from having exactly each order's tickets (empty when it has)."""
    problems = []
    for order in room.orders:
        have = sorted((t.station, t.course) for t in await order_tickets(platform, order.id))
        want = sorted(expected_tickets(room, order))
        if have != want:
            problems.append(f"{order.number}: tickets {have}, expected {want}")
    return problems


def fire_time_problems(
    room: DiningRoom, tickets: Sequence[Ticket], course: int, fired: tuple[datetime, datetime]
) -> list[str]:
    """Whether one order's ``course`` fired by the rule: within the course the longest prep
    fires at the moment the course fired (between ``fired[0]`` and ``fired[1]``) and every
    other ticket later by the difference, so all are ready together. Each ticket's prep time
    is the longest of its items' (none counts as 0)."""
    of_course = [t for t in tickets if t.course == course]
    if not of_course:
        return [f"course {course}: no tickets"]
    problems = []
    for t in of_course:
        prep = max(room.food(i.food_id).prep for i in t.items)
        if t.prep_seconds != prep:
            problems.append(f"{t.station}/{course}: prep {t.prep_seconds}, the menu says {prep}")
        if t.held or t.fire_at is None:
            problems.append(f"{t.station}/{course}: held={t.held}, fire_at={t.fire_at}")
    if problems:
        return problems
    longest = max(t.prep_seconds for t in of_course)
    starts = {
        t.fire_at - timedelta(seconds=longest - t.prep_seconds) for t in of_course if t.fire_at
    }
    if len(starts) != 1:
        return [f"course {course}: fire times {[(t.prep_seconds, t.fire_at) for t in of_course]}"]
    (start,) = starts
    if not fired[0] <= start <= fired[1]:
        return [f"course {course}: fired at {start}, outside {fired[0]} .. {fired[1]}"]
    return []


async def bill_problems(platform: Platform, room: DiningRoom) -> list[str]:
    """Orders whose bills are not exactly one bill equal to their items (empty when all are)."""
    found: dict[uuid.UUID, list[Any]] = defaultdict(list)
    query = select(bills.c.order_id, bills.c.subtotal, bills.c.tax_amount, bills.c.total_amount)
    for bill in await rows(platform, query):
        found[bill.order_id].append((bill.subtotal, bill.tax_amount, bill.total_amount))
    problems = []
    for order in room.orders:
        want = [expected_bill(room, order)]
        if found[order.id] != want:
            problems.append(f"{order.number}: bills {found[order.id]}, expected {want}")
    return problems


async def events_not_applied(
    platform: Platform, consumers: dict[str, frozenset[str]]
) -> dict[str, int]:
    """For each consumer (name: the event types it applies), how many events of those types in
    the outbox it has not recorded as processed yet; only the consumers behind are named."""
    events = await rows(platform, select(outbox.c.event_id, outbox.c.event_type))
    marks = await rows(platform, select(processed_events.c.consumer, processed_events.c.event_id))
    done: dict[str, set[uuid.UUID]] = defaultdict(set)
    for mark in marks:
        done[mark.consumer].add(mark.event_id)
    behind = {
        name: sum(1 for e in events if e.event_type in types and e.event_id not in done[name])
        for name, types in consumers.items()
    }
    return {name: count for name, count in behind.items() if count}


def cooked_steps(status: TicketStatus) -> list[TicketStatus]:
    """The bumps that take a ticket from ``status`` to READY, one step at a time."""
    chain = [TicketStatus.NEW, TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS, TicketStatus.READY]
    return chain[chain.index(status) + 1 :]
