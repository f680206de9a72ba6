"""Analytics at scale: load N synthetic items into a fresh embedded store through the
adapter's own batch write path, then time every report.

    uv run python bench/analytics.py --items 10000000 [--batch-facts 20000] [--keep DIR]
    uv run python bench/analytics.py --items 10000000 --reuse DIR   # re-time a kept store

The stream (``bench/analytics_data.py``) has the platform's proportions: 3.25 items per order,
a third of them with modifier options, one kitchen ticket (a few recalled), one quote and one
bill per order, its payments (some split, some tipped) and a few refunds, every status change a
fact, a share of orders cancelled and a share of batches delivered twice. Each batch is one
:meth:`ClickHouseAnalyticsStore.record` call, the analytics consumer's own call, so the load
rate in facts per second is the facts over the time spent in ``record`` (the session start,
the look-up of stored rows, the planning and the inserts); making the synthetic facts is not
counted, as the consumer's decoding of events is not part of writing them.

Then each report runs, for the whole history and for one month, and one line per report
prints three timings:

- ``first``: the adapter's method as the first call of a freshly opened shared store, which
  includes the session start of the embedded engine (opening the directory under its lock);
- ``call``: the median of five calls on the shared store, as the API makes them one after
  another (the store keeps its session open until another process wants the store);
- ``query``: the median of five on one engine session held open, the report's own cost.

Every figure of every report (each food's quantity and revenue, the revenue summary, every
status, each station and day's count, mean and p90, each restaurant's and the whole quote
error, each payment method, each option) is checked against what the generator expects
(``bench/analytics_expected.py``); a mismatch fails the run.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import shutil
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

from bench.analytics_data import Made, produce
from bench.analytics_expected import Expected, Figures
from bench.cpu import load_average
from restman_core.adapters.clickhouse.connection import connect, parse_clickhouse_url
from restman_core.adapters.clickhouse.schema import FACT_TABLES
from restman_core.adapters.clickhouse.store import (
    ClickHouseAnalyticsStore,
    _HeldClient,
    open_analytics_store,
)
from restman_core.domain.analytics import AnalyticsFact, AnalyticsScope

DATABASE = "restman_bench"
RUNS = 5
Report = Callable[[ClickHouseAnalyticsStore], Awaitable[Any]]
Check = Callable[[Any], object | None]


def reports(expected: Expected) -> list[tuple[str, Report, Check]]:
    """Every report over the whole history and over one month, each with its expected figures
    (a function of the result that returns what was found where it differs, else ``None``)."""
    everyone = AnalyticsScope.everything()
    one = AnalyticsScope.of([expected.restaurant])
    start, end = expected.month
    month: dict[str, Any] = {"start": start, "end": end}
    whole, in_month = expected.whole, expected.in_month
    return [
        ("top foods", lambda s: s.top_foods(everyone, limit=200), foods(whole)),
        ("top foods, month", lambda s: s.top_foods(everyone, 200, **month), foods(in_month)),
        (
            "a restaurant's top foods",
            lambda s: s.top_foods(one, limit=200),
            quantities(expected.restaurant_quantity),
        ),
        (
            "a restaurant's top foods, month",
            lambda s: s.top_foods(one, 200, **month),
            quantities(expected.restaurant_month_quantity),
        ),
        ("revenue", lambda s: s.revenue(everyone), revenue(whole)),
        ("revenue, month", lambda s: s.revenue(everyone, **month), revenue(in_month)),
        ("orders by status", lambda s: s.orders_by_status(everyone), statuses(whole)),
        (
            "orders by status, month",
            lambda s: s.orders_by_status(everyone, **month),
            statuses(in_month),
        ),
        ("kitchen times (avg, p90)", lambda s: s.kitchen_times(everyone), kitchen(whole)),
        ("kitchen times, month", lambda s: s.kitchen_times(everyone, **month), kitchen(in_month)),
        ("quote error (p50, p90)", lambda s: s.quote_errors(everyone), quotes(whole)),
        ("quote error, month", lambda s: s.quote_errors(everyone, **month), quotes(in_month)),
        ("payments per method", lambda s: s.payment_methods(everyone), methods(whole)),
        (
            "payments per method, month",
            lambda s: s.payment_methods(everyone, **month),
            methods(in_month),
        ),
        ("top modifiers", lambda s: s.top_modifiers(everyone, 200), modifiers(whole)),
        (
            "top modifiers, month",
            lambda s: s.top_modifiers(everyone, 200, **month),
            modifiers(in_month),
        ),
    ]


def _differs(found: object, want: object) -> object | None:
    return None if found == want else found


def quantities(want: Counter[Any]) -> Check:
    return lambda result: _differs({f.food_id: f.total_quantity for f in result}, dict(want))


def foods(figures: Figures) -> Check:
    want = {
        food: (quantity, figures.food_revenue[food])
        for food, quantity in figures.food_quantity.items()
    }
    return lambda result: _differs(
        {f.food_id: (f.total_quantity, f.total_revenue) for f in result}, want
    )


def revenue(figures: Figures) -> Check:
    return lambda r: _differs(
        (r.total_orders, r.total_revenue, r.average_order_value, r.tax_total, r.tip_total,
         r.gross_total),
        figures.revenue(),
    )  # fmt: skip


def statuses(figures: Figures) -> Check:
    return lambda result: _differs({s.status: s.count for s in result}, dict(figures.statuses))


def kitchen(figures: Figures) -> Check:
    return lambda result: _differs(result, figures.kitchen_times())


def quotes(figures: Figures) -> Check:
    return lambda result: _differs(result, figures.quote_report())


def methods(figures: Figures) -> Check:
    return lambda result: _differs(result, figures.payment_methods())


def modifiers(figures: Figures) -> Check:
    want = {
        option: (quantity, figures.option_revenue[option])
        for option, quantity in figures.option_quantity.items()
    }
    return lambda result: _differs(
        {m.option_id: (m.total_quantity, m.total_revenue) for m in result}, want
    )


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


def received(batches: Queue[Any], made: list[Made]) -> Iterator[list[AnalyticsFact]]:
    """The producer's batches until its :class:`Made`, which lands in ``made``."""
    while not isinstance(item := batches.get(), Made):
        yield item
    made.append(item)


