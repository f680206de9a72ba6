"""The synthetic fact stream of ``bench/analytics.py`` and the figures it must produce.

Orders are placed evenly over ``months`` months (one every few seconds), in ``restaurants``
restaurants, with 1 to 6 items (3.25 on average) of ``foods`` foods; about a third of the items
take one or two modifier options (sizes, extras, milks; some lower the price). Each order goes
the way the platform's events take it: placed with its items and their options, one kitchen
ticket opened (NEW to READY in 4 to 19 minutes, to the microsecond) and its bill generated;
accepted, in progress, ticket ready, ready, with the order's quote beside its ready time (its
quote error); then completed with its bill paid by card, cash or UPI (one payment in ten split
in two, two bills in five tipped), or (``cancelled_share`` of them) cancelled with its bill
cancelled. One ticket in a hundred is recalled after READY and readied again later, and one paid
bill in fifty is partly refunded (an item and its tax) and ends PARTIALLY_REFUNDED. The stream
is cut into blocks of orders and interleaves three blocks in three stages, so an order's facts
reach the store in up to three consecutive batches, as they would from the event log;
``redeliver_share`` of the batches are delivered twice, as after a consumer restart.

:class:`~bench.analytics_expected.Expected` adds up, while generating, what every report must
say.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from multiprocessing.queues import Queue
from typing import Any

from bench.analytics_expected import Expected
from restman_core.domain.analytics import (
    AnalyticsFact,
    BillFact,
    OrderFact,
    OrderItemFact,
    PaymentFact,
    RefundFact,
    TicketTimingFact,
)
from restman_core.domain.analytics_changes import ModifierFact, QuoteFact

START = datetime(2025, 1, 1, tzinfo=UTC)
_ITEMS_PER_ORDER = (1, 2, 3, 4, 5, 6)
_ITEM_WEIGHTS = (15, 20, 25, 15, 15, 10)  # 3.25 items on average
_STATIONS = ("grill", "fry", "cold", "bar")
_METHODS = ("card", "cash", "upi")
_METHOD_WEIGHTS = (60, 25, 15)
# (group, name, price delta) of the options items take.
_OPTIONS = (
    ("Size", "Small", "-0.50"),
    ("Size", "Large", "1.00"),
    ("Extras", "Cheese", "0.80"),
    ("Extras", "Bacon", "1.50"),
    ("Extras", "Avocado", "1.20"),
    ("Extras", "Chili", "0.30"),
    ("Milk", "Oat milk", "0.40"),
    ("Milk", "Soy milk", "0.40"),
    ("Sauce", "Garlic", "0.25"),
    ("Sauce", "No sauce", "0.00"),
)
_TAX = Decimal("0.10")
_CENT = Decimal("0.01")
_MICRO = timedelta(microseconds=1)
BLOCK_ORDERS = 2_000
_UNCLAIMED_SECONDS = 600


@dataclass(frozen=True)
class Made:
    """What a producer sends after its last batch: the facts sent (redeliveries included), the
    orders and the expected figures."""

    facts: int
    orders: int
    expected: Expected


def produce(items: int, batch_facts: int, batches: Queue[Any]) -> None:
    """Generate the stream in a process of its own (making the facts costs about as much as
    recording them): every batch in delivery order, then one :class:`Made`. A batch nobody
    takes for ten minutes (the benchmark was stopped) ends the producer with ``queue.Full``."""
    stream = SyntheticStream(items, batch_facts=batch_facts)
    for batch in stream.batches():
        batches.put(batch, timeout=_UNCLAIMED_SECONDS)
    batches.put(Made(stream.facts, stream.orders, stream.expected), timeout=_UNCLAIMED_SECONDS)


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
    modifiers: list[ModifierFact]
    ready_after: timedelta
    quoted_after: timedelta
    recooked_after: timedelta | None
    paid: BillFact | None = None
    money: list[AnalyticsFact] = field(default_factory=list)


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
        self._options = [
            (uuid.UUID(int=self._random.getrandbits(128)), group, name, Decimal(delta))
            for group, name, delta in _OPTIONS
        ]
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
        rng = self._random
        placed_at = START + self._step * number
        restaurant = rng.choice(self._restaurants)
        cancelled = rng.random() < self._cancelled_share
        order_id = self._uuid()
        items: list[OrderItemFact] = []
        modifiers: list[ModifierFact] = []
        for _ in range(rng.choices(_ITEMS_PER_ORDER, _ITEM_WEIGHTS)[0]):
            food_id, name, price = rng.choice(self._foods)
            quantity = rng.choice((1, 1, 1, 2, 2, 3))
            item = OrderItemFact(
                self._uuid(), order_id, restaurant, food_id, name, quantity, price,
                price * quantity, placed_at,
            )  # fmt: skip
            items.append(item)
            taken = rng.random()
            for option_id, group, option, delta in rng.sample(
                self._options, 2 if taken < 0.05 else 1 if taken < 0.33 else 0
            ):
                modifiers.append(
                    ModifierFact(
                        item.item_id, option_id, order_id, restaurant, group, option, quantity,
                        delta * quantity, placed_at,
                    )
                )  # fmt: skip
        subtotal = sum((item.subtotal for item in items), Decimal("0.00"))
        tax = (subtotal * _TAX).quantize(_CENT)
        generated = placed_at + timedelta(minutes=1)
        bill = BillFact(
            self._uuid(), order_id, restaurant, uuid.UUID(int=1), subtotal, tax, Decimal("0.00"),
            Decimal("0.00"), subtotal + tax, "PENDING", "", generated, None, generated, 1,
        )  # fmt: skip
        order = _Order(
            order_id, restaurant, placed_at, subtotal + tax, cancelled, self._uuid(),
            rng.choice(_STATIONS), bill, items, modifiers,
            _MICRO * rng.randrange(240_000_000, 1_140_000_000),
            _MICRO * rng.randrange(480_000_000, 1_080_000_000),
            _MICRO * rng.randrange(60_000_000, 300_000_000) if rng.random() < 0.01 else None,
        )  # fmt: skip
        if not cancelled:
            self._pay(order)
        self._count(order)
        return order

    def _pay(self, order: _Order) -> None:
        """The paid bill, its payments and maybe a refund, into ``order.paid``/``money``."""
        rng, bill = self._random, order.bill
        tip = (bill.subtotal * _TAX).quantize(_CENT) if rng.random() < 0.4 else Decimal("0.00")
        total = bill.total_amount + tip
        paid_at = bill.generated_at + timedelta(minutes=30)
        methods = rng.choices(_METHODS, _METHOD_WEIGHTS, k=2 if rng.random() < 0.1 else 1)
        first = total if len(methods) == 1 else (total / 2).quantize(_CENT)
        for n, (method, amount) in enumerate(zip(methods, (first, total - first), strict=False)):
            order.money.append(
                PaymentFact(
                    self._uuid(), bill.bill_id, bill.order_id, bill.restaurant_id, method, amount,
                    tip if n == 0 else Decimal("0.00"), bill.generated_at, paid_at,
                )
            )  # fmt: skip
        status, version = "PAID", 2
        if rng.random() < 0.02:
            refunded = order.items[0].subtotal
            order.money.append(
                RefundFact(
                    self._uuid(), bill.bill_id, bill.order_id, bill.restaurant_id,
                    refunded + (refunded * _TAX).quantize(_CENT), refunded, bill.generated_at,
                    paid_at + timedelta(hours=1),
                )
            )  # fmt: skip
            status, version = "PARTIALLY_REFUNDED", 3
        order.paid = BillFact(
            bill.bill_id, bill.order_id, bill.restaurant_id, bill.user_id, bill.subtotal,
            bill.tax_amount, bill.discount_amount, tip, total, status, methods[0],
            bill.generated_at, paid_at, paid_at, version,
        )  # fmt: skip

    def _count(self, order: _Order) -> None:
        """Add what ``order`` contributes to every report it appears in."""
        expected = self.expected
        periods = expected.periods(order.placed_at)
        for figures in periods:
            figures.statuses["CANCELLED" if order.cancelled else "COMPLETED"] += 1
        if order.cancelled:
            return
        mine = order.restaurant_id == expected.restaurant
        for item in order.items:
            for figures in periods:
                figures.food_quantity[item.food_id] += item.quantity
                figures.food_revenue[item.food_id] += item.subtotal
            if mine:
                expected.restaurant_quantity[item.food_id] += item.quantity
                if len(periods) > 1:
                    expected.restaurant_month_quantity[item.food_id] += item.quantity
        live_wait = order.ready_after + (order.recooked_after or timedelta(0))
        for figures in periods:
            for modifier in order.modifiers:
                figures.option_quantity[modifier.option_id] += modifier.quantity
                figures.option_revenue[modifier.option_id] += modifier.revenue
            figures.wait(order.station, order.placed_at.date(), live_wait // _MICRO)
            figures.quote(order.restaurant_id, (order.ready_after - order.quoted_after) // _MICRO)
        assert order.paid is not None
        for figures in expected.periods(order.bill.generated_at):
            figures.bills += 1
            figures.subtotal += order.paid.subtotal
            figures.tax += order.paid.tax_amount
            figures.tips += order.paid.tip_amount
            figures.gross += order.paid.total_amount
            for fact in order.money:
                if isinstance(fact, PaymentFact):
                    figures.pay(fact.payment_method, fact.amount, fact.tip_amount)
                elif isinstance(fact, RefundFact):
                    figures.refunds += fact.amount
                    figures.refund_revenue += fact.revenue_amount

    def _status(self, order: _Order, status: str, version: int) -> OrderFact:
        return OrderFact(
            order.order_id, order.restaurant_id, uuid.UUID(int=1), "takeaway", status,
            order.total, order.placed_at, order.placed_at + timedelta(minutes=version), version,
        )  # fmt: skip

    def _ticket(
        self, order: _Order, ready_after: timedelta | None, version: int
    ) -> TicketTimingFact:
        ready_at = None if ready_after is None else order.placed_at + ready_after
        return TicketTimingFact(
            order.ticket_id, order.order_id, order.restaurant_id, order.station,
            order.placed_at, ready_at, version,
        )  # fmt: skip

    def _quote(self, order: _Order) -> QuoteFact:
        return QuoteFact(
            order.order_id, order.restaurant_id, order.placed_at,
            order.placed_at + order.quoted_after, order.placed_at + order.ready_after,
        )  # fmt: skip

    def _cancelled_bill(self, order: _Order) -> BillFact:
        bill = order.bill
        return BillFact(
            bill.bill_id, bill.order_id, bill.restaurant_id, bill.user_id, bill.subtotal,
            bill.tax_amount, bill.discount_amount, bill.tip_amount, bill.total_amount,
            "CANCELLED", "", bill.generated_at, None, bill.generated_at + timedelta(minutes=5), 2,
        )  # fmt: skip

    def _stage(self, stage: int, order: _Order) -> list[AnalyticsFact]:
        if stage == 0:
            return [self._status(order, "PLACED", 1), *order.items, *order.modifiers,
                    self._ticket(order, None, 1), order.bill]  # fmt: skip
        if order.cancelled:
            if stage == 1:
                return [self._status(order, "CANCELLED", 6), self._cancelled_bill(order)]
            return []
        if stage == 1:
            return [
                self._status(order, "ACCEPTED", 2),
                self._status(order, "IN_PROGRESS", 3),
                self._ticket(order, order.ready_after, 2),
                self._status(order, "READY", 4),
                self._quote(order),
            ]
        assert order.paid is not None
        facts: list[AnalyticsFact] = []
        if order.recooked_after is not None:  # recalled after READY, then ready again
            facts += [
                self._ticket(order, None, 3),
                self._ticket(order, order.ready_after + order.recooked_after, 4),
            ]
        return [*facts, self._status(order, "COMPLETED", 5), order.paid, *order.money]
