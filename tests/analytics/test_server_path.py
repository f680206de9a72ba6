"""What the embedded engine and a ClickHouse server share, checked without a server: the
client library runs one code path for both, and every report's SQL reaches the engine as
written, its values bound as server-side parameters. (No server runs here: what only a server
would show, its answers over HTTP, is not tested.)"""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from clickhouse_connect.driver._backendclient import SyncBackendClient
from clickhouse_connect.driver._chdbclient import ChdbClient
from clickhouse_connect.driver.binding import bind_query
from clickhouse_connect.driver.httpclient import HttpClient

from restman_core.adapters.clickhouse import (
    queries,
    queries_modifiers,
    queries_money,
    queries_quotes,
)
from restman_core.adapters.clickhouse.queries import Query
from restman_core.domain.analytics import AnalyticsScope

_SHARED = ("query", "command", "insert", "_query_with_context", "data_insert", "raw_query")


def test_the_http_and_embedded_clients_share_their_query_and_insert_code() -> None:
    # Both drive the same methods of SyncBackendClient; only the transport under it differs.
    # Should an upgrade of clickhouse-connect give either client code of its own for these,
    # this fails, and the README's "one code path" must be checked again.
    for client in (HttpClient, ChdbClient):
        assert issubclass(client, SyncBackendClient)
        for method in _SHARED:
            assert getattr(client, method) is getattr(SyncBackendClient, method), (client, method)


def _report_queries() -> list[Query]:
    db, scope = "restman", AnalyticsScope.of([uuid4(), uuid4()])
    period = (date(2025, 7, 1), date(2025, 7, 31))
    made = []
    for start, end in ((None, None), period):
        made += [
            queries.top_foods_query(db, scope, 10, start, end),
            queries.revenue_query(db, scope, start, end),
            queries.orders_by_status_query(db, scope, start, end),
            queries.retracted_days_query(db, scope, start, end),
            queries.kitchen_times_query(db, scope, start, end, [date(2025, 7, 2)]),
            queries.kitchen_times_query(db, scope, start, end),
            queries_quotes.quote_errors_query(db, scope, start, end),
            queries_money.money_totals_query(db, scope, start, end),
            queries_money.payment_methods_query(db, scope, start, end),
            queries_modifiers.top_modifiers_query(db, scope, start, end),
        ]
    return made


@pytest.mark.parametrize("query", _report_queries())
def test_every_report_binds_its_values_on_the_server(query: Query) -> None:
    # The client substitutes nothing into the text: the same SQL and the same parameter
    # strings reach the embedded engine and, as HTTP parameters, a server.
    sql, bound = bind_query(query.sql, query.parameters)
    assert sql == query.sql.rstrip(";")
    assert set(bound) == {f"param_{name}" for name in query.parameters}
