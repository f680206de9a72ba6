"""Database URLs as users write them: the async driver is chosen for them."""

from __future__ import annotations

import pytest

from restman_core.adapters.sql.database import open_database
from restman_core.adapters.sql.urls import async_url, dialect_of
from restman_core.errors import ConfigurationError


@pytest.mark.parametrize(
    ("given", "driver", "dialect"),
    [
        ("cockroachdb://root@h:26257/db?sslmode=disable", "cockroachdb+psycopg", "cockroachdb"),
        ("postgresql://u:p@db:5432/restman", "postgresql+psycopg", "postgresql"),
        ("postgres://u@db/restman", "postgresql+psycopg", "postgresql"),
        ("postgresql+psycopg2://u@db/restman", "postgresql+psycopg", "postgresql"),
        ("postgresql+asyncpg://u@db/restman", "postgresql+psycopg", "postgresql"),
        ("sqlite:///x", "sqlite+aiosqlite", "sqlite"),
        ("sqlite:////var/lib/restman/restman.db", "sqlite+aiosqlite", "sqlite"),
        ("sqlite+aiosqlite:///x", "sqlite+aiosqlite", "sqlite"),
    ],
)
def test_async_driver_is_chosen(given: str, driver: str, dialect: str) -> None:
    url = async_url(given)
    assert url.drivername == driver
    assert dialect_of(given) == dialect


def test_the_rest_of_the_url_is_kept() -> None:
    url = async_url("cockroachdb://root@h:26257/db?sslmode=disable")
    assert (url.username, url.host, url.port, url.database) == ("root", "h", 26257, "db")
    assert dict(url.query) == {"sslmode": "disable"}
    assert async_url("postgresql://u:secret@db/x").password == "secret"
    assert async_url("sqlite:///x").database == "x"


@pytest.mark.parametrize(
    "given",
    [
        "mysql://u@h/db",
        "mongodb://h/db",
        "oracle://h",
        "not a url",
        "",
        "postgresql+pg8000://u@h/d",
    ],
)
def test_unknown_schemes_are_configuration_errors(given: str) -> None:
    with pytest.raises(ConfigurationError):
        async_url(given)


async def test_cockroachdb_urls_open_without_connecting() -> None:
    db = open_database("cockroachdb://root@127.0.0.1:1/db?sslmode=disable")
    try:
        assert db.dialect == "cockroachdb"
        assert db.engine.url.drivername == "cockroachdb+psycopg"
    finally:
        await db.close()
