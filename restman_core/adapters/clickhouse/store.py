"""The analytics store on ClickHouse, embedded (chdb) or a server (HTTP), through
clickhouse-connect.

clickhouse-connect is synchronous, so every call runs in a worker thread. Three ways to reach
the engine, chosen from the URL by :func:`open_analytics_store`:

- ``chdb://<directory>``: sessions under a cross-process file lock, held while calls keep coming
  (:mod:`restman_core.adapters.clickhouse.sharing`), so every process on the machine shares one
  store; calls run one at a time on a thread of the store's own, so callers waiting for the
  lock never fill the event loop's default thread pool.
- ``chdb://:memory:``: one session held open for the store's life (nothing to share).
- ``http(s)://``: one client without a session, calls side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any, TypeVar

from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError

from restman_core.adapters.clickhouse import (
    compaction,
    queries,
    queries_modifiers,
    queries_money,
    queries_quotes,
)
from restman_core.adapters.clickhouse.connection import (
    ClickHouseTarget,
    check_database_name,
    connect,
    parse_clickhouse_url,
)
from restman_core.adapters.clickhouse.migrate import migrate_legacy_tables, rename_legacy_tables
from restman_core.adapters.clickhouse.rollups import ROLLUPS, rollup_statements
from restman_core.adapters.clickhouse.rows import rows_by_table
from restman_core.adapters.clickhouse.schema import FACT_TABLES, schema_statements
from restman_core.adapters.clickhouse.sharing import SharedEmbeddedEngine
from restman_core.adapters.clickhouse.writes import write_batch
from restman_core.domain.analytics import (
    AnalyticsFact,
    AnalyticsScope,
    KitchenTime,
    MethodTotal,
    MoneyTotals,
    RevenueSummary,
    StatusCount,
    TopFood,
)
from restman_core.domain.analytics_changes import ModifierTotal, QuoteError
from restman_core.errors import Unavailable

logger = logging.getLogger(__name__)
T = TypeVar("T")


class _HeldClient:
    """A client kept open: a server client, or the in-memory engine."""

    def __init__(self, client: Client, *, embedded: bool) -> None:
        self._client = client
        # The chdb backend serialises calls on its handle; our own lock as well keeps a
        # multi-statement call (schema, a batch of inserts) from interleaving with another
        # thread's. A server client has no session, so calls may run side by side.
        self._lock: contextlib.AbstractContextManager[Any] = (
            threading.Lock() if embedded else contextlib.nullcontext()
        )

    def run(self, work: Callable[[Client], T]) -> T:
        with self._lock:
            return work(self._client)

    def close(self) -> None:
        with self._lock:
            self._client.close()


class ClickHouseAnalyticsStore:
    """Implements :class:`restman_core.ports.analytics.AnalyticsStore`.

    Build it with :func:`open_analytics_store`. Every method raises Unavailable when ClickHouse
    fails or the store is closed; the driver's own error is logged and chained, never shown to
    users.
    """

    def __init__(
        self,
        engine: _HeldClient | SharedEmbeddedEngine,
        database: str,
        *,
        embedded: bool,
    ) -> None:
        self._engine = engine
        self._database = check_database_name(database)
        self.embedded = embedded
        self._closed = False
        self._executor: ThreadPoolExecutor | None = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="restman-analytics")
            if isinstance(engine, SharedEmbeddedEngine)
            else None
        )

    @property
    def database(self) -> str:
        return self._database

    @property
    def shared(self) -> bool:
        """True when the store is an engine directory shared with other processes."""
        return isinstance(self._engine, SharedEmbeddedEngine)

    async def _run(self, work: Callable[[Client], T]) -> T:
        if self._closed:
            raise Unavailable("the analytics store is closed")
        if self._executor is None:
            return await asyncio.to_thread(self._call, work)
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._call, work)

    def _call(self, work: Callable[[Client], T]) -> T:
        if self._closed:
            raise Unavailable("the analytics store is closed")
        try:
            return self._engine.run(work)
        except (ClickHouseError, OSError) as exc:
            logger.warning("analytics store call failed: %s", exc)
            raise Unavailable("the analytics store is unavailable") from exc

    async def ensure_schema(self) -> None:
        """Create the database and fact tables if missing, and the daily roll-ups with their
        views (a missing roll-up is filled from the stored facts,
        :mod:`restman_core.adapters.clickhouse.rollups`), migrating tables of the previous
        layout (:mod:`restman_core.adapters.clickhouse.migrate`); safe to repeat."""
        statements = schema_statements(self._database)

        def create(client: Client) -> None:
            client.command(statements[0])
            rename_legacy_tables(client, self._database)
            for statement in statements[1:]:
                client.command(statement)
            existing = {
                str(name)
                for (name,) in client.query(
                    "SELECT name FROM system.tables WHERE database = {database:String}",
                    parameters={"database": self._database},
                ).result_rows
            }
            for statement in rollup_statements(existing, self._database):
                client.command(statement)
            migrated = migrate_legacy_tables(client, self._database)
            if migrated:
                logger.info("analytics store migrated: %d stored rows re-recorded", migrated)

        await self._run(create)

    async def record(self, facts: Sequence[AnalyticsFact]) -> None:
        """At most one look-up and one insert per table for the batch, writing only what the
        store lacks (:mod:`restman_core.adapters.clickhouse.writes`); on the embedded engine
        then the roll-up partitions the batch crowded are merged
        (:mod:`restman_core.adapters.clickhouse.compaction`). Tables are written one
        after another, not atomically; a caller that retries a failed batch in full loses and
        doubles nothing, because recording is idempotent."""
        batches = rows_by_table(facts)
        if not batches:
            return

        def write(client: Client) -> None:
            write_batch(client, self._database, batches)
            if self.embedded:
                # Embedded merges rarely finish on their own (compaction's module says why).
                compaction.compact_rollups(client, self._database)

        await self._run(write)

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
        summary = queries.revenue_result(await self._select(query))
        return (await self.money_totals(scope, start, end)).applied_to(summary)

    async def money_totals(
        self, scope: AnalyticsScope, start: date | None = None, end: date | None = None
    ) -> MoneyTotals:
        """Discounts and refunds of the period's live bills (what revenue is net of)."""
        query = queries_money.money_totals_query(self._database, scope, start, end)
        return queries_money.money_totals_result(await self._select(query))

    async def payment_methods(
        self, scope: AnalyticsScope, start: date | None = None, end: date | None = None
    ) -> list[MethodTotal]:
        query = queries_money.payment_methods_query(self._database, scope, start, end)
        if scope.is_empty:
            return []
        return queries_money.payment_methods_result(await self._select(query))

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
        days = queries.retracted_days_query(self._database, scope, start, end)
        if scope.is_empty:
            return []

        def select(client: Client) -> list[Sequence[Any]]:
            # One engine call: on the embedded engine no batch lands between the two reads.
            found = client.query(days.sql, parameters=days.parameters).result_rows
            query = queries.kitchen_times_query(
                self._database, scope, start, end, [day for (day,) in found]
            )
            return list(client.query(query.sql, parameters=query.parameters).result_rows)

        return queries.kitchen_times_result(await self._run(select))

    async def quote_errors(
        self, scope: AnalyticsScope, start: date | None = None, end: date | None = None
    ) -> list[QuoteError]:
        query = queries_quotes.quote_errors_query(self._database, scope, start, end)
        if scope.is_empty:
            return queries_quotes.quote_errors_result([])
        return queries_quotes.quote_errors_result(await self._select(query))

    async def top_modifiers(
        self,
        scope: AnalyticsScope,
        limit: int = 10,
        start: date | None = None,
        end: date | None = None,
    ) -> list[ModifierTotal]:
        query = queries_modifiers.top_modifiers_query(self._database, scope, start, end)
        if scope.is_empty:
            return queries_modifiers.top_modifiers_result([], limit)
        return queries_modifiers.top_modifiers_result(await self._select(query), limit)

    async def health(self) -> None:
        """Return when ClickHouse answers a trivial query; raise Unavailable otherwise."""
        if not await self._run(lambda client: bool(client.ping())):
            raise Unavailable("the analytics store is unavailable")

    async def truncate_all(self) -> None:
        """DESTRUCTIVE: delete every fact in every table and roll-up (tests, the CLI's reset
        and ``analytics rebuild``, which records every fact again).
        The tables stay; run :meth:`ensure_schema` first."""

        def truncate(client: Client) -> None:
            for name in (*(t.name for t in FACT_TABLES), *(r.name for r in ROLLUPS)):
                client.command(f"TRUNCATE TABLE IF EXISTS {self._database}.{name}")

        await self._run(truncate)

    async def close(self) -> None:
        """Close the store: a held client is closed (freeing the in-memory engine), a shared
        store's open session is closed and its lock released. Safe to call twice; later
        calls are Unavailable."""
        if self._closed:
            return
        self._closed = True
        if self._executor is not None:
            # Calls already queued run first (they see the closed flag and fail fast).
            await asyncio.to_thread(self._executor.shutdown, wait=True)
        await asyncio.to_thread(self._close)

    def _close(self) -> None:
        if isinstance(self._engine, SharedEmbeddedEngine):
            try:
                self._engine.close()
            except (ClickHouseError, OSError) as exc:
                logger.warning("closing the analytics session failed: %s", exc)
            return
        if isinstance(self._engine, _HeldClient):
            try:
                self._engine.close()
            except (ClickHouseError, OSError) as exc:
                logger.warning("closing the analytics client failed: %s", exc)


