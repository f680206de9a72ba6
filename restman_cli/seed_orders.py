"""Historical demo orders: who ordered what, when, and how it went through the kitchen.

Each order is planned from its own seeded random generator, so order *n* is the same on every
run (whatever the total asked for) and its id never changes. Times are placed relative to the
run's moment: historical orders on earlier days at lunch and dinner peaks, plus a few orders
from the last hour still in the kitchen so the kitchen display has work to show.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from restman_cli.seed_data import CUSTOMERS, RESTAURANTS, DemoFood, DemoRestaurant, seed_id
from restman_core.domain.billing import PaymentMethod
from restman_core.domain.kitchen import TicketStatus
from restman_core.domain.money import round_cents
from restman_core.domain.orders import OrderStatus, OrderType

OPEN_ORDERS = 6
"""How many of the first orders are today's, still being cooked."""

_HOURS = (11, 12, 12, 13, 13, 14, 17, 18, 19, 19, 20, 20, 21)
_TIPS = (Decimal("0"), Decimal("0"), Decimal("0.05"), Decimal("0.10"), Decimal("0.15"))
_LIVE = (OrderStatus.PLACED, OrderStatus.ACCEPTED, OrderStatus.IN_PROGRESS, OrderStatus.READY)
_TICKET_FOR = {
    OrderStatus.PLACED: TicketStatus.NEW,
    OrderStatus.ACCEPTED: TicketStatus.ACCEPTED,
    OrderStatus.IN_PROGRESS: TicketStatus.IN_PROGRESS,
    OrderStatus.READY: TicketStatus.READY,
    OrderStatus.COMPLETED: TicketStatus.DELIVERED_TO_SERVICE,
}


@dataclass(frozen=True, slots=True)
class PlannedLine:
    item_id: uuid.UUID
    food: DemoFood
    food_id: uuid.UUID
    station: str
    quantity: int


@dataclass(frozen=True, slots=True)
class OrderPlan:
    """One demo order and its fate: ``final`` is its last status; ``steps`` the status changes
    after PLACED with their moments; ticket moments per status for each station."""

    index: int
    order_id: uuid.UUID
    restaurant: DemoRestaurant
    customer: str
    order_type: OrderType
    table: str | None
    address: str | None
    placed_at: datetime
    lines: tuple[PlannedLine, ...]
    final: OrderStatus
    steps: tuple[tuple[OrderStatus, datetime], ...]
    ticket_steps: dict[str, tuple[tuple[TicketStatus, datetime], ...]]
    payment: PaymentMethod | None
    tip_rate: Decimal
    paid_at: datetime | None

    def tip_for(self, subtotal: Decimal) -> Decimal:
        return round_cents(subtotal * self.tip_rate)


def _lines(
    rng: random.Random, order_id: uuid.UUID, restaurant: DemoRestaurant
) -> tuple[PlannedLine, ...]:
    menu = [(c, f) for c in restaurant.categories for f in c.foods]
    picks = rng.sample(menu, k=min(len(menu), rng.choice((1, 2, 2, 3, 3, 4))))
    return tuple(
        PlannedLine(
            item_id=seed_id("order-item", order_id, n),
            food=food,
            food_id=seed_id("food", restaurant.key, food.name),
            station=food.station or category.station or "kitchen",
            quantity=rng.choice((1, 1, 1, 2, 2, 3)),
        )
        for n, (category, food) in enumerate(picks)
    )


def _placed_at(rng: random.Random, index: int, now: datetime, days: int) -> datetime:
    if index < OPEN_ORDERS:
        return now - timedelta(minutes=5 + 12 * index + rng.randint(0, 6))
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    day = midnight - timedelta(days=rng.randint(1, days))
    return day + timedelta(
        hours=rng.choice(_HOURS), minutes=rng.randint(0, 59), seconds=rng.randint(0, 59)
    )


def _final(rng: random.Random, index: int) -> OrderStatus:
    if index < OPEN_ORDERS:
        return _LIVE[index % len(_LIVE)]
    return OrderStatus.CANCELLED if rng.random() < 0.07 else OrderStatus.COMPLETED


