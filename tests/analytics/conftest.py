"""One embedded analytics store (the real ClickHouse engine via chdb) for the whole package.

chdb hosts one engine per process and takes about a second to start, so every test here shares
one store. Tests isolate themselves with fresh restaurant ids; tests that look at every
restaurant start from an emptied store (``clean_store``). The store is closed when the package
finishes, which frees the engine for other test packages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from restman_core.adapters.clickhouse import ClickHouseAnalyticsStore, open_analytics_store


@pytest.fixture(scope="package")
def analytics_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("analytics-engine")


@pytest.fixture(scope="package")
async def store(analytics_dir: Path) -> AsyncIterator[ClickHouseAnalyticsStore]:
    opened = open_analytics_store(f"chdb://{analytics_dir}/analytics", "restman_analytics_test")
    await opened.ensure_schema()
    yield opened
    await opened.close()


@pytest.fixture
async def clean_store(store: ClickHouseAnalyticsStore) -> ClickHouseAnalyticsStore:
    """The shared store with every fact deleted, for tests that report on all restaurants."""
    await store.truncate_all()
    return store
