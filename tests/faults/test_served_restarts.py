"""Two more faults under an order load of real processes: a private Redis SIGKILLed and
restarted under the served API and worker (distributed), and an embedded ``restman serve``
(SQLite, pipeline in-process) SIGKILLed and restarted."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from restman_core.adapters.sql import migrate
from tests.core.databases import fresh_database, in_thread, unreachable_reason
from tests.faults.load import assert_converged
from tests.faults.servers import PrivateRedis
from tests.faults.stack import (
    ORDERS,
    assert_clean,
    embedded_stack,
    figures,
    running_stack,
    start_load,
)
from tests.support.services import require, wait_for
from tests.support.tansu import Broker, running_broker

pytestmark = pytest.mark.slow


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    # Sessions live in Redis: an append-only file keeps them across the SIGKILL, as a
    # production Redis holding sessions would.
    (tmp_path / "redis").mkdir()
    server = PrivateRedis(tmp_path / "redis.log", persist_in=tmp_path / "redis")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    reason = unreachable_reason()
    require("PostgreSQL", reason is None, reason or "")
    with fresh_database("faults") as url:
        in_thread(migrate.upgrade, url)
        yield url


@pytest.fixture
def broker() -> Iterator[Broker]:
    with running_broker() as running:
        yield running


@pytest.mark.postgres
@pytest.mark.kafka
async def test_redis_killed_and_restarted_under_the_api(
    tmp_path: Path, private_redis: PrivateRedis, postgres_url: str, broker: Broker
) -> None:
    """The private Redis is SIGKILLed mid-load and restarted on its port: while it is down the
    API answers 503 (never 500); once it is back no request fails on a stale pooled connection,
    and every accepted order ends with its tickets and one bill, analytics equal to SQL."""
    await private_redis.start()
    redis_url = f"redis://127.0.0.1:{private_redis.port}/0"
    async with running_stack(tmp_path, postgres_url, broker, redis_url=redis_url) as stack:
        load, running = await start_load(stack)
        await load.reached(ORDERS // 3)
        private_redis.kill()

        async def refused() -> int:
            return stack.tally.unavailable

        await wait_for(refused, what="a 503 while Redis is down", timeout=60)
        await private_redis.start()
        back = time.monotonic()
        await running
        await assert_converged(stack.client, load, alive=stack.alive)
        figures("Redis kill -9 + restart", load, stack, load.first_accepted_after(back))
        assert_clean(load, stack)
        late = [t - back for t in load.failed_attempts if t > back]
        assert late == [], f"requests sent after Redis was back failed: {late}"


async def test_embedded_serve_killed_and_restarted(tmp_path: Path) -> None:
    """An embedded ``restman serve`` (SQLite, the pipeline in-process) SIGKILLed mid-load and
    restarted on the same data directory: clients retry with their Idempotency-Key, every
    accepted order has exactly its tickets and one bill, analytics equal to SQL, zero 500s."""
    async with embedded_stack(tmp_path) as stack:
        load, running = await start_load(stack)
        await load.reached(ORDERS // 3)
        killed = time.monotonic()
        stack.processes.started[f"serve-{stack.port}"].kill()
        await stack.processes.serve(stack.env, stack.port)
        await running
        await assert_converged(stack.client, load, alive=stack.alive)
        figures("embedded serve kill -9", load, stack, load.first_accepted_after(killed))
        assert_clean(load, stack)
