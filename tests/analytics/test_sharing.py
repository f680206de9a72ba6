"""Several processes share one embedded store: a process keeps its session open between calls
and lets go when another process waits, when idle, and when closed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

from restman_core.adapters.clickhouse import ClickHouseAnalyticsStore, open_analytics_store
from restman_core.adapters.clickhouse.sharing import SharedEmbeddedEngine
from restman_core.domain.analytics import AnalyticsScope
from tests.analytics.builders import at, item, order
from tests.support.services import wait_for

DATABASE = "restman_sharing_test"

# A second process: records `orders` orders of one item (2 x 5.00) for its restaurant, one
# batch each, reading its restaurant's top foods after every batch, then prints the last.
_OTHER = """
import asyncio, sys, uuid
from restman_core.adapters.clickhouse import open_analytics_store
from restman_core.domain.analytics import AnalyticsScope
from tests.analytics.builders import at, item, order

async def main(url: str, database: str, restaurant: uuid.UUID, orders: int) -> None:
    store = open_analytics_store(url, database, lock_timeout_seconds=60)
    food = uuid.uuid4()
    for n in range(orders):
        order_id = uuid.uuid4()
        await store.record([
            order(order_id, restaurant, "PLACED", 1, at(3, 12, n)),
            item(order_id, restaurant, food, "Soup", 2, "5.00", at(3, 12, n)),
        ])
        foods = await store.top_foods(AnalyticsScope.of([restaurant]))
    await store.close()
    print(foods[0].total_quantity, foods[0].total_revenue, flush=True)

asyncio.run(main(sys.argv[1], sys.argv[2], uuid.UUID(sys.argv[3]), int(sys.argv[4])))
"""


def _engine(store: ClickHouseAnalyticsStore) -> SharedEmbeddedEngine:
    engine = store._engine
    assert isinstance(engine, SharedEmbeddedEngine)
    return engine


def _start_other(url: str, restaurant: uuid.UUID, orders: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", _OTHER, url, DATABASE, str(restaurant), str(orders)],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
        start_new_session=True,
    )


def _end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(30)


async def _open(url: str, idle_seconds: float) -> ClickHouseAnalyticsStore:
    store = open_analytics_store(url, DATABASE)
    _engine(store)._idle = idle_seconds
    await store.ensure_schema()
    return store


async def test_two_processes_writing_and_reading_at_once_both_see_exact_figures(
    tmp_path: Path,
) -> None:
    url = f"chdb://{tmp_path}/analytics"
    store = await _open(url, idle_seconds=600)
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    other = _start_other(url, theirs, 8)
    try:
        food, recorded = uuid.uuid4(), 0
        # This process keeps calling (its session would stay open for ten minutes) until the
        # other one, which needs the store for every call, is done.
        while other.poll() is None or recorded < 8:
            order_id = uuid.uuid4()
            await store.record(
                [
                    order(order_id, mine, "PLACED", 1, at(4, 12, recorded % 60)),
                    item(order_id, mine, food, "Pie", 1, "3.00", at(4, 12, recorded % 60)),
                ]
            )
            recorded += 1
            await store.orders_by_status(AnalyticsScope.of([mine]))
        assert other.stdout is not None
        assert other.stdout.read().split() == [b"16", b"80.00"]
        assert other.returncode == 0
        foods = await store.top_foods(AnalyticsScope.of([mine, theirs]))
        assert {(f.food_name, f.total_quantity) for f in foods} == {("Soup", 16), ("Pie", recorded)}
        # With nobody else waiting, calls reuse this process's open session.
        engine = _engine(store)
        opened = engine.sessions
        for _ in range(5):
            await store.revenue(AnalyticsScope.of([mine]))
        assert engine.sessions == opened
        assert engine.session_open
    finally:
        _end(other)
        await store.close()
    assert not _engine(store).session_open


async def test_an_idle_open_session_is_released_to_a_waiting_process(tmp_path: Path) -> None:
    url = f"chdb://{tmp_path}/analytics"
    store = await _open(url, idle_seconds=600)
    try:
        await store.health()
        assert _engine(store).session_open
        other = _start_other(url, uuid.uuid4(), 2)
        try:
            assert other.stdout is not None
            assert (await asyncio.to_thread(other.stdout.read)).split() == [b"4", b"20.00"]
            assert other.wait(30) == 0
        finally:
            _end(other)
        assert not _engine(store).session_open
        # The next call opens a session again and sees what the other process wrote.
        statuses = await store.orders_by_status(AnalyticsScope.everything())
        assert [(s.status, s.count) for s in statuses] == [("PLACED", 2)]
    finally:
        await store.close()


async def test_a_session_is_closed_after_an_idle_moment(tmp_path: Path) -> None:
    store = await _open(f"chdb://{tmp_path}/analytics", idle_seconds=0.05)
    try:
        engine = _engine(store)
        await store.health()
        # Counted after the call: on a loaded machine the schema's session may already have
        # closed as idle before it, so the call may have opened a second one.
        opened = engine.sessions

        async def still_open() -> bool:
            return engine.session_open

        await wait_for(still_open, what="the idle session to close", until=lambda o: not o)
        await store.health()
        assert engine.sessions == opened + 1
    finally:
        await store.close()
