"""Kitchen times: NEW to READY per station and UTC day, mean and 90th percentile."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from restman_core.adapters.clickhouse import ClickHouseAnalyticsStore
from restman_core.adapters.clickhouse.queries import (
    kitchen_times_query,
    kitchen_times_result,
    retracted_days_query,
)
from restman_core.domain.analytics import AnalyticsFact, AnalyticsScope, KitchenTime
from tests.analytics.builders import at, ticket

D1, D2 = date(2024, 3, 10), date(2024, 3, 11)


def _tickets(r: UUID) -> list[AnalyticsFact]:
    """Grill on 10 March: ten tickets READY after 60, 120, ..., 600 s (mean 330; p90 at rank
    0.9 * 9 = 8.1 is 540 + 0.1 * 60 = 546). The 600 s one was first ready after 200 s, recalled,
    then ready again, with its versions delivered out of order. Another grill ticket was
    ready then recalled, and one never got ready: neither counts.
    Fry: 30 s and 50 s on 10 March (mean 40, p90 48); 90.25 s on 11 March (rounds to 90.3)."""
    facts: list[AnalyticsFact] = []
    for minutes in range(1, 10):
        ticket_id = uuid4()
        facts.append(ticket(ticket_id, r, "grill", at(10, 9, minutes), None, 1))
        facts.append(ticket(ticket_id, r, "grill", at(10, 9, minutes), 60.0 * minutes, 2))
    recooked, recalled, waiting = uuid4(), uuid4(), uuid4()
    facts += [
        ticket(recooked, r, "grill", at(10, 11), 200, 2),
        ticket(recooked, r, "grill", at(10, 11), 600, 4),
        ticket(recooked, r, "grill", at(10, 11), None, 3),
        ticket(recalled, r, "grill", at(10, 12), 100, 2),
        ticket(recalled, r, "grill", at(10, 12), None, 3),
        ticket(waiting, r, "grill", at(10, 13), None, 1),
        ticket(uuid4(), r, "fry", at(10, 8), 30, 2),
        ticket(uuid4(), r, "fry", at(10, 23, 59), 50, 2),
        ticket(uuid4(), r, "fry", at(11, 7), 90.25, 2),
    ]
    return facts


async def test_kitchen_times_per_station_and_day(store: ClickHouseAnalyticsStore) -> None:
    restaurant, other = uuid4(), uuid4()
    facts = _tickets(restaurant)
    await store.record(facts)
    await store.record(facts)  # redelivered
    await store.record([ticket(uuid4(), other, "grill", at(10, 9), 5, 2)])
    times = await store.kitchen_times(AnalyticsScope.of([restaurant]))
    assert times == [
        KitchenTime("fry", D1, 2, 40.0, 48.0),
        KitchenTime("grill", D1, 10, 330.0, 546.0),
        KitchenTime("fry", D2, 1, 90.3, 90.3),
    ]


async def test_kitchen_times_filter_on_the_day_tickets_were_opened(
    store: ClickHouseAnalyticsStore,
) -> None:
    restaurant = uuid4()
    await store.record(_tickets(restaurant))
    scope = AnalyticsScope.of([restaurant])
    assert await store.kitchen_times(scope, start=D2, end=D2) == [
        KitchenTime("fry", D2, 1, 90.3, 90.3)
    ]
    first_day = await store.kitchen_times(scope, end=D1)
    assert [(time.station, time.tickets) for time in first_day] == [("fry", 2), ("grill", 10)]


async def _retracted_days(store: ClickHouseAnalyticsStore, scope: AnalyticsScope) -> list[date]:
    query = retracted_days_query(store.database, scope, None, None)
    rows = await store._select(query)
    return sorted(day for (day,) in rows)


async def _the_long_way(
    store: ClickHouseAnalyticsStore, scope: AnalyticsScope, days: list[date]
) -> list[KitchenTime]:
    """The report with ``days`` summed per duration first (what days with a negative row
    take), whether or not they have one."""
    query = kitchen_times_query(store.database, scope, None, None, days)
    rows = await store._select(query)
    return kitchen_times_result(rows)


async def test_every_day_gives_the_same_figures_either_way(
    store: ClickHouseAnalyticsStore,
) -> None:
    # Summing a day's rows per duration first, as a day holding a not yet folded -1 needs,
    # changes nothing on a day that holds none; shared durations count once per ticket.
    r = uuid4()
    waits = [30, 45, 60, 60, 61, 90, 120, 240, 240]
    facts: list[AnalyticsFact] = [ticket(uuid4(), r, "fry", at(12, 9), w, 2) for w in waits]
    facts.append(ticket(uuid4(), r, "fry", at(12, 9), None, 1))
    facts += _tickets(r)
    await store.record(facts)
    scope = AnalyticsScope.of([r])
    found = await store.kitchen_times(scope)
    assert found == await _the_long_way(store, scope, [D1, D2, date(2024, 3, 12)])
    # (9 - 1) * 0.9 = 7.2: 240 + 0.2 * (240 - 240)
    assert [(k.station, k.tickets, k.p90_seconds) for k in found if k.day.day == 12] == [
        ("fry", 9, 240.0)
    ]


async def test_a_recall_in_a_later_batch_counts_before_and_after_a_merge_folds_it(
    store: ClickHouseAnalyticsStore,
) -> None:
    # The READY version and the recall that supersedes it arrive in batches of their own: the
    # recall's -1 sits in another part than its +1 (a negative row, the day read the long way)
    # until a merge folds the pair away; the figures are the same before and after.
    # September: no other test writes that month, so no batch of theirs crowds the partition
    # into an early compaction.
    r, opened, day = uuid4(), at(10, 9, month=9), date(2024, 9, 10)
    recalled, kept = uuid4(), uuid4()
    await store.record(
        [ticket(recalled, r, "grill", opened, 100, 2), ticket(kept, r, "grill", opened, 100, 2)]
    )
    await store.record([ticket(recalled, r, "grill", opened, None, 3)])
    scope = AnalyticsScope.of([r])
    before = await store.kitchen_times(scope)
    assert before == [KitchenTime("grill", day, 1, 100.0, 100.0)]
    assert await _retracted_days(store, scope) == [day]
    await store._run(
        lambda c: c.command(f"OPTIMIZE TABLE {store.database}.ticket_wait_values FINAL")
    )
    assert await _retracted_days(store, scope) == []
    assert await store.kitchen_times(scope) == before
