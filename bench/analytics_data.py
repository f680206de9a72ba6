"""The synthetic fact stream of ``bench/analytics.py`` and the figures it must produce.

Orders are placed evenly over ``months`` months (one every few seconds), in ``restaurants``
restaurants, with 1 to 6 items (3.25 on average) of ``foods`` foods. Each order goes the way the
platform's events take it: placed with its items, one kitchen ticket opened and its bill
generated; accepted, in progress, ticket ready, ready; then completed with its bill paid, or
(``cancelled_share`` of them) cancelled with its bill cancelled. The stream is cut into blocks
of orders and interleaves three blocks in three stages, so an order's facts reach the store in
up to three consecutive batches, as they would from the event log; ``redeliver_share`` of the
batches are delivered twice, as after a consumer restart.

:class:`Expected` adds up, while generating, what every report must say.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from restman_core.domain.analytics import (
    AnalyticsFact,
    BillFact,
    OrderFact,
    OrderItemFact,
    TicketTimingFact,
)

START = datetime(2025, 1, 1, tzinfo=UTC)
_ITEMS_PER_ORDER = (1, 2, 3, 4, 5, 6)
_ITEM_WEIGHTS = (15, 20, 25, 15, 15, 10)  # 3.25 items on average
_STATIONS = ("grill", "fry", "cold", "bar")
_TAX = Decimal("0.10")
_CENT = Decimal("0.01")
BLOCK_ORDERS = 2_000


@dataclass
class Expected:
    """What the reports must say over the whole history and over ``month`` (a UTC month)."""

    month: tuple[date, date]
    restaurant: uuid.UUID
    quantity: Counter[uuid.UUID] = field(default_factory=Counter)
    month_quantity: Counter[uuid.UUID] = field(default_factory=Counter)
    restaurant_quantity: Counter[uuid.UUID] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    bills: int = 0
    net: Decimal = Decimal("0.00")
    ready_tickets: int = 0

    def in_month(self, moment: datetime) -> bool:
        return self.month[0] <= moment.date() <= self.month[1]


@dataclass
class _Order:
    order_id: uuid.UUID
    restaurant_id: uuid.UUID
    placed_at: datetime
    total: Decimal
    cancelled: bool
    ticket_id: uuid.UUID
    station: str
    bill: BillFact
    items: list[OrderItemFact]


class SyntheticStream:
    """Generates about ``items`` items and their orders' facts, in batches of about
    ``batch_facts`` facts, adding the expected figures to ``expected`` as it goes."""

    def __init__(
        self,
        items: int,
        *,
        restaurants: int = 20,
        foods: int = 100,
        months: int = 12,
        cancelled_share: float = 0.05,
        redeliver_share: float = 0.01,
        batch_facts: int = 20_000,
        seed: int = 19,
    ) -> None:
        self._random = random.Random(seed)
        self.orders = max(1, round(items / 3.25))
        self._restaurants = [
            uuid.UUID(int=self._random.getrandbits(128)) for _ in range(restaurants)
        ]
        self._foods = [
            (uuid.UUID(int=self._random.getrandbits(128)), f"Dish {n}", Decimal(400 + 25 * n) / 100)
            for n in range(foods)
        ]
        self._step = timedelta(days=30.4 * months) / self.orders
        self._cancelled_share = cancelled_share
        self._redeliver_share = redeliver_share
        self._batch_facts = batch_facts
        month_start = (START + timedelta(days=31 * (months // 2))).date().replace(day=1)
        month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        self.expected = Expected((month_start, month_end), self._restaurants[0])
        self.facts = 0

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self._random.getrandbits(128), version=4)

    def batches(self) -> Iterator[list[AnalyticsFact]]:
        """Batches in delivery order (a redelivered batch comes twice)."""
        pending: list[AnalyticsFact] = []
        stages: list[list[_Order]] = []
        for first in range(0, self.orders + 2 * BLOCK_ORDERS, BLOCK_ORDERS):
            block = [self._order(n) for n in range(first, min(first + BLOCK_ORDERS, self.orders))]
            stages.insert(0, block)
            del stages[3:]
            for stage, orders in enumerate(stages):
                for order in orders:
                    pending.extend(self._stage(stage, order))
            while len(pending) >= self._batch_facts:
                yield from self._deliver(pending[: self._batch_facts])
                del pending[: self._batch_facts]
        if pending:
            yield from self._deliver(pending)

    def _deliver(self, batch: list[AnalyticsFact]) -> Iterator[list[AnalyticsFact]]:
        self.facts += len(batch)
        yield batch
        if self._random.random() < self._redeliver_share:
            self.facts += len(batch)
            yield batch

    def _order(self, number: int) -> _Order:
        placed_at = START + self._step * number
        restaurant = self._random.choice(self._restaurants)
        cancelled = self._random.random() < self._cancelled_share
        order_id = self._uuid()
        lines = self._random.choices(_ITEMS_PER_ORDER, _ITEM_WEIGHTS)[0]
        items = []
        for _ in range(lines):
            food_id, name, price = self._random.choice(self._foods)
            quantity = self._random.choice((1, 1, 1, 2, 2, 3))
            items.append(
                OrderItemFact(
                    self._uuid(), order_id, restaurant, food_id, name, quantity, price,
                    price * quantity, placed_at,
                )
            )  # fmt: skip
            if not cancelled:
                self._count_item(food_id, quantity, restaurant, placed_at)
        subtotal = sum((item.subtotal for item in items), Decimal("0.00"))
        tax = (subtotal * _TAX).quantize(_CENT)
        generated = placed_at + timedelta(minutes=1)
        bill = BillFact(
            self._uuid(), order_id, restaurant, uuid.UUID(int=1), subtotal, tax, Decimal("0.00"),
            Decimal("0.00"), subtotal + tax, "PENDING", "", generated, None, generated, 1,
        )  # fmt: skip
        self._count_order(cancelled, placed_at, subtotal)
        return _Order(
            order_id, restaurant, placed_at, subtotal + tax, cancelled, self._uuid(),
            self._random.choice(_STATIONS), bill, items,
        )  # fmt: skip

    def _count_item(
        self, food_id: uuid.UUID, quantity: int, restaurant: uuid.UUID, placed_at: datetime
    ) -> None:
        expected = self.expected
        expected.quantity[food_id] += quantity
        if expected.in_month(placed_at):
            expected.month_quantity[food_id] += quantity
        if restaurant == expected.restaurant:
            expected.restaurant_quantity[food_id] += quantity

    def _count_order(self, cancelled: bool, placed_at: datetime, subtotal: Decimal) -> None:
        expected = self.expected
        expected.statuses["CANCELLED" if cancelled else "COMPLETED"] += 1
        if not cancelled:
            expected.bills += 1
            expected.net += subtotal
            expected.ready_tickets += 1

    def _status(self, order: _Order, status: str, version: int) -> OrderFact:
        return OrderFact(
            order.order_id, order.restaurant_id, uuid.UUID(int=1), "takeaway", status,
            order.total, order.placed_at, order.placed_at + timedelta(minutes=version), version,
        )  # fmt: skip

    def _ticket(self, order: _Order, ready: bool, version: int) -> TicketTimingFact:
        wait = timedelta(seconds=240 + (order.order_id.int % 900))
        ready_at = order.placed_at + wait if ready else None
        return TicketTimingFact(
            order.ticket_id, order.order_id, order.restaurant_id, order.station,
            order.placed_at, ready_at, version,
        )  # fmt: skip

    def _bill(self, order: _Order, status: str) -> BillFact:
        bill = order.bill
        paid_at = bill.generated_at + timedelta(minutes=30) if status == "PAID" else None
        return BillFact(
            bill.bill_id, bill.order_id, bill.restaurant_id, bill.user_id, bill.subtotal,
            bill.tax_amount, bill.discount_amount, bill.tip_amount, bill.total_amount, status,
            "card" if paid_at else "", bill.generated_at, paid_at, paid_at or bill.updated_at, 2,
        )  # fmt: skip

    def _stage(self, stage: int, order: _Order) -> list[AnalyticsFact]:
        if stage == 0:
            return [self._status(order, "PLACED", 1), *order.items, self._ticket(order, False, 1),
                    order.bill]  # fmt: skip
        if order.cancelled:
            if stage == 1:
                return [self._status(order, "CANCELLED", 6), self._bill(order, "CANCELLED")]
            return []
        if stage == 1:
            return [
                self._status(order, "ACCEPTED", 2),
                self._status(order, "IN_PROGRESS", 3),
                self._ticket(order, True, 2),
                self._status(order, "READY", 4),
            ]
        return [self._status(order, "COMPLETED", 5), self._bill(order, "PAID")]
