"""The analytics tables: one per kind of fact, each with its deduplication rule beside it.

Duplicates are made impossible when facts are written (:mod:`restman_core.adapters.clickhouse.
writes`), so every report is a plain aggregation: no ``GROUP BY`` of the fact key, no
``FINAL``, no ``argMax``. Every row carries a ``sign`` (+1 or -1) and a report sums ``sign``
(or ``sign * amount``):

- a **versioned** fact (``version`` set: orders, bills, tickets) has exactly one live row per
  key, its latest version. Recording a newer version writes ``-1`` for the stored row (the
  same values) and ``+1`` for the new one; an equal or older version writes nothing. The
  engine, VersionedCollapsingMergeTree(sign, version), folds such pairs when it merges, but no
  figure depends on merges having run.
- an **immutable** fact (``version`` is ``None``: order items) is written once per key; a key
  already stored writes nothing. With ``follows_order_cancellation`` its rows drop out of
  reports while their order's latest status is CANCELLED: entering that status writes a ``-1``
  copy of each of the order's rows, leaving it a ``+1`` copy, and a row of an order already
  cancelled is written as a ``+1`` with its ``-1``.

Every table is partitioned by the month of, and sorted by, a time that never changes for a key
(``time_column``: all versions of a fact share one partition) after ``restaurant_id``, so a
restaurant's or a month's report reads only its own granules, and the writer's look-up of the
stored rows for a batch (by restaurant, time and order) reads a few granules per fact.

To add a kind of fact: declare one ``FactTable`` here (columns, key, time column, version or
not, whether it follows order cancellation), add it to ``FACT_TABLES`` and give it a row
builder in :mod:`restman_core.adapters.clickhouse.rows`; writing, migration and truncation
follow from the declaration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_MONEY = "Decimal(12, 2)"
_TIME = "DateTime64(6, 'UTC')"
SIGN = "sign"
# The fact tables of the previous layout (ReplacingMergeTree, deduplicated when read) are
# renamed with this suffix while the adapter migrates them (see migrate.py).
LEGACY_SUFFIX = "_layout1"


@dataclass(frozen=True, slots=True)
class FactTable:
    """One fact table: its columns (name, ClickHouse type; ``sign`` is added), the columns that
    identify a fact, the immutable time it is partitioned and sorted by, the version column
    (``None`` for immutable facts) and whether its rows follow their order's cancellation.
    Every table has ``restaurant_id`` and ``order_id`` columns."""

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    time_column: str
    version: str | None
    follows_order_cancellation: bool = False
    _positions: dict[str, int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        names = [name for name, _ in self.columns]
        # Looked up for every row the writer plans: computed once.
        object.__setattr__(self, "_positions", {name: n for n, name in enumerate(names)})
        needed = {*self.key, self.time_column, "restaurant_id", "order_id"}
        if self.version is not None:
            needed.add(self.version)
        if not needed <= set(names) or SIGN in names:
            raise ValueError(f"{self.name}: key, time, version and ids must be columns")
        if self.follows_order_cancellation and self.version is not None:
            raise ValueError(f"{self.name}: only immutable facts may follow cancellation")

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    @property
    def column_types(self) -> list[str]:
        return [kind for _, kind in self.columns]

    @property
    def stored_names(self) -> list[str]:
        """Columns as stored: the fact's columns, then ``sign``."""
        return [*self.column_names, SIGN]

    @property
    def stored_types(self) -> list[str]:
        return [*self.column_types, "Int8"]

    def index(self, column: str) -> int:
        """Position of ``column`` in a row (a row lists the fact's columns in order)."""
        return self._positions[column]

    @property
    def engine(self) -> str:
        if self.version is None:
            # Rows are never folded: an item's rows are how the writer knows it was recorded.
            return "MergeTree"
        return f"VersionedCollapsingMergeTree({SIGN}, {self.version})"

    def create_statement(self, database: str, name: str | None = None) -> str:
        """``CREATE TABLE IF NOT EXISTS`` for this table in ``database`` (a checked identifier)."""
        columns = ",\n    ".join(
            f"{column} {kind}" for column, kind in (*self.columns, (SIGN, "Int8"))
        )
        order_by = ", ".join(("restaurant_id", self.time_column, *self.key))
        return (
            f"CREATE TABLE IF NOT EXISTS {database}.{name or self.name} (\n    {columns}\n)\n"
            f"ENGINE = {self.engine}\nPARTITION BY toYYYYMM({self.time_column})\n"
            f"ORDER BY ({order_by})"
        )


ORDER_FACTS = FactTable(
    name="order_facts",
    columns=(
        ("order_id", "UUID"),
        ("restaurant_id", "UUID"),
        ("user_id", "UUID"),
        ("order_type", "LowCardinality(String)"),
        ("status", "LowCardinality(String)"),
        ("total_amount", _MONEY),
        ("placed_at", _TIME),
        ("updated_at", _TIME),
        ("version", "UInt32"),
    ),
    key=("order_id",),
    time_column="placed_at",
    version="version",
)

