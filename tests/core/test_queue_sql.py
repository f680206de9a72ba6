"""The kitchen queue simulated by the database (``adapters/sql/queue_sql.py``) against the
quote model's own fold (``domain/quotes.py``), on SQLite and PostgreSQL: on random queues
(several stations, orders with tickets spread over the queue, scheduled orders whose tickets
are due or not yet, held and finished tickets, microseconds everywhere, more tickets than the
limit), every station's finish and every order's ready time are the fold's to the microsecond,
so a new order's quote, and a requote, is the one the model gives."""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.domain.access import Role
from restman_core.domain.kitchen import Ticket, TicketItem, TicketStatus
from restman_core.domain.quotes import queue_ready_times, stations_done
from restman_core.ports.storage import Transaction
from tests.auth.helpers import ManualClock
from tests.core.builders import Core, add_user, build_restaurant, order_body

STATIONS = ("grill", "fryer", "bar")
STATUSES = (
    TicketStatus.NEW,
    TicketStatus.NEW,
    TicketStatus.ACCEPTED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.READY,
    TicketStatus.CANCELLED,
)


def _ticket(
    rng: random.Random, order_id: uuid.UUID, restaurant_id: uuid.UUID, batch: int, now: datetime
) -> Ticket:
    created = now - timedelta(seconds=rng.randint(0, 3600), microseconds=rng.randint(0, 999_999))
    fire = rng.random() < 0.3
    fire_at = created + timedelta(seconds=rng.randint(-600, 1800), microseconds=rng.randint(0, 9))
    return Ticket(
        id=uuid.uuid4(),
        order_id=order_id,
        restaurant_id=restaurant_id,
        user_id=uuid.uuid4(),
        station=rng.choice(STATIONS),
        status=rng.choice(STATUSES),
        version=1,
        order_type="takeaway",
        table=None,
        special_instructions=None,
        items=(TicketItem(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "Soup", 1, None),),
        created_at=created,
        updated_at=created,
        batch=batch,
        held=rng.random() < 0.1,
        prep_seconds=rng.randint(0, 900),
        fire_at=fire_at if fire else None,
    )


async def test_the_database_simulates_the_queue_as_the_model_does(
    database: SqlDatabase,
) -> None:
    rng = random.Random(14)
    now = datetime.now(UTC).replace(microsecond=123_457)
    core = Core.on(database, ManualClock(now))
    customer = await add_user(database, Role.CUSTOMER, "customer")
    foods = {"Soup": {"category": "Mains", "price": "4.50"}}
    for _ in range(6):
        kitchen = await build_restaurant(core, categories={"Mains": {}}, foods=foods)
        orders = []
        for n in range(8):
            extra = {"pickup_at": (now + timedelta(hours=3)).isoformat()} if n % 3 == 0 else {}
            body = order_body(kitchen, [("Soup", 1)], **extra)
            orders.append((await core.orders.place_order(customer, body)).order.id)
        tickets = [
            _ticket(rng, rng.choice(orders), kitchen.id, batch, now)
            for batch in range(1, rng.randint(2, 40))
        ]

        async def add(tx: Transaction, tickets: list[Ticket] = tickets) -> None:
            await tx.tickets.add_many(tickets)

        await database.run(add)
        for limit in (200, 7):
            for moment in (now, now - timedelta(minutes=20), now + timedelta(minutes=40)):
                by_sql, by_model = await _both(database, kitchen.id, limit, moment)
                assert by_sql == by_model, (limit, moment)
                ready_sql, ready_model = await _ready(database, kitchen.id, limit, moment)
                assert ready_sql == ready_model, (limit, moment)


async def _both(
    database: SqlDatabase, restaurant_id: uuid.UUID, limit: int, now: datetime
) -> tuple[dict[str, datetime], dict[str, datetime]]:
    """Each station's finish as the database simulates it, and as the model folds the queue."""

    async def work(tx: Transaction) -> tuple[dict[str, datetime], dict[str, datetime]]:
        queued = await tx.tickets.queued_work(restaurant_id, limit)
        by_sql = await tx.tickets.stations_done(restaurant_id, limit, now)
        return dict(by_sql), stations_done(queued, now)

    return await database.read(work)


async def _ready(
    database: SqlDatabase, restaurant_id: uuid.UUID, limit: int, now: datetime
) -> tuple[dict[uuid.UUID, datetime], dict[uuid.UUID, datetime]]:
    """Each order's ready time as the database simulates it, and as the model folds it."""

    async def work(tx: Transaction) -> tuple[dict[uuid.UUID, datetime], dict[uuid.UUID, datetime]]:
        queued = await tx.tickets.queued_work(restaurant_id, limit)
        by_sql = await tx.tickets.ready_times(restaurant_id, limit, now)
        return dict(by_sql), queue_ready_times(queued, now)

    return await database.read(work)


async def test_quotes_read_between_commits_follow_the_clock_and_every_commit(
    database: SqlDatabase,
) -> None:
    """On SQLite the stations' finish is kept between commits (``backlog_cache``): read again
    and again as the clock moves past scheduled tickets falling due, and after each commit of
    more tickets, it stays the fold's to the microsecond."""
    rng = random.Random(41)
    now = datetime.now(UTC).replace(microsecond=654_321)
    core = Core.on(database, ManualClock(now))
    customer = await add_user(database, Role.CUSTOMER, "customer")
    kitchen = await build_restaurant(
        core, categories={"Mains": {}}, foods={"Soup": {"category": "Mains", "price": "4.50"}}
    )
    orders = []
    for n in range(6):
        extra = {"pickup_at": (now + timedelta(hours=3)).isoformat()} if n % 2 == 0 else {}
        body = order_body(kitchen, [("Soup", 1)], **extra)
        orders.append((await core.orders.place_order(customer, body)).order.id)
    batches = iter(range(1, 1000))  # a ticket's batch is unique within its order's station
    for batch in range(1, 6):
        tickets = [
            _falling_due(rng, _ticket(rng, rng.choice(orders), kitchen.id, next(batches), now), now)
            for _ in range(rng.randint(3, 9))
        ]

        async def add(tx: Transaction, tickets: list[Ticket] = tickets) -> None:
            await tx.tickets.add_many(tickets)

        await database.run(add)
        for minutes in range(0, 40, 3):  # every 3 minutes: some fire_at fall due in between
            moment = now + timedelta(minutes=minutes, microseconds=rng.randint(0, 999_999))
            for _ in range(2):  # the second read of a moment is the kept one
                by_sql, by_model = await _both(database, kitchen.id, 200, moment)
                assert by_sql == by_model, (batch, minutes)


def _falling_due(rng: random.Random, ticket: Ticket, now: datetime) -> Ticket:
    """Half the tickets fire within the next 35 minutes (counted only once due, when their
    order is scheduled), and none is held: the clock then moves the answer."""
    fire_at = now + timedelta(minutes=rng.randint(1, 35), microseconds=rng.randint(0, 999_999))
    return replace(ticket, held=False, fire_at=fire_at if rng.random() < 0.5 else ticket.fire_at)
