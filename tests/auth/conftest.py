"""Fixtures of the sign-in tests: real stores, a real SMTP server, an injected clock.

Every behaviour test runs on each store backend: ``redis`` (the real Redis server, with a key
prefix unique to the test, deleted afterwards; the database is an SQLite file), ``sqlite`` (the
embedded tables in the same SQLite file as the data) and ``postgresql`` (the embedded tables
on a fresh database of the real PostgreSQL server). ``Env.node()`` builds an independent set of
stores (its own Redis client or its own engine), standing in for a second API process.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from redis.exceptions import RedisError

from restman_core.adapters.redis import (
    RedisCodeStore,
    RedisRateLimiter,
    RedisSessionStore,
    open_redis,
)
from restman_core.adapters.smtp.mailer import SmtpMailer
from restman_core.adapters.sql import auth_state_tables  # noqa: F401 (registers the tables)
from restman_core.adapters.sql.auth_sessions import SqlSessionStore
from restman_core.adapters.sql.auth_state import SqlCodeStore, SqlRateLimiter
from restman_core.adapters.sql.database import SqlDatabase, open_database
from restman_core.adapters.sql.urls import sqlite_url
from restman_core.domain.auth import AuthPolicy
from tests.auth.helpers import Inbox, ManualClock, Node, create_schema
from tests.core.databases import fresh_database, unreachable_reason
from tests.support.services import REDIS_TEST_URL, require
from tests.support.smtp import SmtpTestServer, smtp_server

BACKENDS = ["redis", "sqlite", "postgresql"]


@dataclass
class Env:
    """A store backend; ``node()`` opens an independent instance of everything."""

    backend: str
    database_url: str
    redis_prefix: str = ""
    _closers: list[SqlDatabase | Redis] = field(default_factory=list)

    async def node(self) -> Node:
        db = open_database(self.database_url)
        self._closers.append(db)
        if self.backend == "redis":
            client = open_redis(REDIS_TEST_URL)
            self._closers.append(client)
            prefix = self.redis_prefix
            return Node(
                db,
                RedisCodeStore(client, prefix=prefix),
                RedisSessionStore(client, prefix=prefix),
                RedisRateLimiter(client, prefix=prefix),
            )
        engine = db.engine
        return Node(db, SqlCodeStore(engine), SqlSessionStore(engine), SqlRateLimiter(engine))

    async def close(self) -> None:
        for item in reversed(self._closers):
            await (item.aclose() if isinstance(item, Redis) else item.close())


@pytest.fixture(scope="session")
def auth_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("auth-sqlite") / "restman.db"
    return create_schema(sqlite_url(path))


@pytest.fixture(scope="session")
def auth_postgres_url() -> Iterator[str]:
    reason = unreachable_reason()
    require("PostgreSQL", reason is None, reason or "")
    with fresh_database("auth_") as url:
        yield create_schema(url)


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix unique to the test; every key under it is deleted afterwards."""
    client = SyncRedis.from_url(REDIS_TEST_URL, socket_connect_timeout=1.0)
    try:
        try:
            reachable = bool(client.ping())
        except RedisError:
            reachable = False
        require("Redis", reachable, REDIS_TEST_URL)
        prefix = f"restman-test:{uuid.uuid4().hex}:"
        yield prefix
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(params=BACKENDS)
async def env(request: pytest.FixtureRequest) -> AsyncIterator[Env]:
    backend: str = request.param
    if backend == "postgresql":
        env = Env(backend, request.getfixturevalue("auth_postgres_url"))
    else:
        env = Env(backend, request.getfixturevalue("auth_sqlite_url"))
    if backend == "redis":
        env.redis_prefix = request.getfixturevalue("redis_prefix")
    yield env
    await env.close()


@pytest.fixture
async def node(env: Env) -> Node:
    return await env.node()


@pytest.fixture
def clock() -> ManualClock:
    # Real time as the start, so store TTLs derived from it are sensible.
    return ManualClock(datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1))


@pytest.fixture
def policy() -> AuthPolicy:
    return AuthPolicy()


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpTestServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def mailer(smtp: SmtpTestServer) -> SmtpMailer:
    return SmtpMailer(
        smtp.host, smtp.port, None, None, "noreply@restman.test", 5.0, retry_delays=(0.05,)
    )


@pytest.fixture
def inbox(smtp: SmtpTestServer) -> Inbox:
    return Inbox(smtp)
