"""What sharing the embedded analytics store costs: short locked sessions against one session
held open (which only one process could have).

For each design it times report queries (``revenue`` over every restaurant) and batches of
facts (``record``, a batch of orders with one item and one bill each, the analytics consumer's
shape), on the same engine directory with the same facts, and prints the per-call cost and the
ratio shared / held. A third figure runs the shared design while a second process queries the
same store in a loop, so the wait for the other process's sessions is included.

    uv run python bench/analytics_sharing.py [--queries 40] [--batches 10] [--batch-size 100]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from restman_core.adapters.clickhouse.connection import connect, parse_clickhouse_url
from restman_core.adapters.clickhouse.store import (
    ClickHouseAnalyticsStore,
    _HeldClient,
    open_analytics_store,
)
from restman_core.domain.analytics import (
    AnalyticsFact,
    AnalyticsScope,
    BillFact,
    OrderFact,
    OrderItemFact,
)

DATABASE = "restman_bench"


def facts(orders: int) -> list[AnalyticsFact]:
    """``orders`` paid takeaway orders of 2 x 10.00, each with its item and bill."""
    now = datetime.now(UTC)
    restaurant, user, food = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    out: list[AnalyticsFact] = []
    for _ in range(orders):
        order_id = uuid.uuid4()
        out.append(
            OrderFact(
                order_id, restaurant, user, "takeaway", "PLACED", Decimal("22.00"), now, now, 1
            )
        )
        out.append(
            OrderItemFact(
                uuid.uuid4(), order_id, restaurant, food, "Margherita", 2, Decimal("10.00"),
                Decimal("20.00"), now,
            )
        )  # fmt: skip
        out.append(
            BillFact(
                uuid.uuid4(), order_id, restaurant, user, Decimal("20.00"),
                Decimal("2.00"), Decimal("0.00"), Decimal("0.00"), Decimal("22.00"),
                "PENDING", "", now, None, now, 1,
            )
        )  # fmt: skip
    return out


async def per_call(calls: int, call: Callable[[], Awaitable[object]]) -> float:
    """Median seconds per call, after one warm-up call."""
    await call()
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def measure(store: ClickHouseAnalyticsStore, args: argparse.Namespace) -> tuple[float, float]:
    await store.ensure_schema()
    batch = facts(args.batch_size)
    query = await per_call(args.queries, lambda: store.revenue(AnalyticsScope.everything()))
    insert = await per_call(args.batches, lambda: store.record(batch))
    return query, insert


def _other_process(directory: str, stop_at: float) -> None:
    async def loop() -> None:
        store = open_analytics_store(f"chdb://{directory}", DATABASE)
        while time.monotonic() < stop_at:
            await store.revenue(AnalyticsScope.everything())
        await store.close()

    asyncio.run(loop())


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = str(Path(tmp) / "analytics")
        target = parse_clickhouse_url(f"chdb://{directory}")
        held = ClickHouseAnalyticsStore(
            _HeldClient(connect(target, 10), embedded=True), DATABASE, embedded=True
        )
        held_query, held_insert = await measure(held, args)
        await held.close()
        shared = open_analytics_store(f"chdb://{directory}", DATABASE)
        shared_query, shared_insert = await measure(shared, args)
        other = multiprocessing.get_context("spawn").Process(
            target=_other_process, args=(directory, time.monotonic() + 600)
        )
        other.start()
        try:
            await asyncio.sleep(3)  # let the other process start its engine and loop
            busy_query = await per_call(
                args.queries, lambda: shared.revenue(AnalyticsScope.everything())
            )
        finally:
            other.terminate()
            other.join(10)
        await shared.close()
    rows = [
        ("report query", held_query, shared_query),
        (f"batch of {args.batch_size} orders", held_insert, shared_insert),
    ]
    print(f"{'call':<24}{'held open':>12}{'shared':>12}{'ratio':>8}")
    for name, held_s, shared_s in rows:
        ratio = shared_s / held_s
        print(f"{name:<24}{held_s * 1000:>10.1f}ms{shared_s * 1000:>10.1f}ms{ratio:>7.1f}x")
    print(f"report query while another process queries in a loop: {busy_query * 1000:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=100)
    asyncio.run(main(parser.parse_args()))
