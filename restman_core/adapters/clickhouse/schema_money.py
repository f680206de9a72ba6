"""The analytics tables of bill money: payments and refunds, one row per entry.

Payments and refunds never change, so, like order items, their tables are ReplacingMergeTree
without a version, keyed by the entry's id, and queries count each id once (``GROUP BY``) so a
redelivered event cannot double count before a merge. They are partitioned by the month their
bill was generated, the period every report filters them by.
"""

from __future__ import annotations

from restman_core.adapters.clickhouse.schema import FactTable

_MONEY = "Decimal(12, 2)"
_TIME = "DateTime64(6, 'UTC')"

PAYMENT_FACTS = FactTable(
    name="payment_facts",
    columns=(
        ("payment_id", "UUID"),
        ("bill_id", "UUID"),
        ("restaurant_id", "UUID"),
        ("payment_method", "LowCardinality(String)"),
        ("amount", _MONEY),
        ("tip_amount", _MONEY),
        ("generated_at", _TIME),
        ("paid_at", _TIME),
    ),
    engine="ReplacingMergeTree",
    partition_by="toYYYYMM(generated_at)",
    order_by="(restaurant_id, bill_id, payment_id)",
)

REFUND_FACTS = FactTable(
    name="refund_facts",
    columns=(
        ("refund_id", "UUID"),
        ("bill_id", "UUID"),
        ("restaurant_id", "UUID"),
        ("amount", _MONEY),
        ("revenue_amount", _MONEY),
        ("generated_at", _TIME),
        ("refunded_at", _TIME),
    ),
    engine="ReplacingMergeTree",
    partition_by="toYYYYMM(generated_at)",
    order_by="(restaurant_id, bill_id, refund_id)",
)

MONEY_TABLES = (PAYMENT_FACTS, REFUND_FACTS)


def money_schema_statements(database: str) -> list[str]:
    """Idempotent DDL of the money tables (the database exists already)."""
    return [table.create_statement(database) for table in MONEY_TABLES]
