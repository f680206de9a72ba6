"""The analytics store on ClickHouse, embedded (chdb) or a server (HTTP), through
clickhouse-connect.

clickhouse-connect is synchronous, so every call runs in a worker thread
(``asyncio.to_thread``). The embedded engine is one per process: open ONE store per process and
share it (a second store on another directory is refused until the first is closed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError

from restman_core.adapters.clickhouse import queries
from restman_core.adapters.clickhouse.connection import (
    check_database_name,
    connect,
    parse_clickhouse_url,
)
from restman_core.adapters.clickhouse.rows import rows_by_table
from restman_core.adapters.clickhouse.schema import FACT_TABLES, schema_statements
from restman_core.domain.analytics import (
    AnalyticsFact,
    AnalyticsScope,
    KitchenTime,
    RevenueSummary,
    StatusCount,
    TopFood,
)
from restman_core.errors import Unavailable

logger = logging.getLogger(__name__)
T = TypeVar("T")


class ClickHouseAnalyticsStore:
    """Implements :class:`restman_core.ports.analytics.AnalyticsStore`.

    Build it with :func:`open_analytics_store`. Every method raises Unavailable when ClickHouse
    fails; the driver's own error is logged and chained, never shown to users.
    """

    def __init__(self, client: Client, database: str, *, embedded: bool) -> None:
        self._client = client
        self._database = check_database_name(database)
        self.embedded = embedded
        # The chdb backend already serialises calls on its handle; holding our own lock as well
        # keeps a multi-statement call (schema, a batch of inserts) from interleaving with
        # another thread's. A server client has no session, so calls may run side by side.
        self._lock: contextlib.AbstractContextManager[Any] = (
            threading.Lock() if embedded else contextlib.nullcontext()
        )

    @property
    def database(self) -> str:
        return self._database

    async def _run(self, work: Callable[[Client], T]) -> T:
        return await asyncio.to_thread(self._call, work)

    def _call(self, work: Callable[[Client], T]) -> T:
        with self._lock:
            try:
                return work(self._client)
            except (ClickHouseError, OSError) as exc:
                logger.warning("analytics store call failed: %s", exc)
                raise Unavailable("the analytics store is unavailable") from exc

    async def ensure_schema(self) -> None:
        """Create the database and fact tables if missing; safe to repeat."""
        statements = schema_statements(self._database)

        def create(client: Client) -> None:
            for statement in statements:
                client.command(statement)

        await self._run(create)

    async def record(self, facts: Sequence[AnalyticsFact]) -> None:
        """One insert per table for the batch. Tables are written one after another, not
        atomically; a caller that retries a failed batch in full loses and doubles nothing,
        because recording is idempotent."""
        batches = rows_by_table(facts)
        if not batches:
            return

        def insert(client: Client) -> None:
            for table, rows in batches.items():
                client.insert(
                    table.name,
                    rows,
                    column_names=table.column_names,
                    column_type_names=table.column_types,
                    database=self._database,
                )

        await self._run(insert)

    async def _select(self, query: queries.Query) -> list[Sequence[Any]]:
        def select(client: Client) -> list[Sequence[Any]]:
            return list(client.query(query.sql, parameters=query.parameters).result_rows)

        return await self._run(select)

    async def top_foods(
        self,
        scope: AnalyticsScope,
        limit: int = 10,
        start: date | None = None,
        end: date | None = None,
    ) -> list[TopFood]:
        query = queries.top_foods_query(self._database, scope, limit, start, end)
        if scope.is_empty:
            return []
        return queries.top_foods_result(await self._select(query))

    async def revenue(
        self, scope: AnalyticsScope, start: date | None = None, end: date | None = None
    ) -> RevenueSummary:
        query = queries.revenue_query(self._database, scope, start, end)
        if scope.is_empty:
            return RevenueSummary.empty()
        return queries.revenue_result(await self._select(query))

    async def orders_by_status(
        self, scope: AnalyticsScope, start: date | None = None, end: date | None = None
    ) -> list[StatusCount]:
        query = queries.orders_by_status_query(self._database, scope, start, end)
        if scope.is_empty:
            return []
        return queries.orders_by_status_result(await self._select(query))

    async def kitchen_times(
        self, scope: AnalyticsScope, start: date | None = None, end: date | None = None
    ) -> list[KitchenTime]:
        query = queries.kitchen_times_query(self._database, scope, start, end)
        if scope.is_empty:
            return []
        return queries.kitchen_times_result(await self._select(query))

    async def health(self) -> None:
        """Return when ClickHouse answers a trivial query; raise Unavailable otherwise."""
        if not await self._run(lambda client: bool(client.ping())):
            raise Unavailable("the analytics store is unavailable")

    async def truncate_all(self) -> None:
        """DESTRUCTIVE: delete every fact in every table (tests and the CLI's reset only).
        The tables stay; run :meth:`ensure_schema` first."""

        def truncate(client: Client) -> None:
            for table in FACT_TABLES:
                client.command(f"TRUNCATE TABLE IF EXISTS {self._database}.{table.name}")

        await self._run(truncate)

    async def close(self) -> None:
        """Close the client; for the embedded engine this frees the engine for another
        directory. Safe to call twice."""
        await asyncio.to_thread(self._close)

    def _close(self) -> None:
        with self._lock:
            try:
                self._client.close()
            except (ClickHouseError, OSError) as exc:
                logger.warning("closing the analytics client failed: %s", exc)


def open_analytics_store(
    url: str, database: str = "restman_analytics", *, connect_timeout: int = 10
) -> ClickHouseAnalyticsStore:
    """Open the analytics store at ``url`` (``chdb:///abs/path``, ``chdb://relative/path``,
    ``chdb://:memory:``, or ``http(s)://[user:password@]host[:port]``).

    Blocking: a server client connects at once, the embedded engine starts (about a second).
    Does not create the schema (call :meth:`ClickHouseAnalyticsStore.ensure_schema`). Raises
    ConfigurationError for a bad URL or database name, or when the embedded engine is already
    open on another directory in this process; Unavailable when ClickHouse cannot be reached
    within ``connect_timeout`` seconds.
    """
    target = parse_clickhouse_url(url)
    check_database_name(database)
    client = connect(target, connect_timeout)
    return ClickHouseAnalyticsStore(client, database, embedded=target.embedded)
