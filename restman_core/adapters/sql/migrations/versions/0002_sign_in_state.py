"""sign-in state: codes, lockouts, sessions, rate counters

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import restman_core.adapters.sql.metadata

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auth_codes",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("requested_role", sa.String(length=10), nullable=True),
        sa.Column(
            "created_at",
            restman_core.adapters.sql.metadata.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "expires_at",
            restman_core.adapters.sql.metadata.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column(
            "purge_after",
            restman_core.adapters.sql.metadata.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_auth_codes")),
    )
    with op.batch_alter_table("auth_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_auth_codes_purge_after"), ["purge_after"], unique=False
        )

    op.create_table(
        "auth_lockouts",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column(
            "locked_until",
            restman_core.adapters.sql.metadata.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_auth_lockouts")),
    )
    with op.batch_alter_table("auth_lockouts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_auth_lockouts_locked_until"), ["locked_until"], unique=False
        )

    op.create_table(
        "auth_rate_counters",
        sa.Column("bucket", sa.String(length=80), nullable=False),
        sa.Column("window_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column(
            "purge_after",
            restman_core.adapters.sql.metadata.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("bucket", "window_index", name=op.f("pk_auth_rate_counters")),
    )
    with op.batch_alter_table("auth_rate_counters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_auth_rate_counters_purge_after"), ["purge_after"], unique=False
        )

    op.create_table(
        "auth_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column(
            "created_at",
            restman_core.adapters.sql.metadata.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "expires_at",
            restman_core.adapters.sql.metadata.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "last_seen_at",
            restman_core.adapters.sql.metadata.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("idle_seconds", sa.Integer(), nullable=False),
        sa.Column(
            "deadline",
            restman_core.adapters.sql.metadata.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_auth_sessions")),
        sa.UniqueConstraint("id", name=op.f("uq_auth_sessions_id")),
    )
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_sessions_deadline"), ["deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_auth_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_auth_sessions_deadline"))

    op.drop_table("auth_sessions")
    with op.batch_alter_table("auth_rate_counters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_rate_counters_purge_after"))

    op.drop_table("auth_rate_counters")
    with op.batch_alter_table("auth_lockouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_lockouts_locked_until"))

    op.drop_table("auth_lockouts")
    with op.batch_alter_table("auth_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_codes_purge_after"))

    op.drop_table("auth_codes")
