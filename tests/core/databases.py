"""Databases for the storage tests: throw-away PostgreSQL databases on the real server, and
running the (blocking) migrations from async code.

:func:`fresh_database` creates a database with a random ``restman_test_`` name through
:data:`tests.support.services.POSTGRES_ADMIN_URL` and drops it ``WITH (FORCE)`` afterwards, so a
test run never touches anything it did not create.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.support.services import POSTGRES_ADMIN_URL


def unreachable_reason() -> str | None:
    """None when the admin URL accepts connections, else why it does not."""
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"{POSTGRES_ADMIN_URL}: {exc}".strip()
    return None


def _admin(statement: sql.Composed) -> None:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


@contextmanager
def fresh_database(purpose: str = "") -> Iterator[str]:
    """An empty database for the duration of the block; yields its ``postgresql://`` URL."""
    name = f"restman_test_{purpose}{secrets.token_hex(4)}"
    _admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def in_thread(function: Callable[..., Any], *args: Any) -> Any:
    """Run a blocking call on a worker thread: Alembic's environment starts its own event loop,
    which must not be the suite's."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result(timeout=120)
