"""money depth: tax rates per food and item, prices including tax, service charge, discounts,
split parts, payments and refunds

Existing data: every bill that was PAID gets its one payment (method, amount without tip, tip)
and its ``amount_paid``, so that a bill paid before keeps its meaning; order items keep a NULL
rate, which the bill reads as the bill's own rate.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = "status IN ('PENDING','PAID','CANCELLED')"
NEW_STATUSES = (
    "status IN ('PENDING','PARTIALLY_PAID','PAID','PARTIALLY_REFUNDED','REFUNDED','CANCELLED')"
)
MONEY = sa.Numeric(12, 2)
RATE = sa.Numeric(5, 4)


def _child(name: str, *columns: sa.Column[object]) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("bill_id", sa.Uuid(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(["bill_id"], ["bills.id"], name=op.f(f"fk_{name}_bill_id_bills")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(op.f(f"ix_{name}_bill_id"), name, ["bill_id"], unique=False)


def _moment(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    # Plain ADD COLUMN: a batch would recreate tables that other tables' rows reference.
    op.add_column(
        "restaurants",
        sa.Column("prices_include_tax", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("restaurants", sa.Column("service_charge_rate", RATE, nullable=True))
    op.add_column("restaurants", sa.Column("staff_discount_limit", sa.Numeric(5, 2), nullable=True))
    op.add_column("foods", sa.Column("tax_rate", RATE, nullable=True))
    op.add_column("order_items", sa.Column("tax_rate", RATE, nullable=True))
    with op.batch_alter_table("bills") as batch:
        batch.drop_constraint(op.f("ck_bills_status"), type_="check")
        batch.alter_column(
            "status", existing_type=sa.String(10), type_=sa.String(20), existing_nullable=False
        )
        batch.add_column(
            sa.Column("prices_include_tax", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("service_charge_rate", RATE, nullable=True))
        batch.add_column(sa.Column("service_charge", MONEY, nullable=False, server_default="0"))
        batch.add_column(sa.Column("amount_paid", MONEY, nullable=False, server_default="0"))
        batch.add_column(sa.Column("refunded_amount", MONEY, nullable=False, server_default="0"))
        batch.add_column(sa.Column("split_by", sa.String(10), nullable=True))
        batch.create_check_constraint("status", NEW_STATUSES)
        batch.create_check_constraint("refunds_within_payments", "amount_paid >= refunded_amount")
    _child(
        "bill_discounts",
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("value", sa.Numeric(12, 2), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("given_by", sa.Uuid(), nullable=False),
        _moment("created_at"),
    )
    _child(
        "bill_parts",
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
    )
    _child(
        "bill_payments",
        sa.Column("part_id", sa.Uuid(), nullable=True),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("tip", MONEY, nullable=False),
        sa.Column("taken_by", sa.Uuid(), nullable=False),
        _moment("created_at"),
    )
    _child(
        "bill_refunds",
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("item_ids", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("given_by", sa.Uuid(), nullable=False),
        _moment("created_at"),
        sa.Column("revenue_amount", MONEY, nullable=False),
    )
    _backfill_payments()


def _backfill_payments() -> None:
    """One payment per bill paid before: what it was paid with, by the bill's customer. It takes
    the bill's id as its own (ids of different tables never meet), which keeps this plain SQL
    that renders offline too."""
    op.execute(
        "INSERT INTO bill_payments "
        "(id, bill_id, part_id, method, amount, tip, taken_by, created_at) "
        "SELECT id, id, NULL, COALESCE(payment_method, 'cash'), total_amount - tip_amount, "
        "tip_amount, user_id, COALESCE(paid_at, updated_at) FROM bills WHERE status = 'PAID'"
    )
    op.execute("UPDATE bills SET amount_paid = total_amount - tip_amount WHERE status = 'PAID'")


def downgrade() -> None:
    for name in ("bill_refunds", "bill_payments", "bill_parts", "bill_discounts"):
        op.drop_index(op.f(f"ix_{name}_bill_id"), table_name=name)
        op.drop_table(name)
    # Bills in the new statuses have no place in the old schema: they read as what they were
    # worth to the restaurant before this revision (paid, or still pending).
    op.execute("UPDATE bills SET status = 'PAID' WHERE status IN ('PARTIALLY_REFUNDED','REFUNDED')")
    op.execute("UPDATE bills SET status = 'PENDING' WHERE status = 'PARTIALLY_PAID'")
    with op.batch_alter_table("bills") as batch:
        batch.drop_constraint(op.f("ck_bills_refunds_within_payments"), type_="check")
        batch.drop_constraint(op.f("ck_bills_status"), type_="check")
        for column in (
            "split_by",
            "refunded_amount",
            "amount_paid",
            "service_charge",
            "service_charge_rate",
            "prices_include_tax",
        ):
            batch.drop_column(column)
        batch.alter_column(
            "status", existing_type=sa.String(20), type_=sa.String(10), existing_nullable=False
        )
        batch.create_check_constraint("status", OLD_STATUSES)
    # Plain DROP COLUMN (SQLite has it since 3.35): a batch would recreate these tables, which
    # other tables' rows reference.
    op.drop_column("order_items", "tax_rate")
    op.drop_column("foods", "tax_rate")
    for column in ("staff_discount_limit", "service_charge_rate", "prices_include_tax"):
        op.drop_column("restaurants", column)