_TICKET_ORDER = (
    TicketStatus.ACCEPTED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.READY,
    TicketStatus.DELIVERED_TO_SERVICE,
)
_ORDER_ORDER = (
    OrderStatus.ACCEPTED,
    OrderStatus.IN_PROGRESS,
    OrderStatus.READY,
    OrderStatus.COMPLETED,
)
Steps = tuple[tuple[OrderStatus, datetime], ...]
TicketSteps = dict[str, tuple[tuple[TicketStatus, datetime], ...]]


def _ready_moments(
    rng: random.Random, cooking: datetime, lines: tuple[PlannedLine, ...]
) -> dict[str, datetime]:
    """When each station's ticket is ready: its slowest food's prep time, give or take."""
    ready_at = {}
    for station in sorted({line.station for line in lines}):
        prep = max(line.food.prep_seconds for line in lines if line.station == station)
        ready_at[station] = cooking + timedelta(seconds=round(prep * rng.uniform(0.7, 1.6)))
    return ready_at


def _timeline(
    rng: random.Random, placed_at: datetime, lines: tuple[PlannedLine, ...], final: OrderStatus
) -> tuple[Steps, TicketSteps]:
    """Order steps up to ``final`` and, per station, ticket steps that agree with them."""
    if final is OrderStatus.CANCELLED:
        return ((OrderStatus.CANCELLED, placed_at + timedelta(minutes=rng.randint(1, 8))),), {}
    accepted = placed_at + timedelta(seconds=rng.randint(30, 180))
    cooking = accepted + timedelta(seconds=rng.randint(30, 240))
    ready_at = _ready_moments(rng, cooking, lines)
    served = max(ready_at.values()) + timedelta(seconds=rng.randint(60, 420))
    moments = (accepted, cooking, max(ready_at.values()), served)
    reached = _ORDER_ORDER.index(final) + 1 if final in _ORDER_ORDER else 0
    steps = tuple(zip(_ORDER_ORDER[:reached], moments[:reached], strict=True))
    target = _TICKET_FOR[final]
    tickets_reached = _TICKET_ORDER.index(target) + 1 if target in _TICKET_ORDER else 0
    tickets = {
        station: tuple(
            zip(_TICKET_ORDER[:tickets_reached], (accepted, cooking, ready, served), strict=False)
        )
        for station, ready in ready_at.items()
    }
    return steps, tickets


def plan_order(index: int, now: datetime, days: int) -> OrderPlan:
    """The demo order number ``index`` for a run at ``now`` spreading history over ``days``."""
    rng = random.Random(f"restman-demo-order-{index}")
    restaurant = rng.choices(RESTAURANTS, weights=[r.weight for r in RESTAURANTS])[0]
    order_id = seed_id("order", index)
    order_type = rng.choice(
        (OrderType.DINE_IN, OrderType.DINE_IN, OrderType.TAKEAWAY, OrderType.DELIVERY)
    )
    placed_at = _placed_at(rng, index, now, days)
    lines = _lines(rng, order_id, restaurant)
    final = _final(rng, index)
    steps, tickets = _timeline(rng, placed_at, lines, final)
    paid = final is OrderStatus.COMPLETED
    return OrderPlan(
        index=index,
        order_id=order_id,
        restaurant=restaurant,
        customer=rng.choice(CUSTOMERS),
        order_type=order_type,
        table=f"T{rng.randint(1, 24)}" if order_type is OrderType.DINE_IN else None,
        address=f"{rng.randint(1, 200)} Market Road" if order_type is OrderType.DELIVERY else None,
        placed_at=placed_at,
        lines=lines,
        final=final,
        steps=steps,
        ticket_steps=tickets,
        payment=rng.choice(tuple(PaymentMethod)) if paid else None,
        tip_rate=rng.choice(_TIPS) if paid else Decimal("0"),
        paid_at=steps[-1][1] + timedelta(minutes=rng.randint(1, 15)) if paid else None,
    )
