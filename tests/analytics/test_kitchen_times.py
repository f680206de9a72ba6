"""Kitchen times: NEW to READY per station and UTC day, mean and 90th percentile."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from restman_core.adapters.clickhouse import ClickHouseAnalyticsStore
from restman_core.adapters.clickhouse.queries import kitchen_times_query, kitchen_times_result
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


async def test_without_recalls_the_shorter_query_gives_the_same_figures(
    store: ClickHouseAnalyticsStore,
) -> None:
    # No READY version superseded in scope: the store leaves out the look-up of superseded
    # rows; the figures equal those of the query that makes it.
    r = uuid4()
    waits = [30, 45, 60, 61, 90, 120, 240]
    facts = [ticket(uuid4(), r, "fry", at(12, 9), wait, 2) for wait in waits]
    facts.append(ticket(uuid4(), r, "fry", at(12, 9), None, 1))
    await store.record(facts)
    scope = AnalyticsScope.of([r])
    found = await store.kitchen_times(scope)
    full = kitchen_times_query(store.database, scope, None, None, superseded=True)
    rows = await store._run(lambda c: c.query(full.sql, parameters=full.parameters).result_rows)
    assert found == kitchen_times_result(rows)
    # (7 - 1) * 0.9 = 5.4: 120 + 0.4 * (240 - 120)
    assert [(k.station, k.tickets, k.p90_seconds) for k in found] == [("fry", 7, 168.0)]
