"""menu depth: modifier groups and options, allergens, opening and category hours, and the
modifier snapshots and allergy notes of order and ticket lines

Every new column of an existing table is nullable or has a server default, so a database that
already has restaurants, foods and orders upgrades in place: old foods have no modifier groups
and no allergens, old restaurants are in UTC and always open, old lines took no modifiers.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from restman_core.adapters.sql.metadata import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _columns() -> dict[str, list[sa.Column[Any]]]:
    return {
        "restaurants": [
            sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"),
            sa.Column("opening_hours", sa.Text(), nullable=True),
        ],
        "categories": [sa.Column("available_hours", sa.Text(), nullable=True)],
        "foods": [
            sa.Column("modifier_group_ids", sa.Text(), nullable=False, server_default="[]"),
            sa.Column("allergens", sa.Text(), nullable=False, server_default="[]"),
        ],
        "order_items": [
            sa.Column("modifiers", sa.Text(), nullable=False, server_default="[]"),
            sa.Column("allergy_note", sa.Text(), nullable=True),
        ],
        "ticket_items": [
            sa.Column("modifiers", sa.Text(), nullable=False, server_default="[]"),
            sa.Column("allergy_note", sa.Text(), nullable=True),
        ],
    }


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN everywhere: each new column is nullable or has a
    # constant default, which SQLite adds in place. (Batch mode would copy and drop the table,
    # which SQLite's foreign keys from other tables refuse once there is data.)
    for table, columns in _columns().items():
        for column in columns:
            op.add_column(table, column)
    op.create_table(
        "modifier_groups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("restaurant_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("min_selected", sa.Integer(), nullable=False),
        sa.Column("max_selected", sa.Integer(), nullable=True),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("min_selected >= 0", name=op.f("ck_modifier_groups_min_not_negative")),
        sa.ForeignKeyConstraint(
            ["restaurant_id"],
            ["restaurants.id"],
            name=op.f("fk_modifier_groups_restaurant_id_restaurants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_modifier_groups")),
    )
    op.create_index(op.f("ix_modifier_groups_restaurant_id"), "modifier_groups", ["restaurant_id"])
    op.create_table(
        "modifier_options",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("price_delta", sa.Numeric(12, 2), nullable=False),
        sa.Column("is_available", sa.Boolean(), nullable=False),
        sa.Column("stock_remaining", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "stock_remaining IS NULL OR stock_remaining >= 0",
            name=op.f("ck_modifier_options_stock_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["modifier_groups.id"],
            name=op.f("fk_modifier_options_group_id_modifier_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_modifier_options")),
    )
    op.create_index(op.f("ix_modifier_options_group_id"), "modifier_options", ["group_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_modifier_options_group_id"), table_name="modifier_options")
    op.drop_table("modifier_options")
    op.drop_index(op.f("ix_modifier_groups_restaurant_id"), table_name="modifier_groups")
    op.drop_table("modifier_groups")
    # SQLite 3.35+ drops a plain column in place too.
    for table, columns in reversed(list(_columns().items())):
        for column in reversed(columns):
            op.drop_column(table, column.name)
