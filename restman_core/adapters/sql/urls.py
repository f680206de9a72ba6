"""Database URLs as users write them, turned into SQLAlchemy async URLs."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url

from restman_core.errors import ConfigurationError

_ASYNC_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "cockroachdb": "cockroachdb+psycopg",
    "sqlite": "sqlite+aiosqlite",
}


def async_url(url: str) -> URL:
    """Accept ``postgresql://``, ``postgres://``, ``cockroachdb://`` and ``sqlite:///`` URLs (or
    ones that already name an async driver) and return the URL with the async driver chosen."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise ConfigurationError("DATABASE_URL is not a valid database URL") from exc
    backend, _, driver = parsed.drivername.partition("+")
    if backend not in _ASYNC_DRIVERS:
        raise ConfigurationError(
            f"DATABASE_URL scheme {backend!r} is not supported "
            "(use postgresql://, cockroachdb:// or sqlite:///)"
        )
    if driver in ("", "psycopg2", "asyncpg", "pysqlite", "psycopg", "aiosqlite"):
        parsed = parsed.set(drivername=_ASYNC_DRIVERS[backend])
    else:
        raise ConfigurationError(f"database driver {driver!r} is not supported")
    return parsed


def sqlite_url(path: Path) -> str:
    """The URL of the embedded SQLite file."""
    return f"sqlite:///{path}"


def dialect_of(url: str) -> str:
    """``sqlite``, ``postgresql`` or ``cockroachdb``."""
    return async_url(url).get_backend_name()
