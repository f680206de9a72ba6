"""The analytics tables: one per kind of fact.

Every table is a ReplacingMergeTree keyed by the fact's identity, so a redelivered fact is a
duplicate row that background merges fold away. Queries never rely on merges having happened:
they pick the latest version per key with ``argMax(..., version)`` and deduplicate immutable
items with ``GROUP BY item_id``, so a redelivery cannot double count even before a merge.
Tables are partitioned by the month of a timestamp that never changes for a key, so all
versions of one fact land in the same partition and merges can replace them.
"""

from __future__ import annotations

from dataclasses import dataclass

_MONEY = "Decimal(12, 2)"
_TIME = "DateTime64(6, 'UTC')"


@dataclass(frozen=True, slots=True)
class FactTable:
    """One fact table: its columns (name, ClickHouse type) and storage layout."""

    name: str
    columns: tuple[tuple[str, str], ...]
    engine: str
    partition_by: str
    order_by: str

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    @property
    def column_types(self) -> list[str]:
        return [kind for _, kind in self.columns]

    def create_statement(self, database: str) -> str:
        """``CREATE TABLE IF NOT EXISTS`` for this table in ``database`` (a checked identifier)."""
        columns = ",\n    ".join(f"{name} {kind}" for name, kind in self.columns)
        return (
            f"CREATE TABLE IF NOT EXISTS {database}.{self.name} (\n    {columns}\n)\n"
            f"ENGINE = {self.engine}\nPARTITION BY {self.partition_by}\nORDER BY {self.order_by}"
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
    engine="ReplacingMergeTree(version)",
    partition_by="toYYYYMM(placed_at)",
    order_by="(restaurant_id, order_id)",
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
        ("placed_at", _TIME),
    ),
    # Items never change: without a version column the merge keeps any one of the duplicates.
    engine="ReplacingMergeTree",
    partition_by="toYYYYMM(placed_at)",
    order_by="(restaurant_id, order_id, item_id)",
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
    engine="ReplacingMergeTree(version)",
    partition_by="toYYYYMM(generated_at)",
    order_by="(restaurant_id, bill_id)",
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
    engine="ReplacingMergeTree(version)",
    partition_by="toYYYYMM(new_at)",
    order_by="(restaurant_id, ticket_id)",
)

FACT_TABLES = (ORDER_FACTS, ORDER_ITEM_FACTS, BILL_FACTS, TICKET_TIMING_FACTS)


def schema_statements(database: str) -> list[str]:
    """Idempotent DDL that creates the database and every fact table."""
    return [
        f"CREATE DATABASE IF NOT EXISTS {database}",
        *(table.create_statement(database) for table in FACT_TABLES),
    ]