ORDER_ITEM_FACTS = FactTable(
    name="order_item_facts",
    columns=(
        ("item_id", "UUID"),
        ("order_id", "UUID"),
        ("restaurant_id", "UUID"),
        ("food_id", "UUID"),
        ("food_name", "String"),
        ("quantity", "UInt32"),
        ("unit_price", _MONEY),
        ("subtotal", _MONEY),
        # The order's placed_at: the writer finds an order's items by it.
        ("placed_at", _TIME),
    ),
    key=("item_id",),
    time_column="placed_at",
    version=None,
    follows_order_cancellation=True,
)

BILL_FACTS = FactTable(
    name="bill_facts",
    columns=(
        ("bill_id", "UUID"),
        ("order_id", "UUID"),
        ("restaurant_id", "UUID"),
        ("user_id", "UUID"),
        ("subtotal", _MONEY),
        ("tax_amount", _MONEY),
        ("discount_amount", _MONEY),
        ("tip_amount", _MONEY),
        ("total_amount", _MONEY),
        ("status", "LowCardinality(String)"),
        ("payment_method", "LowCardinality(String)"),
        ("generated_at", _TIME),
        ("paid_at", f"Nullable({_TIME})"),
        ("updated_at", _TIME),
        ("version", "UInt32"),
    ),
    key=("bill_id",),
    time_column="generated_at",
    version="version",
)

TICKET_TIMING_FACTS = FactTable(
    name="ticket_timing_facts",
    columns=(
        ("ticket_id", "UUID"),
        ("order_id", "UUID"),
        ("restaurant_id", "UUID"),
        ("station", "LowCardinality(String)"),
        ("new_at", _TIME),
        ("ready_at", f"Nullable({_TIME})"),
        ("version", "UInt32"),
    ),
    key=("ticket_id",),
    time_column="new_at",
    version="version",
)

# Payments and refunds never change and stay when their order is cancelled (a bill that took
# money ends refunded, not cancelled): immutable facts keyed by their own id, in the period of
# their bill.
PAYMENT_FACTS = FactTable(
    name="payment_facts",
    columns=(
        ("payment_id", "UUID"),
        ("bill_id", "UUID"),
        ("order_id", "UUID"),
        ("restaurant_id", "UUID"),
        ("payment_method", "LowCardinality(String)"),
        ("amount", _MONEY),
        ("tip_amount", _MONEY),
        ("generated_at", _TIME),
        ("paid_at", _TIME),
    ),
    key=("payment_id",),
    time_column="generated_at",
    version=None,
)

REFUND_FACTS = FactTable(
    name="refund_facts",
    columns=(
        ("refund_id", "UUID"),
        ("bill_id", "UUID"),
        ("order_id", "UUID"),
        ("restaurant_id", "UUID"),
        ("amount", _MONEY),
        ("revenue_amount", _MONEY),
        ("generated_at", _TIME),
        ("refunded_at", _TIME),
    ),
    key=("refund_id",),
    time_column="generated_at",
    version=None,
)

# An item voided after placement: its quantity and subtotal come out of top foods. Written once
# per item, and it follows its order's cancellation like the item itself, so a voided item of a
# cancelled order is neither counted nor subtracted.
VOIDED_ITEM_FACTS = FactTable(
    name="voided_item_facts",
    columns=(
        ("item_id", "UUID"),
        ("order_id", "UUID"),
        ("restaurant_id", "UUID"),
        ("food_id", "UUID"),
        ("food_name", "String"),
        ("quantity", "UInt32"),
        ("unit_price", _MONEY),
        ("subtotal", _MONEY),
        ("placed_at", _TIME),
    ),
    key=("item_id",),
    time_column="placed_at",
    version=None,
    follows_order_cancellation=True,
)

# An order's quote beside when it was first ready: written once per order (the first ready
# moment is all the quote error needs), and kept when the order is cancelled later, since the
# kitchen did make it.
QUOTE_FACTS = FactTable(
    name="quote_facts",
    columns=(
        ("order_id", "UUID"),
        ("restaurant_id", "UUID"),
        ("placed_at", _TIME),
        ("quoted_ready_at", _TIME),
        ("ready_at", _TIME),
    ),
    key=("order_id",),
    time_column="placed_at",
    version=None,
)

# One option taken by one item: written once per (item, option), out of the reports while its
# order is cancelled, like the item.
MODIFIER_FACTS = FactTable(
    name="modifier_facts",
    columns=(
        ("item_id", "UUID"),
        ("option_id", "UUID"),
        ("order_id", "UUID"),
        ("restaurant_id", "UUID"),
        ("group_name", "String"),
        ("name", "String"),
        ("quantity", "UInt32"),
        ("revenue", "Decimal(12, 2)"),
        ("placed_at", _TIME),
    ),
    key=("item_id", "option_id"),
    time_column="placed_at",
    version=None,
    follows_order_cancellation=True,
)

# Orders first: the writer settles each order's status before the facts that follow it.
FACT_TABLES = (
    ORDER_FACTS,
    ORDER_ITEM_FACTS,
    BILL_FACTS,
    TICKET_TIMING_FACTS,
    PAYMENT_FACTS,
    REFUND_FACTS,
    VOIDED_ITEM_FACTS,
    QUOTE_FACTS,
    MODIFIER_FACTS,
)


def schema_statements(database: str) -> list[str]:
    """Idempotent DDL that creates the database and every fact table."""
    return [
        f"CREATE DATABASE IF NOT EXISTS {database}",
        *(table.create_statement(database) for table in FACT_TABLES),
    ]
