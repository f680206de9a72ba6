"""Three-course dine-in orders through the distributed pipeline (the relay to a Kafka-protocol
broker, the kitchen, orders and billing consumers), on SQLite and on PostgreSQL.

Two restaurants serve starters, mains and desserts at several stations with different prep
times: one fires its later courses by hand, the other by itself (``auto_fire_courses``). The
starters fire at placement and the later courses are held; the cooks bump each course to READY
once its fire times are reached, the expediter sends it out, and the next course is fired by
staff or fires by itself, until the order completes. After the mains were fired the consumers
are killed and started again. In the end every order is COMPLETED with exactly one ticket per
station and course of its items, all delivered, none held or open, one bill equal to its items,
and each course's fire times as the rule says (docs/kitchen.md): shorter prep fires later, so
the course is ready together.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from restman_core.bootstrap import Platform
from restman_core.bootstrap_events import PipelineOptions
from restman_core.domain.kitchen import TicketStatus
from restman_core.domain.orders import Order, OrderStatus
from restman_core.errors import Conflict
from restman_core.services.pipeline import Workers
from tests.pipeline.checks import handler_of, orders_not_in, unpublished
from tests.pipeline.conftest import FAST, PlatformFactory, WorkerStarter
from tests.pipeline.courses import (
    DiningRoom,
    add_customers,
    bill_problems,
    cooked_steps,
    events_not_applied,
    fire_time_problems,
    open_restaurant,
    order_tickets,
    seat_tables,
    tickets_problems,
)
from tests.support.services import wait_for
from tests.support.tansu import FAST_GROUP_SETTINGS, Broker, running_broker

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

KINDS = ("relay", "kitchen", "orders", "billing")
TABLES_PER_RESTAURANT = 4
# The whole flow has a bound, so that a stall fails with a traceback instead of hanging.
FLOW_BOUND_SECONDS = 300

# When each (order, course) fired: the moment lies between the two clock readings.
Fired = dict[tuple[uuid.UUID, int], tuple[datetime, datetime]]


@pytest.fixture(scope="module")
def broker() -> Iterator[Broker]:
    with running_broker() as running:
        yield running


async def test_three_courses_are_served_once_through_killed_workers(
    make_platform: PlatformFactory,
    start_workers: WorkerStarter,
    broker: Broker,
    database_overrides: dict[str, Any],
) -> None:
    options = dataclasses.replace(
        FAST, consumer_overrides=FAST_GROUP_SETTINGS, topic_prefix=f"t{uuid.uuid4().hex[:8]}."
    )
    platform = await make_platform(kafka_brokers=broker.bootstrap, **database_overrides)
    async with asyncio.timeout(FLOW_BOUND_SECONDS):
        await _three_courses(platform, start_workers, options)


async def _three_courses(
    platform: Platform, start_workers: WorkerStarter, options: PipelineOptions
) -> None:
    room = DiningRoom()
    await add_customers(platform, room, 3)
    rng = random.Random(23)
    for auto_fire in (False, True):
        restaurant_id = await open_restaurant(platform, room, auto_fire=auto_fire)
        await seat_tables(platform, room, restaurant_id, TABLES_PER_RESTAURANT, rng)
    workers = await start_workers(platform, KINDS, options)
    await wait_for(
        lambda: tickets_problems(platform, room),
        until=lambda problems: not problems,
        what="every order's tickets, one per station and course",
        timeout=120,
    )
    # Placement fired the starters (their moment is the order's), and held the rest.
    fired: Fired = {(o.id, 1): (o.created_at, o.created_at) for o in room.orders}
    for order in room.orders:
        tickets = await order_tickets(platform, order.id)
        assert fire_time_problems(room, tickets, 1, fired[(order.id, 1)]) == []
        later = [t for t in tickets if t.course > 1]
        assert later
        assert all(t.held and t.fire_at is None for t in later)

    await _serve(platform, room, fired, 1)
    # Mid-service, with the mains fired: the consumers die as in a crash (nothing flushed,
    # saved or released) and new ones take over from what was committed.
    await workers.kill()
    workers = await start_workers(platform, KINDS, options)
    await _serve(platform, room, fired, 2)
    await _serve(platform, room, fired, 3)

    await _drained(platform, workers)
    assert await orders_not_in(platform, room.orders, OrderStatus.COMPLETED) == []
    assert await tickets_problems(platform, room) == []  # nothing lost, nothing twice
    for order in room.orders:
        tickets = await order_tickets(platform, order.id)
        assert {(t.status, t.held) for t in tickets} == {(TicketStatus.DELIVERED_TO_SERVICE, False)}
        for course in (1, 2, 3):
            assert fire_time_problems(room, tickets, course, fired[(order.id, course)]) == []
    await wait_for(
        lambda: bill_problems(platform, room),
        until=lambda problems: not problems,
        what="one bill per order, equal to its items",
    )
    await workers.shutdown()


async def _serve(platform: Platform, room: DiningRoom, fired: Fired, course: int) -> None:
    """Every order's ``course`` cooked, sent out, and the next course fired (by staff, or by
    the restaurant itself); after the desserts the orders are COMPLETED. The tables are served
    at once, as by several cooks."""
    await asyncio.gather(*(_serve_order(platform, room, fired, o, course) for o in room.orders))


async def _serve_order(
    platform: Platform, room: DiningRoom, fired: Fired, order: Order, course: int
) -> None:
    owner = room.owners[order.restaurant_id]
    tickets = [t for t in await order_tickets(platform, order.id) if t.course == course]
    due = max(t.fire_at for t in tickets if t.fire_at is not None)
    # A bump before a ticket's fire time would start it early (and move its fire_at): the
    # cooks wait for the last one of the course to be due.
    await wait_for(
        lambda: _seconds_until(platform, due),
        until=lambda left: left <= 0,
        what=f"course {course} of {order.number} due",
    )
    for ticket in tickets:
        for step in cooked_steps(ticket.status):
            await platform.kitchen.move_ticket(owner, ticket.id, step)
    before = platform.clock.now()
    expo = await platform.expo.deliver(owner, order.id)
    after = platform.clock.now()
    if course == 3:
        assert expo.order.status is OrderStatus.COMPLETED
        return
    assert expo.order.status is not OrderStatus.COMPLETED
    following = [t for t in expo.tickets if t.course == course + 1]
    if room.auto_fire[order.restaurant_id]:
        assert not any(t.held for t in following)
        fired[(order.id, course + 1)] = (before, after)
        with pytest.raises(Conflict):  # it fired by itself: firing it again is refused
            await platform.kitchen.fire(owner, order.id, course + 1)
        return
    assert following
    assert all(t.held for t in following)
    with pytest.raises(Conflict):  # a held course is not cooked before it is fired
        await platform.kitchen.move_ticket(owner, following[0].id, TicketStatus.ACCEPTED)
    before = platform.clock.now()
    await platform.kitchen.fire(owner, order.id, course + 1)
    fired[(order.id, course + 1)] = (before, platform.clock.now())


async def _seconds_until(platform: Platform, moment: datetime) -> float:
    return (moment - platform.clock.now()).total_seconds()


async def _drained(platform: Platform, workers: Workers) -> None:
    """Wait until the relay published everything and each consumer applied every event of its
    types, so that late or redelivered events have had their chance to do harm."""
    await wait_for(
        lambda: unpublished(platform), until=lambda n: n == 0, what="an empty outbox", timeout=60
    )
    consumers = {name: handler_of(workers, name).event_types for name in KINDS[1:]}
    await wait_for(
        lambda: events_not_applied(platform, consumers),
        until=lambda behind: not behind,
        what="every event applied by its consumers",
        timeout=90,
    )
