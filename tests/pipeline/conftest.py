"""Fixtures of the pipeline tests: platforms on a temporary data directory.

Each test gets its own data directory (SQLite file, mail outbox, analytics engine). The
in-process analytics engine is one per process, so every platform made here is closed at the end
of its test, freeing the engine for the next.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from restman_core.bootstrap import Platform, bootstrap
from restman_core.bootstrap_events import PipelineOptions, build_workers
from restman_core.config import Settings
from restman_core.services.pipeline import Workers
from tests.core.databases import fresh_database, unreachable_reason
from tests.support.services import TEST_SECRET_KEY, require

# Short timings so crashes, retries and takeovers happen within a test's patience.
FAST = PipelineOptions(
    relay_lease_seconds=2.0,
    relay_batch_size=50,
    poll_interval_seconds=0.05,
    consumer_batch_size=50,
    max_attempts=3,
    backoff_base_seconds=0.02,
    backoff_max_seconds=0.1,
    analytics_batch_size=200,
    analytics_max_delay_seconds=0.2,
    housekeeping_interval_seconds=3600.0,
    stop_grace_seconds=1.0,
)

PlatformFactory = Callable[..., Awaitable[Platform]]
WorkerStarter = Callable[[Platform, Sequence[str], PipelineOptions], Awaitable[Workers]]


def settings_for(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a data directory, embedded everything unless overridden."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": None,
        "redis_url": None,
        "kafka_brokers": None,
        "smtp_host": None,
        "clickhouse_url": f"chdb://{data_dir}/analytics",
        "kafka_consumer_max_attempts": 3,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def make_platform(tmp_path: Path) -> AsyncIterator[PlatformFactory]:
    """Builds platforms on this test's data directory; closes them all at the end."""
    made: list[Platform] = []

    async def make(**overrides: Any) -> Platform:
        platform = await bootstrap(settings_for(tmp_path / "data", **overrides))
        # PostgreSQL is not migrated by bootstrap, and dead_letters is in no migration yet:
        # create what is missing from the models.
        await platform.db.create_all()
        made.append(platform)
        return platform

    yield make
    for platform in made:
        await platform.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database_overrides(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """Settings overrides for each database the pipeline runs on: the embedded SQLite file, and
    a throw-away PostgreSQL database (SERIALIZABLE, like production)."""
    if request.param == "sqlite":
        yield {}
        return
    reason = unreachable_reason()
    require("postgresql", reason is None, reason or "")
    with fresh_database("pipeline") as url:
        yield {"database_url": url, "secret_key": TEST_SECRET_KEY}


@pytest.fixture
async def start_workers(make_platform: PlatformFactory) -> AsyncIterator[WorkerStarter]:
    """Builds and starts workers; every set started is shut down at the end of the test, on
    every path, before the platforms close (so no worker outlives its platform)."""
    started: list[Workers] = []

    async def start(platform: Platform, kinds: Sequence[str], options: PipelineOptions) -> Workers:
        workers = await build_workers(platform, kinds, options)
        workers.start()
        started.append(workers)
        return workers

    yield start
    for workers in reversed(started):
        await workers.shutdown()
