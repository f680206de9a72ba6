"""A broker that restarts empty (tansu keeps everything in memory) loses messages it had
acknowledged: the pipeline must notice and heal without a human.

The relay publishes the first orders while no consumer runs; the broker is killed and started
again, empty, so those events are gone from the log for good. The relay must recover by itself
(fresh producer, topics created again) and publish what comes next; the consumers then see only
the new events, and the reconciler must re-apply the lost ones from the outbox. In the end every
order has exactly its tickets and one bill, and analytics equal SQL.
"""

from __future__ import annotations

import dataclasses
import random
import time
import uuid
from collections.abc import Iterator

import pytest

from restman_core.bootstrap_events import PipelineOptions
from restman_core.services.pipeline import Workers
from tests.pipeline.checks import unpublished
from tests.pipeline.conftest import FAST, PlatformFactory, WorkerStarter
from tests.pipeline.world import (
    analytics_differences,
    assert_exact_tickets_and_bills,
    place_orders,
    seed,
    tickets_and_bills_problems,
)
from tests.support.services import wait_for
from tests.support.tansu import FAST_GROUP_SETTINGS, Broker, running_broker

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


@pytest.fixture
def broker() -> Iterator[Broker]:
    with running_broker() as running:
        yield running


def _repaired(workers: Workers) -> int:
    stats = workers.stats().get("reconciler")
    return int(getattr(stats, "repaired", 0))


async def test_lost_messages_after_a_broker_restart_are_repaired(
    broker: Broker, make_platform: PlatformFactory, start_workers: WorkerStarter
) -> None:
    # The broker comes first, so it is torn down after the workers that talk to it.
    options: PipelineOptions = dataclasses.replace(
        FAST,
        consumer_overrides=FAST_GROUP_SETTINGS,
        topic_prefix=f"b{uuid.uuid4().hex[:8]}.",
        reconcile_interval_seconds=1.0,
        reconcile_grace_seconds=3.0,
    )
    platform = await make_platform(kafka_brokers=broker.bootstrap)
    world = await seed(platform, restaurants=2, customers=4)
    rng = random.Random(7)
    relay = await start_workers(platform, ["relay", "reconciler"], options)
    await place_orders(platform, world, 40, rng)
    await wait_for(
        lambda: unpublished(platform),
        until=lambda n: n == 0,
        what="40 orders published",
        timeout=60,
    )

    broker.kill()  # acknowledged, never consumed: lost with the broker's memory
    broker.start()
    restarted = time.monotonic()
    await place_orders(platform, world, 40, rng)
    await wait_for(
        lambda: unpublished(platform),
        until=lambda n: n == 0,
        what="the relay publishing again after the restart",
        timeout=60,
    )
    resumed = time.monotonic() - restarted
    consumers = ["kitchen", "billing", "orders", "notifications", "analytics"]
    await start_workers(platform, consumers, options)
    await wait_for(
        lambda: tickets_and_bills_problems(platform, world),
        until=lambda problems: not problems,
        what="every order's tickets and bill",
        timeout=120,
    )
    await assert_exact_tickets_and_bills(platform, world)
    await wait_for(
        lambda: analytics_differences(platform),
        until=lambda differences: not differences,
        what="analytics equal to SQL",
        timeout=120,
    )
    assert _repaired(relay) >= 80, "the lost placements were not re-applied by the reconciler"
    print(f"relay resumed {resumed:.1f} s after the broker restart")