def open_analytics_store(
    url: str,
    database: str = "restman_analytics",
    *,
    connect_timeout: int = 10,
    lock_timeout_seconds: float = 60.0,
) -> ClickHouseAnalyticsStore:
    """Open the analytics store at ``url`` (``chdb:///abs/path``, ``chdb://relative/path``,
    ``chdb://:memory:``, or ``http(s)://[user:password@]host[:port]``).

    Blocking: a server client connects at once and the in-memory engine starts; an engine
    directory is opened only per call (shared with every process on the machine, waiting up to
    ``lock_timeout_seconds`` for another process's call). Does not create the schema (call
    :meth:`ClickHouseAnalyticsStore.ensure_schema`). Raises ConfigurationError for a bad URL or
    database name; Unavailable when ClickHouse cannot be reached within ``connect_timeout``.
    """
    target = parse_clickhouse_url(url)
    check_database_name(database)
    if target.path is not None:
        shared = SharedEmbeddedEngine(
            target.path,
            _opener(target, connect_timeout),
            lock_timeout_seconds=lock_timeout_seconds,
        )
        return ClickHouseAnalyticsStore(shared, database, embedded=True)
    held = _HeldClient(connect(target, connect_timeout), embedded=target.embedded)
    return ClickHouseAnalyticsStore(held, database, embedded=target.embedded)


def _opener(target: ClickHouseTarget, connect_timeout: int) -> Callable[[], Client]:
    return lambda: connect(target, connect_timeout)
