"""The distributed row with embedded analytics: ``restman worker all`` and ``restman serve`` as
two processes on PostgreSQL (a fresh database) + Redis + a Kafka-protocol broker (tansu), with
``CLICKHOUSE_URL`` unset, so both share the chdb engine in one data directory. Orders flow, the
API's analytics equal the bills in SQL, a CLI report agrees, and no answer is a 5xx."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from restman_core.adapters.sql import migrate
from tests.api.harness import Harness
from tests.core.databases import fresh_database, in_thread, unreachable_reason
from tests.e2e.shared import Answers, cli_json, revenue_figures, sql_truth
from tests.support.restman_processes import embedded_env, restman_processes, run_cli
from tests.support.services import REDIS_TEST_URL, TEST_SECRET_KEY, free_port, require, wait_for
from tests.support.tansu import Broker, running_broker

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.kafka]
ORDERS = 10


@pytest.fixture
def postgres_url() -> Iterator[str]:
    reason = unreachable_reason()
    require("PostgreSQL", reason is None, reason or "")
    with fresh_database("shared") as url:
        in_thread(migrate.upgrade, url)
        yield url


@pytest.fixture
def broker() -> Iterator[Broker]:
    with running_broker() as running:
        yield running


async def test_api_and_worker_processes_share_embedded_analytics(
    tmp_path: Path, postgres_url: str, broker: Broker
) -> None:
    env = embedded_env(
        tmp_path / "data",
        DATABASE_URL=postgres_url,
        REDIS_URL=REDIS_TEST_URL,
        KAFKA_BROKERS=broker.bootstrap,
        RESTMAN_SECRET_KEY=TEST_SECRET_KEY,
    )
    port, answers = free_port(), Answers()
    with restman_processes(tmp_path / "logs") as processes:
        worker = processes.start(["worker", "all"], env, "worker-all")
        await processes.serve(env, port)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=60, event_hooks={"response": [answers]}
        ) as client:
            api = Harness(None, client, tmp_path / "data")
            owner, customer = await api.new_user("rest"), await api.new_user("user")
            rid, _, fid = await api.restaurant_with_food(owner, price="9.50")
            for _ in range(ORDERS):
                await api.place(customer, rid, fid, quantity=3)
                r = await client.get(
                    "/api/analytics/revenue", params={"restaurant_id": rid}, headers=owner.headers
                )
                assert r.status_code == 200, r.text
            expected = {"total_orders": ORDERS, "total_revenue": f"{ORDERS * 28.5:.2f}"}

            async def bills() -> object:
                return await sql_truth(client, owner, rid)

            # The worker's consumer groups join tansu with default timeouts (about 25 s).
            truth = await wait_for(
                bills, until=expected.__eq__, what="bills in SQL", timeout=120, interval=0.5
            )

            async def api_revenue() -> object:
                assert worker.running(), processes.log("worker-all")
                r = await client.get(
                    "/api/analytics/revenue", params={"restaurant_id": rid}, headers=owner.headers
                )
                return r.status_code if r.status_code != 200 else revenue_figures(r.json())

            await wait_for(
                api_revenue, until=truth.__eq__, what="API revenue = SQL", timeout=60, interval=0.5
            )
            revenue, foods = await asyncio.gather(
                run_cli(["analytics", "revenue", "--restaurant", rid, "-o", "json"], env),
                run_cli(["analytics", "top-foods", "--restaurant", rid, "-o", "json"], env),
            )
            assert revenue_figures(cli_json(*revenue)) == truth
            assert [f["total_quantity"] for f in cli_json(*foods)] == [ORDERS * 3]
    assert answers.failures == [], answers.failures