async def load(directory: str, batches: Iterator[list[AnalyticsFact]]) -> tuple[float, int, int]:
    """Record every batch; the seconds spent in ``record()``, the batches and the facts."""
    store = open_analytics_store(f"chdb://{directory}", DATABASE, lock_timeout_seconds=600)
    await store.ensure_schema()
    recording = 0.0
    count = facts = 0
    for batch in batches:
        started = time.perf_counter()
        await store.record(batch)
        recording += time.perf_counter() - started
        count += 1
        facts += len(batch)
        if count % 100 == 0:
            print(f"  ... {facts:,} facts, {facts / recording:,.0f} facts/s", flush=True)
    await store.close()
    return recording, count, facts


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


async def main(args: argparse.Namespace) -> None:
    root = args.reuse or args.keep or tempfile.mkdtemp(prefix="restman-analytics-bench-")
    directory = str(Path(root) / "analytics")
    if Path(directory).exists() != bool(args.reuse):  # noqa: ASYNC240 - before anything runs
        raise SystemExit(
            f"{directory} is missing: load it with --keep first"
            if args.reuse
            else f"{directory} exists: the benchmark loads a fresh store"
        )
    print(f"load average at start: {load_average()}")
    spawn = multiprocessing.get_context("spawn")
    batches: Queue[Any] = spawn.Queue(maxsize=8)
    producer = spawn.Process(target=produce, args=(args.items, args.batch_facts, batches))
    producer.start()
    try:
        made: list[Made] = []
        if args.reuse:
            # The same stream again for its expected figures; the store holds it already.
            facts = sum(len(batch) for batch in received(batches, made))
            print(f"reused the store of {facts:,} facts ({args.items:,} items)")
            # As a platform opens it: roll-ups this code adds are built from the facts.
            opened = open_analytics_store(f"chdb://{directory}", DATABASE)
            await opened.ensure_schema()
            await opened.close()
        else:
            elapsed, count, facts = await load(directory, received(batches, made))
            print(
                f"loaded {facts:,} facts ({args.items:,} items, {made[0].orders:,} orders) in "
                f"{count:,} batches of {args.batch_facts:,}: {elapsed:.1f} s in record(), "
                f"{facts / elapsed:,.0f} facts/s"
            )
        producer.join()
        expected = made[0].expected
        timed = reports(expected)
        firsts = [await first_call(directory, report) for _, report, _ in timed]
        shared = open_analytics_store(f"chdb://{directory}", DATABASE)
        calls = [await median_seconds(shared, report) for _, report, _ in timed]
        await shared.close()
        target = parse_clickhouse_url(f"chdb://{directory}")
        held = ClickHouseAnalyticsStore(
            _HeldClient(connect(target, 10), embedded=True), DATABASE, embedded=True
        )
        print("active parts, rows:", await held._run(parts(held)))
        print(f"{'report':<34}{'first':>10}{'call':>10}{'query':>10}")
        wrong = []
        for (name, report, check), first, (call, _) in zip(timed, firsts, calls, strict=True):
            query, result = await median_seconds(held, report)
            found = check(result)
            if found is not None:
                wrong.append(f"{name}: wrong figures: {found!r}"[:2000])
            print(
                f"{name:<34}{first * 1000:>8.0f}ms{call * 1000:>8.0f}ms{query * 1000:>8.0f}ms",
                flush=True,
            )
        await held.close()
        print(f"load average at end: {load_average()}")
        if wrong:
            raise SystemExit("\n".join(wrong))
        print("every figure exact")
    finally:
        producer.kill()
        producer.join()
        if not (args.keep or args.reuse):
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--batch-facts", type=int, default=20_000)
    parser.add_argument("--keep", help="load into this directory and keep the store")
    parser.add_argument(
        "--reuse",
        help="time the reports on a store kept by an earlier run with the same --items and "
        "--batch-facts, instead of loading one (its figures are checked again; the schema is "
        "opened first, so roll-ups added since it was loaded are built from its facts)",
    )
    asyncio.run(main(parser.parse_args()))
