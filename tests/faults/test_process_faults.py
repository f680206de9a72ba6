"""Process-level faults of the distributed installation, under load: ``restman serve`` and
``restman worker all`` as real processes on PostgreSQL (a fresh database, shared by the tests of
this module, each on a restaurant of its own) + Redis + tansu (one broker for the module, and one
of its own for the broker fault), while
a few clients place orders through the API. One process is SIGKILLed mid-load and restarted;
after convergence every accepted order has exactly one ticket per station and one bill, the
analytics equal the bills in SQL, and no answer was a 500.

Run with ``-s`` to see each fault's figures (orders accepted, 503s, connection resets, recovery
seconds, events the reconciler repaired).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from restman_core.adapters.sql import migrate
from tests.core.databases import fresh_database, in_thread, unreachable_reason
from tests.faults.load import assert_converged
from tests.faults.stack import ORDERS, assert_clean, figures, running_stack, start_load
from tests.support.services import require, wait_for
from tests.support.tansu import Broker, running_broker

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.kafka]

# Tickets flow again after a worker restart within this bound. The goal is 10 s, and 8.8-9.2 s
# is measured on this 2-core machine with other work running (figures with ``-s``): a static
# member's join never takes less than about 6.1 s on tansu (session timeouts of 2-6 s; 8.1 s at
# 10 s, 26 s at 45 s), and ``restman worker all`` needs 2-3 s to import and connect before it
# joins. Real Kafka hands a restarted static member its partitions back without a rebalance.
# The bound leaves room for a machine loaded by a parallel suite and a busy core.
FAILOVER_BOUND_SECONDS = 30.0


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    reason = unreachable_reason()
    require("PostgreSQL", reason is None, reason or "")
    with fresh_database("faults") as url:
        in_thread(migrate.upgrade, url)
        yield url


@pytest.fixture(scope="module")
def broker() -> Iterator[Broker]:
    with running_broker() as running:
        yield running


@pytest.fixture
def broker_to_kill() -> Iterator[Broker]:
    """A broker of the broker fault's own: once restarted empty, tansu answers some produce
    requests with errors for a while, which must not reach the other faults' figures."""
    with running_broker() as running:
        yield running


async def test_broker_killed_and_restarted_loses_nothing(
    tmp_path: Path, postgres_url: str, broker_to_kill: Broker
) -> None:
    """tansu SIGKILLed mid-load and restarted empty on the same port (it forgets every message
    it acknowledged, and the topics): the relay rebuilds its producer and recreates the topics,
    the reconciler re-applies what the consumers never received, and every accepted order ends
    with exactly its tickets and one bill, analytics equal to SQL, zero 500s."""
    broker = broker_to_kill
    async with running_stack(tmp_path, postgres_url, broker, grace=5) as stack:
        load, running = await start_load(stack)
        await load.reached(ORDERS // 3)
        broker.kill()
        await load.reached(ORDERS // 2)
        broker.start()
        restarted = time.monotonic()
        await running
        await assert_converged(stack.client, load, alive=stack.alive, timeout=120)
        figures("broker kill -9 + restart", load, stack, time.monotonic() - restarted)
        assert_clean(load, stack)


async def test_worker_killed_and_restarted_fails_over_fast(
    tmp_path: Path, postgres_url: str, broker: Broker
) -> None:
    """``restman worker all`` SIGKILLed mid-load while orders keep coming, then restarted with
    the same worker id: the first order placed after the restart has its tickets within
    :data:`FAILOVER_BOUND_SECONDS` of the restart (static membership and a 6 s session on
    tansu), and nothing accepted meanwhile is lost or doubled. The reconciler's grace (15 s) is
    longer than the failover measured, so the tickets come through the consumers, not the
    reconciler."""
    async with running_stack(tmp_path, postgres_url, broker) as stack:
        load, running = await start_load(stack)
        await load.reached(ORDERS // 3)
        stack.processes.started["worker-all"].kill()
        await load.reached(ORDERS // 2)
        restarted = time.monotonic()
        stack.start_worker()
        probe = await load.place_one(load.customers[0])

        async def probe_tickets() -> int:
            stack.alive()
            r = await stack.client.get(
                "/api/kitchen/tickets",
                params={"restaurant_id": load.menu.restaurant_id, "limit": 200},
                headers=load.menu.owner.headers,
            )
            return sum(1 for t in r.json() if t["order_id"] == probe)

        await wait_for(
            probe_tickets,
            what="tickets of the first order after the restart",
            timeout=60,
            interval=0.1,
        )
        recovery = time.monotonic() - restarted
        await running
        await assert_converged(stack.client, load, alive=stack.alive)
        figures("worker kill -9 + restart", load, stack, recovery)
        assert_clean(load, stack)
        assert recovery < FAILOVER_BOUND_SECONDS, f"tickets flowed again after {recovery:.1f} s"


async def test_api_killed_and_restarted_leaves_nothing_half_done(
    tmp_path: Path, postgres_url: str, broker: Broker
) -> None:
    """``restman serve`` SIGKILLed mid-load (requests in flight are reset) and restarted on the
    same port: clients retry with the same Idempotency-Key, every order accepted has exactly its
    tickets and one bill, no order exists that no client was answered for, zero 500s."""
    async with running_stack(tmp_path, postgres_url, broker) as stack:
        load, running = await start_load(stack)
        await load.reached(ORDERS // 3)
        killed = time.monotonic()
        stack.processes.started[f"serve-{stack.port}"].kill()
        await stack.processes.serve(stack.env, stack.port)
        await running
        await assert_converged(stack.client, load, alive=stack.alive)
        figures("API kill -9 + restart", load, stack, load.first_accepted_after(killed))
        assert_clean(load, stack)
