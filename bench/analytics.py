"""Analytics at scale: load N synthetic items into a fresh embedded store through the
adapter's own batch write path, then time every report.

    uv run python bench/analytics.py --items 10000000 [--batch-facts 20000] [--keep DIR]

The stream (``bench/analytics_data.py``) has the platform's proportions: 3.25 items per order,
one kitchen ticket and one bill per order, every status change a fact, a share of orders
cancelled and a share of batches delivered twice. Each batch is one
:meth:`ClickHouseAnalyticsStore.record` call, the analytics consumer's own call, so the load
rate in facts per second is the facts over the time spent in ``record`` (the session start,
the look-up of stored rows, the planning and the inserts); making the synthetic facts is not
counted, as the consumer's decoding of events is not part of writing them.

Then each report runs, for the whole history and for one month, and one line per report
prints three timings:

- ``first``: the adapter's method as the first call of a freshly opened shared store, which
  includes the session start of the embedded engine (opening the directory under its lock);
- ``call``: the median of five calls on the shared store, as the API makes them one after
  another (the store keeps its session open while calls keep coming);
- ``query``: the median of five on one engine session held open, the report's own cost.

Every figure is checked against what the generator expects; a mismatch fails the run.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.analytics_data import Expected, SyntheticStream
from restman_core.adapters.clickhouse.connection import connect, parse_clickhouse_url
from restman_core.adapters.clickhouse.schema import FACT_TABLES
from restman_core.adapters.clickhouse.store import (
    ClickHouseAnalyticsStore,
    _HeldClient,
    open_analytics_store,
)
from restman_core.domain.analytics import AnalyticsScope

DATABASE = "restman_bench"
RUNS = 5
Report = Callable[[ClickHouseAnalyticsStore], Awaitable[Any]]


def reports(expected: Expected) -> list[tuple[str, Report]]:
    """Every report, over the whole history and over one month."""
    everyone = AnalyticsScope.everything()
    one = AnalyticsScope.of([expected.restaurant])
    start, end = expected.month
    month: dict[str, Any] = {"start": start, "end": end}
    return [
        ("top foods", lambda s: s.top_foods(everyone, limit=200)),
        ("top foods, month", lambda s: s.top_foods(everyone, limit=200, **month)),
        ("a restaurant's top foods", lambda s: s.top_foods(one, limit=200)),
        ("a restaurant's top foods, month", lambda s: s.top_foods(one, limit=200, **month)),
        ("revenue", lambda s: s.revenue(everyone)),
        ("revenue, month", lambda s: s.revenue(everyone, **month)),
        ("orders by status", lambda s: s.orders_by_status(everyone)),
        ("orders by status, month", lambda s: s.orders_by_status(everyone, **month)),
        ("kitchen times (avg, p90)", lambda s: s.kitchen_times(everyone)),
        ("kitchen times, month", lambda s: s.kitchen_times(everyone, **month)),
    ]


def check(name: str, result: Any, expected: Expected) -> None:
    """Compare the whole-history figures with the generator's; raise on any difference."""
    found: object
    if name in ("top foods", "top foods, month", "a restaurant's top foods"):
        want = {
            "top foods": expected.quantity,
            "top foods, month": expected.month_quantity,
            "a restaurant's top foods": expected.restaurant_quantity,
        }[name]
        found = {food.food_id: food.total_quantity for food in result}
        ok = found == dict(want)
    elif name == "revenue":
        found = (result.total_orders, result.total_revenue)
        ok = found == (expected.bills, expected.net)
    elif name == "orders by status":
        found = {status.status: status.count for status in result}
        ok = found == dict(expected.statuses)
    elif name == "kitchen times (avg, p90)":
        found = sum(row.tickets for row in result)
        ok = found == expected.ready_tickets
    else:
        return
    if not ok:
        raise SystemExit(f"{name}: wrong figures: {found!r}")


async def median_seconds(store: ClickHouseAnalyticsStore, report: Report) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = await report(store)
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


async def first_call(directory: str, report: Report) -> float:
    """Seconds for ``report`` as the first call of a store just opened (the session start)."""
    store = open_analytics_store(f"chdb://{directory}", DATABASE)
    try:
        started = time.perf_counter()
        await report(store)
        return time.perf_counter() - started
    finally:
        await store.close()


async def load(directory: str, stream: SyntheticStream) -> tuple[float, int]:
    store = open_analytics_store(f"chdb://{directory}", DATABASE, lock_timeout_seconds=600)
    await store.ensure_schema()
    recording = 0.0
    batches = 0
    for batch in stream.batches():
        started = time.perf_counter()
        await store.record(batch)
        recording += time.perf_counter() - started
        batches += 1
        if batches % 100 == 0:
            rate = stream.facts / recording
            print(f"  ... {stream.facts:,} facts, {rate:,.0f} facts/s", flush=True)
    await store.close()
    return recording, batches


def parts(store: ClickHouseAnalyticsStore) -> Callable[[Any], list[tuple[str, int, int]]]:
    def count(client: Any) -> list[tuple[str, int, int]]:
        names = [table.name for table in FACT_TABLES]
        return [
            (str(table), int(active), int(rows))
            for table, active, rows in client.query(
                "SELECT table, count(), sum(rows) FROM system.parts WHERE active "
                "AND database = {db:String} AND table IN {names:Array(String)} GROUP BY table "
                "ORDER BY table",
                parameters={"db": store.database, "names": names},
            ).result_rows
        ]

    return count


def load_average() -> str:
    """``/proc/loadavg``: how busy the shared machine was."""
    return Path("/proc/loadavg").read_text().strip()


async def main(args: argparse.Namespace) -> None:
    root = args.keep or tempfile.mkdtemp(prefix="restman-analytics-bench-")
    directory = str(Path(root) / "analytics")
    if Path(directory).exists():  # noqa: ASYNC240 - before anything runs
        raise SystemExit(f"{directory} exists: the benchmark loads a fresh store")
    stream = SyntheticStream(args.items, batch_facts=args.batch_facts)
    print(f"load average at start: {load_average()}")
    try:
        elapsed, batches = await load(directory, stream)
        print(
            f"loaded {stream.facts:,} facts ({args.items:,} items, {stream.orders:,} orders) in "
            f"{batches:,} batches of {args.batch_facts:,}: {elapsed:.1f} s in record(), "
            f"{stream.facts / elapsed:,.0f} facts/s"
        )
        firsts = [await first_call(directory, report) for _, report in reports(stream.expected)]
        shared = open_analytics_store(f"chdb://{directory}", DATABASE)
        calls = [await median_seconds(shared, report) for _, report in reports(stream.expected)]
        await shared.close()
        target = parse_clickhouse_url(f"chdb://{directory}")
        held = ClickHouseAnalyticsStore(
            _HeldClient(connect(target, 10), embedded=True), DATABASE, embedded=True
        )
        print("active parts, rows:", await held._run(parts(held)))
        print(f"{'report':<34}{'first':>10}{'call':>10}{'query':>10}")
        timed = zip(reports(stream.expected), firsts, calls, strict=True)
        for (name, report), first, (call, _) in timed:
            query, result = await median_seconds(held, report)
            check(name, result, stream.expected)
            print(
                f"{name:<34}{first * 1000:>8.0f}ms{call * 1000:>8.0f}ms{query * 1000:>8.0f}ms",
                flush=True,
            )
        await held.close()
        print(f"load average at end: {load_average()}")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--batch-facts", type=int, default=20_000)
    parser.add_argument("--keep", help="load into this directory and keep the store")
    asyncio.run(main(parser.parse_args()))
