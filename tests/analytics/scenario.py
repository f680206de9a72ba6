"""Two restaurants' worth of facts with hand-computed reports (see the test modules).

Restaurant A (10 March and 11 March 2024, UTC):
- order 1, placed 10 Mar 10:00: Burger 2 x 12.99 = 25.98. Status PLACED -> PREPARING ->
  COMPLETED (version 3 arrives before version 2). Bill 25.98 + tax 2.60 + tip 3.00 = 31.58,
  PENDING -> PAID (the PAID version arrives first).
- order 2, placed 10 Mar 23:59:30: Fries 3 x 3.50 = 10.50, Burger 1 x 12.99, Cola 2 x 8.25 =
  16.50. PLACED -> PREPARING. Bill generated 11 Mar 00:00:10: 39.99 + tax 4.00 = 43.99, PENDING.
- order 3, placed 11 Mar 09:00: Burger 5 x 12.99 = 64.95, CANCELLED; its bill (64.95 + 6.50)
  CANCELLED.
- order 4, placed 11 Mar 18:00: Salad 2 x 8.25 = 16.50; its order fact has not arrived.
Restaurant B:
- order 5, placed 10 Mar 13:00: Pizza 4 x 10.00 = 40.00, COMPLETED. Bill 40.00 + 4.00 + tip
  1.00 = 45.00, PENDING -> PAID.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID, uuid4

from restman_core.domain.analytics import AnalyticsFact
from tests.analytics.builders import at, bill, item, order


@dataclass
class Scenario:
    restaurant_a: UUID = field(default_factory=uuid4)
    restaurant_b: UUID = field(default_factory=uuid4)
    burger: UUID = field(default_factory=uuid4)
    fries: UUID = field(default_factory=uuid4)
    cola: UUID = field(default_factory=uuid4)
    salad: UUID = field(default_factory=uuid4)
    pizza: UUID = field(default_factory=uuid4)

    def facts(self) -> list[AnalyticsFact]:
        """Every fact, in the (deliberately shuffled) order a consumer might see them."""
        return [*self._restaurant_a(), *self._restaurant_b()]

    def _restaurant_a(self) -> list[AnalyticsFact]:
        a = self.restaurant_a
        o1, o2, o3, o4 = uuid4(), uuid4(), uuid4(), uuid4()
        b1, b2, b3 = uuid4(), uuid4(), uuid4()
        t1, t2, t3, t4 = at(10, 10), at(10, 23, 59, 30), at(11, 9), at(11, 18)
        return [
            order(o1, a, "PLACED", 1, t1),
            item(o1, a, self.burger, "Burger", 2, "12.99", t1),
            order(o1, a, "COMPLETED", 3, t1),
            order(o1, a, "PREPARING", 2, t1),
            bill(b1, o1, a, ("25.98", "2.60", "3.00"), "PAID", 2, at(10, 10, 5)),
            bill(b1, o1, a, ("25.98", "2.60", "3.00"), "PENDING", 1, at(10, 10, 5)),
            order(o2, a, "PLACED", 1, t2),
            item(o2, a, self.fries, "Fries", 3, "3.50", t2),
            item(o2, a, self.burger, "Burger", 1, "12.99", t2),
            item(o2, a, self.cola, "Cola", 2, "8.25", t2),
            order(o2, a, "PREPARING", 2, t2),
            bill(b2, o2, a, ("39.99", "4.00", "0.00"), "PENDING", 1, at(11, 0, 0, 10)),
            order(o3, a, "PLACED", 1, t3),
            item(o3, a, self.burger, "Burger", 5, "12.99", t3),
            bill(b3, o3, a, ("64.95", "6.50", "0.00"), "PENDING", 1, at(11, 9, 1)),
            order(o3, a, "CANCELLED", 2, t3),
            bill(b3, o3, a, ("64.95", "6.50", "0.00"), "CANCELLED", 2, at(11, 9, 1)),
            item(o4, a, self.salad, "Salad", 2, "8.25", t4),
        ]

    def _restaurant_b(self) -> list[AnalyticsFact]:
        b = self.restaurant_b
        o5, b5, t5 = uuid4(), uuid4(), at(10, 13)
        return [
            order(o5, b, "PLACED", 1, t5),
            item(o5, b, self.pizza, "Pizza", 4, "10.00", t5),
            bill(b5, o5, b, ("40.00", "4.00", "1.00"), "PENDING", 1, at(10, 13, 2)),
            order(o5, b, "COMPLETED", 2, t5),
            bill(b5, o5, b, ("40.00", "4.00", "1.00"), "PAID", 2, at(10, 13, 2)),
        ]
