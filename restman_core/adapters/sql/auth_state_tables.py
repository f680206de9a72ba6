"""Tables of the embedded sign-in state (used when REDIS_URL is unset).

They hold what Redis holds in production: sign-in codes, lockouts, sessions and rate-limit
counters. They attach to the schema's one :data:`metadata`, so migrations and ``create_all``
include them once this module is imported. No foreign keys: like the Redis keys they are
short-lived state, written outside the business transactions and purged when they expire.
Every row carries the moment after which it is useless, indexed for the purge.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table, Uuid

from restman_core.adapters.sql.metadata import UTCDateTime, metadata

auth_codes = Table(
    "auth_codes",
    metadata,
    Column("email", String(254), primary_key=True),
    Column("code_hash", String(64), nullable=False),
    Column("requested_role", String(10), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("failed_attempts", Integer, nullable=False),
    # The later of expiry and the end of the resend interval.
    Column("purge_after", UTCDateTime, nullable=False, index=True),
)

auth_lockouts = Table(
    "auth_lockouts",
    metadata,
    Column("email", String(254), primary_key=True),
    Column("locked_until", UTCDateTime, nullable=False, index=True),
)

auth_sessions = Table(
    "auth_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("id", Uuid, nullable=False, unique=True),
    Column("user_id", Uuid, nullable=False, index=True),
    Column("role", String(10), nullable=False),
    Column("email", String(254), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("idle_seconds", Integer, nullable=False),
    # min(expires_at, last_seen_at + idle): kept current by every touch.
    Column("deadline", UTCDateTime, nullable=False, index=True),
)

auth_rate_counters = Table(
    "auth_rate_counters",
    metadata,
    Column("bucket", String(80), primary_key=True),
    Column("window_index", BigInteger, primary_key=True, autoincrement=False),
    Column("hits", Integer, nullable=False),
    # The end of the following window, while this count still weighs as "previous".
    Column("purge_after", UTCDateTime, nullable=False, index=True),
)

AUTH_STATE_TABLES = (auth_codes, auth_lockouts, auth_sessions, auth_rate_counters)
