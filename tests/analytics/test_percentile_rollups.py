"""The roll-ups behind the exact percentiles (``ticket_wait_values``, ``quote_error_daily``):
kitchen times and quote errors read from them equal a direct computation over the facts, in
Python and in SQL over the fact tables, for microsecond durations with repeated values,
recalls, re-readies, redeliveries and any delivery order."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from restman_core.adapters.clickhouse import ClickHouseAnalyticsStore
from restman_core.adapters.clickhouse.queries import (
    _seconds,
    kitchen_times_query,
    kitchen_times_result,
)
from restman_core.domain.analytics import AnalyticsFact, AnalyticsScope, KitchenTime
from restman_core.domain.analytics_changes import QuoteError, QuoteFact
from tests.analytics.builders import at, ticket

_DAYS = (10, 11, 12)


def _quantile(values: list[int], level: float) -> float:
    """The linear interpolation between the two nearest ranks, computed as the engine's
    ``quantileExactInclusive`` does (the same float operations in the same order)."""
    ordered = sorted(values)
    h = level * (len(ordered) - 1) + 1
    n = int(h)
    if n >= len(ordered):
        return float(ordered[-1])
    return float(ordered[n - 1]) + (h - n) * float(ordered[n] - ordered[n - 1])


def _direct(waits: dict[tuple[str, date], list[int]]) -> list[KitchenTime]:
    return [
        KitchenTime(
            station,
            day,
            len(values),
            _seconds(sum(values) / len(values)),
            _seconds(_quantile(values, 0.9)),
        )
        for (station, day), values in sorted(waits.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]


def _tickets(
    rng: random.Random, restaurants: list[UUID]
) -> tuple[list[AnalyticsFact], dict[UUID, dict[tuple[str, date], list[int]]]]:
    """Tickets whose live versions are known: waits in microseconds, a few repeated exactly
    (two tickets, one value), a sixth recalled after READY and a sixth of those readied again."""
    facts: list[AnalyticsFact] = []
    live: dict[UUID, dict[tuple[str, date], list[int]]] = {
        r: defaultdict(list) for r in restaurants
    }
    repeated = [rng.randrange(60_000_000, 900_000_000) for _ in range(5)]
    for number in range(400):
        restaurant = rng.choice(restaurants)
        station = rng.choice(("grill", "fry"))
        new_at = at(rng.choice(_DAYS), rng.randrange(8, 22), rng.randrange(60))
        new_at += timedelta(microseconds=rng.randrange(1_000_000))
        wait = rng.choice(repeated) if number % 7 == 0 else rng.randrange(1, 1_500_000_000)
        ticket_id = uuid4()
        versions = [ticket(ticket_id, restaurant, station, new_at, None, 1)]
        versions.append(ticket(ticket_id, restaurant, station, new_at, wait / 1e6, 2))
        shape = number % 6
        if shape == 1:  # recalled: not ready any more
            versions.append(ticket(ticket_id, restaurant, station, new_at, None, 3))
        elif shape == 2:  # recalled, then ready again later
            wait += rng.randrange(1, 300_000_000)
            versions.append(ticket(ticket_id, restaurant, station, new_at, None, 3))
            versions.append(ticket(ticket_id, restaurant, station, new_at, wait / 1e6, 4))
        if versions[-1].ready_at is not None:
            # The fact's own resolution: what the builder's timedelta kept of the wait.
            exact = versions[-1].ready_at - new_at
            live[restaurant][(station, new_at.date())].append(exact // timedelta(microseconds=1))
        facts += versions
    return facts, live


async def _deliver(store: ClickHouseAnalyticsStore, facts: list[Any], rng: random.Random) -> None:
    """Every fact at least once, in shuffled batches, some of them delivered twice."""
    shuffled = list(facts)
    rng.shuffle(shuffled)
    for first in range(0, len(shuffled), 97):
        batch = shuffled[first : first + 97]
        await store.record(batch)
        if first % 3 == 0:
            await store.record(list(reversed(batch)))


def _merged(
    live: dict[UUID, dict[tuple[str, date], list[int]]], restaurants: list[UUID]
) -> dict[tuple[str, date], list[int]]:
    merged: dict[tuple[str, date], list[int]] = defaultdict(list)
    for restaurant in restaurants:
        for key, values in live[restaurant].items():
            merged[key] += values
    return merged


async def _from_facts(store: ClickHouseAnalyticsStore, scope: AnalyticsScope) -> list[Any]:
    """The kitchen times computed straight from ``ticket_timing_facts``: each ticket's latest
    version, kept when it has a ready time (the engine's own quantile, no roll-up)."""
    # argMax skips NULLs: a tuple keeps a recalled version's missing ready time.
    sql = f"""
        SELECT station, day, count(), avg(waited), quantileExactInclusive(0.9)(waited)
        FROM (
            SELECT station, toDate(new_at, 'UTC') AS day,
                   argMax(tuple(ready_at), version).1 AS ready,
                   toUnixTimestamp64Micro(assumeNotNull(ready))
                       - toUnixTimestamp64Micro(new_at) AS waited
            FROM {store.database}.ticket_timing_facts
            WHERE restaurant_id IN {{ids:Array(UUID)}} AND sign = 1
            GROUP BY ticket_id, station, new_at
            HAVING ready IS NOT NULL
        )
        GROUP BY station, day ORDER BY day, station
    """  # noqa: S608 - the test's own database name
    ids = sorted(scope.restaurant_ids)
    return list(await store._run(lambda c: c.query(sql, parameters={"ids": ids}).result_rows))


async def test_kitchen_times_equal_a_direct_computation_over_the_facts(
    store: ClickHouseAnalyticsStore,
) -> None:
    rng = random.Random(19)
    restaurants = [uuid4(), uuid4()]
    facts, live = _tickets(rng, restaurants)
    await _deliver(store, facts, rng)
    both = AnalyticsScope.of(restaurants)
    found = await store.kitchen_times(both)
    assert found == _direct(_merged(live, restaurants))
    assert found == kitchen_times_result(await _from_facts(store, both))
    assert sum(row.tickets for row in found) == sum(
        len(values) for r in restaurants for values in live[r].values()
    )
    one = AnalyticsScope.of(restaurants[:1])
    day = date(2024, 3, 11)
    assert await store.kitchen_times(one, start=day, end=day) == [
        row for row in _direct(live[restaurants[0]]) if row.day == day
    ]
    # Every day summed per duration first (as a day with a negative row is) changes nothing.
    plain = [ticket(uuid4(), restaurants[0], "bar", at(12, 9), w / 1e6, 2) for w in (5, 5, 9)]
    await store.record(plain)
    bar = [row for row in await store.kitchen_times(one) if row.station == "bar"]
    days = [at(d, 0).date() for d in _DAYS]
    query = kitchen_times_query(store.database, one, None, None, days)
    rows = await store._select(query)
    assert bar == [row for row in kitchen_times_result(rows) if row.station == "bar"]
    assert [(row.tickets, row.p90_seconds) for row in bar] == [(3, 0.0)]


def _quote(rng: random.Random, restaurant: UUID, error_micros: int) -> QuoteFact:
    placed = at(rng.choice(_DAYS), rng.randrange(8, 22)) + timedelta(
        microseconds=rng.randrange(10**6)
    )
    quoted = placed + timedelta(minutes=15)
    return QuoteFact(
        uuid4(), restaurant, placed, quoted, quoted + timedelta(microseconds=error_micros)
    )


async def test_quote_errors_equal_a_direct_computation(store: ClickHouseAnalyticsStore) -> None:
    rng = random.Random(7)
    restaurants = sorted([uuid4(), uuid4()], key=str)
    errors: dict[UUID, list[int]] = {r: [] for r in restaurants}
    facts: list[AnalyticsFact] = []
    for number in range(301):
        restaurant = restaurants[number % 2]
        error = rng.randrange(-600_000_000, 1_200_000_000)
        errors[restaurant].append(error)
        facts.append(_quote(rng, restaurant, error))
    await _deliver(store, facts, rng)

    def expected(values: list[int], restaurant: UUID | None) -> QuoteError:
        p50, p90 = (_seconds(_quantile(values, level)) for level in (0.5, 0.9))
        return QuoteError(restaurant, len(values), p50, p90)

    everything = [value for r in restaurants for value in errors[r]]
    assert await store.quote_errors(AnalyticsScope.of(restaurants)) == [
        expected(everything, None),
        *(expected(errors[r], r) for r in restaurants),
    ]
