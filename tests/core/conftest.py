"""Fixtures of the core tests: the same storage tests run on an embedded SQLite file and on a
fresh PostgreSQL database of the real server.

Both databases are created once per test session and migrated to head with the real migrations
(``migrate.upgrade``); tests isolate themselves by building their own users and restaurants with
fresh ids (see :mod:`tests.core.builders`). The PostgreSQL database is dropped at the end. When
PostgreSQL is unreachable its tests skip, or fail under ``RESTMAN_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from restman_core.adapters.sql import migrate
from restman_core.adapters.sql.database import SqlDatabase, open_database
from restman_core.adapters.sql.urls import sqlite_url
from restman_core.domain.access import Actor, Role
from tests.core.builders import Core, Kitchen, add_user, build_restaurant
from tests.core.databases import fresh_database, in_thread, unreachable_reason
from tests.support.services import require


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database on the real PostgreSQL server, migrated to head, for the session."""
    reason = unreachable_reason()
    require("PostgreSQL", reason is None, reason or "")
    with fresh_database() as url:
        in_thread(migrate.upgrade, url)
        yield url


@pytest.fixture(scope="session")
def sqlite_file_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An embedded SQLite file, migrated to head, for the session."""
    url = sqlite_url(tmp_path_factory.mktemp("sqlite") / "restman.db")
    in_thread(migrate.upgrade, url)
    return url


@pytest.fixture
async def db(sqlite_file_url: str) -> AsyncIterator[SqlDatabase]:
    """A database object of its own (so its own writer) on the session's SQLite file."""
    database = open_database(sqlite_file_url)
    yield database
    await database.close()


@pytest.fixture(scope="session")
async def sqlite_database(sqlite_file_url: str) -> AsyncIterator[SqlDatabase]:
    db = open_database(sqlite_file_url)
    yield db
    await db.close()


@pytest.fixture(scope="session")
async def postgresql_database(postgres_url: str) -> AsyncIterator[SqlDatabase]:
    db = open_database(postgres_url, pool_size=12)
    yield db
    await db.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> SqlDatabase:
    """The database under test: each storage test runs once on SQLite, once on PostgreSQL."""
    db: SqlDatabase = request.getfixturevalue(f"{request.param}_database")
    return db


@pytest.fixture
def core(database: SqlDatabase) -> Core:
    return Core.on(database)


@pytest.fixture
async def owner(database: SqlDatabase) -> Actor:
    return await add_user(database, Role.OWNER, "owner")


@pytest.fixture
async def customer(database: SqlDatabase) -> Actor:
    return await add_user(database, Role.CUSTOMER, "customer")


@pytest.fixture
async def admin(database: SqlDatabase) -> Actor:
    return await add_user(database, Role.ADMIN, "admin")


@pytest.fixture
async def kitchen(core: Core, owner: Actor) -> Kitchen:
    """A restaurant of ``owner`` with Mains (kitchen; the Steak on the grill) and Drinks (bar)."""
    return await build_restaurant(core, owner)
