"""What every report must say about the synthetic history of ``bench/analytics_data.py``, added
up while it is generated: per period (the whole history, one UTC month) and for one
restaurant's top foods. The percentiles are computed from every value, as the engine's
``quantileExactInclusive`` does, and rounded as the adapter rounds them, so a report is right
only if it equals these figures exactly.
"""

from __future__ import annotations

import uuid
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from restman_core.adapters.clickhouse.queries import _seconds
from restman_core.domain.analytics import KitchenTime, MethodTotal, average_order_value
from restman_core.domain.analytics_changes import QuoteError

ZERO = Decimal("0.00")


def quantile(values: array[int], level: float) -> float:
    """Linear interpolation between the two nearest ranks, with the engine's own float
    operations (``quantileExactInclusive``)."""
    ordered = sorted(values)
    h = level * (len(ordered) - 1) + 1
    n = int(h)
    if n >= len(ordered):
        return float(ordered[-1])
    return float(ordered[n - 1]) + (h - n) * float(ordered[n] - ordered[n - 1])


@dataclass
class Figures:
    """The figures of one period (every restaurant)."""

    food_quantity: Counter[uuid.UUID] = field(default_factory=Counter)
    food_revenue: dict[uuid.UUID, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    statuses: Counter[str] = field(default_factory=Counter)
    bills: int = 0
    subtotal: Decimal = ZERO
    tax: Decimal = ZERO
    tips: Decimal = ZERO
    gross: Decimal = ZERO
    refunds: Decimal = ZERO
    refund_revenue: Decimal = ZERO
    methods: dict[str, tuple[int, Decimal, Decimal]] = field(default_factory=dict)
    waits: dict[tuple[str, date], array[int]] = field(default_factory=dict)
    quote_errors: dict[uuid.UUID, array[int]] = field(default_factory=dict)
    option_quantity: Counter[uuid.UUID] = field(default_factory=Counter)
    option_revenue: dict[uuid.UUID, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    def pay(self, method: str, amount: Decimal, tip: Decimal) -> None:
        count, amounts, tips = self.methods.get(method, (0, ZERO, ZERO))
        self.methods[method] = (count + 1, amounts + amount, tips + tip)

    def wait(self, station: str, day: date, micros: int) -> None:
        self.waits.setdefault((station, day), array("q")).append(micros)

    def quote(self, restaurant: uuid.UUID, micros: int) -> None:
        self.quote_errors.setdefault(restaurant, array("q")).append(micros)

    def revenue(self) -> tuple[int, Decimal, Decimal, Decimal, Decimal, Decimal]:
        """(bills, net sales, average, tax, tips, gross less refunds), as the report gives."""
        net = self.subtotal - self.refund_revenue
        return (
            self.bills,
            net,
            average_order_value(net, self.bills),
            self.tax,
            self.tips,
            self.gross - self.refunds,
        )

    def kitchen_times(self) -> list[KitchenTime]:
        rows = sorted(self.waits.items(), key=lambda kv: (kv[0][1], kv[0][0]))
        return [
            KitchenTime(
                station,
                day,
                len(values),
                _seconds(sum(values) / len(values)),
                _seconds(quantile(values, 0.9)),
            )
            for (station, day), values in rows
        ]

    def payment_methods(self) -> list[MethodTotal]:
        return [
            MethodTotal(method, count, amounts, tips)
            for method, (count, amounts, tips) in sorted(self.methods.items())
        ]

    def quote_report(self) -> list[QuoteError]:
        def figures(values: array[int], restaurant: uuid.UUID | None) -> QuoteError:
            return QuoteError(
                restaurant,
                len(values),
                _seconds(quantile(values, 0.5)),
                _seconds(quantile(values, 0.9)),
            )

        everything = array("q")
        for values in self.quote_errors.values():
            everything.extend(values)
        by_restaurant = sorted(self.quote_errors.items(), key=lambda kv: str(kv[0]))
        return [figures(everything, None), *(figures(v, r) for r, v in by_restaurant)]


@dataclass
class Expected:
    """The whole history's figures, ``month``'s (a UTC month) and ``restaurant``'s top foods
    (whole history and month)."""

    month: tuple[date, date]
    restaurant: uuid.UUID
    whole: Figures = field(default_factory=Figures)
    in_month: Figures = field(default_factory=Figures)
    restaurant_quantity: Counter[uuid.UUID] = field(default_factory=Counter)
    restaurant_month_quantity: Counter[uuid.UUID] = field(default_factory=Counter)

    def periods(self, moment: datetime) -> tuple[Figures, ...]:
        """The figures a fact of ``moment`` (its period's time) counts in."""
        if self.month[0] <= moment.date() <= self.month[1]:
            return (self.whole, self.in_month)
        return (self.whole,)
