"""kitchen pacing: a restaurant's pace, scheduled pickups, and the per-slot load ledger

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

Restaurants get ``pacing`` (JSON ``{slot_minutes, max_prep_seconds_per_slot}``; none for
existing rows: not paced). Orders get ``pickup_at`` (none: as soon as possible), ``paced_slot``
and ``paced_load`` (none and 0: counted in no slot). ``kitchen_slots`` holds the prep seconds
counted in each slot of each paced restaurant; it starts empty, since no order was paced before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from restman_core.adapters.sql.metadata import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch would recreate tables that other tables' rows reference.
    op.add_column("restaurants", sa.Column("pacing", sa.Text(), nullable=True))
    op.add_column("orders", sa.Column("pickup_at", UTCDateTime(timezone=True), nullable=True))
    op.add_column("orders", sa.Column("paced_slot", UTCDateTime(timezone=True), nullable=True))
    op.add_column(
        "orders", sa.Column("paced_load", sa.Integer(), nullable=False, server_default="0")
    )
    op.create_table(
        "kitchen_slots",
        sa.Column("restaurant_id", sa.Uuid(), nullable=False),
        sa.Column("slot_start", UTCDateTime(timezone=True), nullable=False),
        sa.Column("prep_seconds", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("prep_seconds >= 0", name=op.f("ck_kitchen_slots_prep_not_negative")),
        sa.ForeignKeyConstraint(
            ["restaurant_id"],
            ["restaurants.id"],
            name=op.f("fk_kitchen_slots_restaurant_id_restaurants"),
        ),
        sa.PrimaryKeyConstraint("restaurant_id", "slot_start", name=op.f("pk_kitchen_slots")),
    )


def downgrade() -> None:
    op.drop_table("kitchen_slots")
    # Plain DROP COLUMN (SQLite has it since 3.35): a batch would recreate these tables, which
    # other tables' rows reference.
    for column in ("paced_load", "paced_slot", "pickup_at"):
        op.drop_column("orders", column)
    op.drop_column("restaurants", "pacing")
