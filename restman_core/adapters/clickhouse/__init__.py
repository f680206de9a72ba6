"""ClickHouse adapter: the analytics store, embedded through chdb or on a ClickHouse server.

Public API: :func:`open_analytics_store` and :class:`ClickHouseAnalyticsStore`; URL parsing is
exposed for configuration checks.
"""

from restman_core.adapters.clickhouse.connection import (
    ClickHouseTarget,
    client_arguments,
    parse_clickhouse_url,
)
from restman_core.adapters.clickhouse.store import ClickHouseAnalyticsStore, open_analytics_store

__all__ = [
    "ClickHouseAnalyticsStore",
    "ClickHouseTarget",
    "client_arguments",
    "open_analytics_store",
    "parse_clickhouse_url",
]
