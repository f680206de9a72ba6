"""Helpers shared by the repositories: insert-if-absent across dialects, keyset paging."""

from __future__ import annotations

import functools
from dataclasses import fields
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from restman_core.ports.storage import Page

MAX_PAGE = 200


def insert_ignore(conn: AsyncConnection, table: Table, key: list[str]) -> Insert:
    """``INSERT ... ON CONFLICT (key) DO NOTHING`` for the connection's dialect.

    Callers read ``rowcount`` (1 inserted, 0 skipped); SQLAlchemy only keeps it for INSERTs
    when asked to (on psycopg it reads -1 otherwise, which is truthy).
    """
    if conn.dialect.name == "sqlite":
        statement: Insert = sqlite_insert(table).on_conflict_do_nothing(index_elements=key)
    else:
        statement = pg_insert(table).on_conflict_do_nothing(index_elements=key)
    return statement.execution_options(preserve_rowcount=True)


def insert_ignore_returning(
    conn: AsyncConnection, table: Table, key: list[str], column: str
) -> Insert:
    """:func:`insert_ignore` ``RETURNING column``, built once per dialect and table: the
    consumers run it for every batch, where building it and its cache key cost about as much
    as running it."""
    return _insert_ignore_returning(conn.dialect.name, table, tuple(key), column)


@functools.cache
def _insert_ignore_returning(
    dialect: str, table: Table, key: tuple[str, ...], column: str
) -> Insert:
    maker = sqlite_insert if dialect == "sqlite" else pg_insert
    statement: Insert = maker(table).on_conflict_do_nothing(index_elements=list(key))
    return statement.execution_options(preserve_rowcount=True).returning(table.c[column])


def page_filter(
    table: Table, page: Page, *, newest_first: bool = True
) -> ColumnElement[bool] | None:
    """Rows strictly beyond the page cursor (created_at, id)."""
    if page.before is None:
        return None
    created = table.c.created_at
    if page.before_id is None:
        return created < page.before if newest_first else created > page.before
    if newest_first:
        return or_(created < page.before, and_(created == page.before, table.c.id < page.before_id))
    return or_(created > page.before, and_(created == page.before, table.c.id > page.before_id))


def limit_of(page: Page) -> int:
    return max(1, min(page.limit, MAX_PAGE))


def values(row: Any) -> dict[str, Any]:
    """A result row as a plain dict."""
    return dict(row._mapping)


def shallow(obj: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict, values as they are: unlike ``asdict`` nested values
    (weekly hours, modifier snapshots) stay objects, for their column types to encode."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}
