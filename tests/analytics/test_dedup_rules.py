"""The writer's deduplication rules, as properties: whatever facts arrive, redelivered, out of
order and in any batches, the signed rows it plans add up to the reports of the latest version
of every fact. The store here is a list of rows in memory answering the writer's look-up as
the engine does (the latest version per key at the asked locators); tests/analytics/
test_recording.py runs the same writer on the real engine."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from restman_core.adapters.clickhouse.dedup import Key, Locator, Row, latest_by_key, locator_of
from restman_core.adapters.clickhouse.rows import rows_by_table
from restman_core.adapters.clickhouse.schema import (
    BILL_FACTS,
    ORDER_FACTS,
    ORDER_ITEM_FACTS,
    TICKET_TIMING_FACTS,
    FactTable,
)
from restman_core.adapters.clickhouse.writes import plan_batch
from restman_core.domain.analytics import (
    AnalyticsFact,
    BillFact,
    OrderFact,
    OrderItemFact,
    TicketTimingFact,
)
from tests.analytics.builders import at, bill, item, order, ticket

STATUSES = ("PLACED", "ACCEPTED", "IN_PROGRESS", "READY", "COMPLETED", "CANCELLED")
RESTAURANTS = (UUID(int=1), UUID(int=2))
FOODS = (UUID(int=11), UUID(int=12))


class MemoryStore:
    """Signed rows per table; ``fetch`` answers like the engine's look-up."""

    def __init__(self) -> None:
        self.rows: dict[FactTable, list[Row]] = {}

    def fetch(self, table: FactTable, locators: set[Locator]) -> dict[Key, Row]:
        found = [row[:-1] for row in self.rows.get(table, []) if locator_of(table, row) in locators]
        return latest_by_key(table, found)

    def record(self, facts: list[AnalyticsFact]) -> None:
        for table, rows in plan_batch(self.fetch, rows_by_table(facts)).items():
            self.rows.setdefault(table, []).extend(rows)

    def signed(self, table: FactTable, column: str) -> Counter[Any]:
        """sum(sign) per value of ``column``, zeros dropped."""
        total: Counter[Any] = Counter()
        for row in self.rows.get(table, []):
            total[row[table.index(column)]] += row[-1]
        return +total


@st.composite
def histories(draw: st.DrawFn) -> list[AnalyticsFact]:
    """Every version of a few orders, their items, bills and tickets."""
    facts: list[AnalyticsFact] = []
    for n in range(draw(st.integers(1, 4))):
        order_id, restaurant, placed = UUID(int=100 + n), RESTAURANTS[n % 2], at(1 + n)
        versions = draw(st.sets(st.integers(1, 6), min_size=1))
        facts += [order(order_id, restaurant, STATUSES[v - 1], v, placed) for v in versions]
        for line in range(draw(st.integers(0, 3))):
            food = FOODS[line % 2]
            facts.append(item(order_id, restaurant, food, "Dish", line + 1, "2.50", placed))
        for v in draw(st.sets(st.integers(1, 3), max_size=3)):
            status = ("PENDING", "PAID", "CANCELLED")[v - 1]
            facts.append(
                bill(
                    UUID(int=200 + n),
                    order_id,
                    restaurant,
                    ("9.00", "0.90", "0.00"),
                    status,
                    v,
                    placed,
                )
            )
        for v in draw(st.sets(st.integers(1, 4), max_size=4)):
            seconds = None if v % 2 else 60 * v
            facts.append(ticket(UUID(int=300 + n), restaurant, "grill", placed, seconds, v))
    return facts


def expected(facts: list[AnalyticsFact]) -> dict[str, Any]:
    """The reports, from the latest version of every delivered fact."""
    orders: dict[UUID, OrderFact] = {}
    bills: dict[UUID, BillFact] = {}
    tickets: dict[UUID, Any] = {}
    items: dict[UUID, OrderItemFact] = {}
    for fact in facts:
        if isinstance(fact, OrderFact):
            held = orders.get(fact.order_id)
            orders[fact.order_id] = fact if held is None or fact.version > held.version else held
        elif isinstance(fact, BillFact):
            held_bill = bills.get(fact.bill_id)
            keep = held_bill is None or fact.version > held_bill.version
            bills[fact.bill_id] = fact if keep else held_bill  # type: ignore[assignment]
        elif isinstance(fact, OrderItemFact):
            items[fact.item_id] = fact
        elif isinstance(fact, TicketTimingFact):
            held_ticket = tickets.get(fact.ticket_id)
            keep = held_ticket is None or fact.version > held_ticket.version
            tickets[fact.ticket_id] = fact if keep else held_ticket
    quantity: Counter[UUID] = Counter()
    for line in items.values():
        placed = orders.get(line.order_id)
        if placed is None or placed.status != "CANCELLED":
            quantity[line.food_id] += line.quantity
    live_bills = [b for b in bills.values() if b.status != "CANCELLED"]
    return {
        "statuses": Counter(o.status for o in orders.values()),
        "quantity": +quantity,
        "bills": (len(live_bills), sum((b.subtotal for b in live_bills), Decimal("0.00"))),
        "ready": Counter(t.ready_at - t.new_at for t in tickets.values() if t.ready_at is not None),
    }


def reported(store: MemoryStore) -> dict[str, Any]:
    """The reports as the queries compute them from signed rows."""
    quantity: Counter[UUID] = Counter()
    for row in store.rows.get(ORDER_ITEM_FACTS, []):
        quantity[row[ORDER_ITEM_FACTS.index("food_id")]] += (
            row[-1] * row[ORDER_ITEM_FACTS.index("quantity")]
        )
    count, net = 0, Decimal("0.00")
    for row in store.rows.get(BILL_FACTS, []):
        if row[BILL_FACTS.index("status")] != "CANCELLED":
            count += row[-1]
            net += row[-1] * row[BILL_FACTS.index("subtotal")]
    ticket_rows = [r for r in store.rows.get(TICKET_TIMING_FACTS, []) if r[5] is not None]
    superseded = {(r[0], r[6]) for r in ticket_rows if r[-1] == -1}
    ready: Counter[timedelta] = Counter(
        r[5] - r[4] for r in ticket_rows if r[-1] == 1 and (r[0], r[6]) not in superseded
    )
    return {
        "statuses": store.signed(ORDER_FACTS, "status"),
        "quantity": +quantity,
        "bills": (count, net),
        "ready": ready,
    }


@settings(max_examples=150, deadline=None)
@given(
    facts=histories(),
    data=st.data(),
)
def test_any_deliveries_add_up_to_the_latest_version_of_every_fact(
    facts: list[AnalyticsFact], data: st.DataObject
) -> None:
    deliveries = data.draw(st.lists(st.sampled_from(facts), max_size=len(facts)))
    stream = data.draw(st.permutations(facts + deliveries))
    store = MemoryStore()
    start = 0
    while start < len(stream):
        size = data.draw(st.integers(1, 6))
        batch = stream[start : start + size]
        store.record(batch)
        if data.draw(st.booleans()):
            store.record(batch)  # redelivered
        start += size
    assert reported(store) == expected(facts)
    rows_before = {table: len(rows) for table, rows in store.rows.items()}
    store.record(list(reversed(stream)))  # the whole log replayed
    assert {table: len(rows) for table, rows in store.rows.items()} == rows_before
