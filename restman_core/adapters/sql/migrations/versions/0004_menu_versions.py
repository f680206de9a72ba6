"""menu versions, so every process's menu cache notices another process's menu edit

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "menu_versions",
        sa.Column("restaurant_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["restaurant_id"],
            ["restaurants.id"],
            name=op.f("fk_menu_versions_restaurant_id_restaurants"),
        ),
        sa.PrimaryKeyConstraint("restaurant_id", name=op.f("pk_menu_versions")),
    )
    # Every restaurant has its row, so a bump is a plain UPDATE (no upsert race).
    op.execute("INSERT INTO menu_versions (restaurant_id, version) SELECT id, 0 FROM restaurants")


def downgrade() -> None:
    op.drop_table("menu_versions")
