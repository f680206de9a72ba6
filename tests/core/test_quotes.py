"""The quote rule with a frozen clock: an order is ready when its slowest station has cleared
the work queued before it and cooked its own; more queued work or more prep never makes a quote
earlier, and a quote is never before now."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from restman_core.adapters.sql.database import SqlDatabase
from restman_core.domain.access import Actor, Role
from restman_core.domain.events import DomainEvent
from restman_core.domain.kitchen import TicketStatus
from restman_core.domain.orders import Order
from restman_core.domain.quotes import (
    QueuedWork,
    own_work,
    queue_ready_times,
    quote_ready_at,
    station_backlog,
)
from restman_core.ports.events import ReceivedEvent
from restman_core.services.pipeline.orders import OrdersHandler
from restman_core.services.quoting import moved_quotes, refresh_quote
from tests.auth.helpers import ManualClock
from tests.core.builders import (
    Core,
    Kitchen,
    add_user,
    build_restaurant,
    order_body,
    outbox_events,
    placed_payload,
)

NOW = datetime(2026, 12, 1, 19, 30, tzinfo=UTC)
stations = st.sampled_from(["grill", "fryer", "bar"])
seconds = st.integers(0, 7200)
loads = st.dictionaries(stations, seconds)


def test_the_grill_queue_decides_the_steak_order() -> None:
    queued = [
        QueuedWork("grill", 600, NOW - timedelta(minutes=4)),  # 6 minutes to go
        QueuedWork("grill", 300, NOW),
        QueuedWork("fryer", 240, NOW - timedelta(minutes=10)),  # done already
    ]
    backlog = station_backlog(queued, NOW)
    assert backlog == {"grill": 660, "fryer": 0}
    work = own_work([("grill", 720), ("fryer", 240), ("fryer", None)])
    assert work == {"grill": 720, "fryer": 240}
    assert quote_ready_at(NOW, backlog, work) == NOW + timedelta(seconds=660 + 720)
    assert quote_ready_at(NOW, backlog, {}) == NOW


@given(loads, loads)
def test_a_quote_is_never_before_now_nor_before_its_own_work(
    backlog: dict[str, int], work: dict[str, int]
) -> None:
    quote = quote_ready_at(NOW, backlog, work)
    assert quote >= NOW
    for station, own in work.items():
        assert quote >= NOW + timedelta(seconds=own + backlog.get(station, 0))


@given(loads, loads, stations, seconds)
def test_more_queued_work_never_makes_a_quote_earlier(
    backlog: dict[str, int], work: dict[str, int], station: str, extra: int
) -> None:
    more = {**backlog, station: backlog.get(station, 0) + extra}
    assert quote_ready_at(NOW, more, work) >= quote_ready_at(NOW, backlog, work)


queues = st.lists(
    st.tuples(stations, seconds, st.integers(0, 7200), st.integers(0, 3)), min_size=1, max_size=12
)


@given(queues, st.integers(0, 10_000))
def test_a_queue_that_did_not_move_rewrites_no_quote(
    raw: list[tuple[str, int, int, int]], later: int
) -> None:
    """The queue is simulated from when each ticket was due, so once its quotes are written, a
    later event with the same queue moves none of them: a customer never sees the time change
    for nothing. Every order is ready no earlier than its own longest prep, and no quote
    written is in the past."""
    ids = [uuid.UUID(int=n + 1) for n in range(4)]
    queued = [
        QueuedWork(station, prep, NOW - timedelta(seconds=ago), order_id=ids[order])
        for station, prep, ago, order in raw
    ]
    ready = queue_ready_times(queued, NOW)
    assert set(ready) == {w.order_id for w in queued}
    for work in queued:
        assert work.order_id is not None
        assert ready[work.order_id] >= work.started_at + timedelta(seconds=work.prep_seconds)
    written = moved_quotes(queued, {}, NOW)
    assert all(quote > NOW for quote in written.values())
    assert written == {o: q for o, q in ready.items() if q > NOW}
    stored = {order_id: written.get(order_id) for order_id in ready}
    assert moved_quotes(queued, stored, NOW + timedelta(seconds=later)) == {}


@dataclass
class Grill:
    """A restaurant whose one food, a steak, takes ten minutes at the grill, on a frozen clock."""

    clock: ManualClock
    core: Core
    owner: Actor
    customer: Actor
    kitchen: Kitchen

    async def place(self, database: SqlDatabase) -> Order:
        """A steak order, its tickets opened as the kitchen consumer opens them."""
        body = order_body(self.kitchen, [("Steak", 1)])
        order = (await self.core.orders.place_order(self.customer, body)).order
        payload = await placed_payload(database, order.id)
        await database.run(lambda tx: self.core.kitchen.open_tickets(tx, payload))
        return order


async def grill_on(database: SqlDatabase) -> Grill:
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    core = Core.on(database, clock)
    owner = await add_user(database, Role.OWNER, "owner")
    customer = await add_user(database, Role.CUSTOMER, "customer")
    foods = {"Steak": {"category": "Mains", "price": "24.00", "prep_time_seconds": 600}}
    kitchen = await build_restaurant(core, owner, categories={"Mains": {}}, foods=foods)
    return Grill(clock, core, owner, customer, kitchen)


async def test_orders_are_quoted_behind_the_queue_and_requoted_as_it_moves(
    database: SqlDatabase,
) -> None:
    """On SQLite and PostgreSQL with a frozen clock: the second steak waits for the first."""
    grill = await grill_on(database)
    clock, core, owner, kitchen = grill.clock, grill.core, grill.owner, grill.kitchen

    async def place() -> Order:
        return await grill.place(database)

    first = await place()
    assert first.quoted_ready_at == clock.now() + timedelta(minutes=10)
    clock.advance(120)
    second = await place()
    assert second.quoted_ready_at == clock.now() + timedelta(minutes=8 + 10)
    clock.advance(60)
    (ticket,) = [t for t in await core.kitchen.list_tickets(owner) if t.order_id == first.id]
    await core.kitchen.move_ticket(owner, ticket.id, TicketStatus.ACCEPTED)
    await core.kitchen.move_ticket(owner, ticket.id, TicketStatus.IN_PROGRESS)
    await core.kitchen.move_ticket(owner, ticket.id, TicketStatus.READY)
    requoted = await database.run(lambda tx: refresh_quote(tx, second.id, kitchen.id, clock.now()))
    assert requoted == clock.now() + timedelta(minutes=10) - timedelta(minutes=1)
    stored = await core.orders.get_order(owner, second.id)
    assert stored.quoted_ready_at == requoted


async def test_the_orders_consumer_moves_every_quote_behind_a_ticket_that_finished_early(
    database: SqlDatabase,
) -> None:
    """On SQLite and PostgreSQL: three steaks queue at the grill a second apart; the first is
    ready two minutes in instead of ten. The orders consumer, fed the kitchen's events as the
    pipeline feeds them (and fed them again), brings the two orders behind it forward, and
    leaves the ready order's quote as it was. A ticket's prep counts from when it was opened,
    or from when the ticket ahead of it at its station is done, as the model in
    domain/quotes.py says: the third steak starts once the second is done."""
    grill = await grill_on(database)
    clock, core, owner = grill.clock, grill.core, grill.owner
    placed: list[Order] = []

    async def place() -> Order:
        return await grill.place(database)

    for _ in range(3):
        placed.append(await place())
        clock.advance(1)
    first, second, third = placed
    handler = OrdersHandler(database, clock, core.orders)

    async def feed(order: Order) -> None:
        for envelope in await outbox_events(database, order.id):
            event = DomainEvent.from_envelope(envelope)
            await handler(ReceivedEvent(event, event.topic, 0, 0))

    async def quotes() -> list[datetime | None]:
        return [(await core.orders.get_order(owner, o.id)).quoted_ready_at for o in placed]

    clock.advance(120)
    (ticket,) = [t for t in await core.kitchen.list_tickets(owner) if t.order_id == first.id]
    for status in (TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS, TicketStatus.READY):
        await core.kitchen.move_ticket(owner, ticket.id, status)
    await feed(first)
    await feed(first)  # a redelivery changes nothing more

    def left(order: Order) -> timedelta:
        return timedelta(seconds=600) - (clock.now() - order.created_at)

    now = clock.now()
    assert await quotes() == [
        first.quoted_ready_at,
        now + left(second),
        now + left(second) + timedelta(seconds=600),
    ]
    assert third.quoted_ready_at is not None
    assert now + left(second) + timedelta(seconds=600) < third.quoted_ready_at  # forward
    assert (await core.orders.get_order(owner, first.id)).status == "READY"
