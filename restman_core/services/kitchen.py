"""Kitchen tickets: opened from placed orders, driven by cooks, voided with their order."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from restman_core.domain.access import Actor
from restman_core.domain.clock import Clock
from restman_core.domain.courses import clean_course
from restman_core.domain.events import TICKET_CREATED
from restman_core.domain.fire_times import is_due
from restman_core.domain.kitchen import (
    Ticket,
    TicketStatus,
)
from restman_core.domain.menus import clean_station
from restman_core.domain.orders import TERMINAL_ORDER_STATUSES, OrderStatus
from restman_core.errors import Conflict, InvalidInput, NotFound
from restman_core.ports.storage import Database, Page, Transaction
from restman_core.services.access import may_operate, operated_restaurants, scoped
from restman_core.services.courses import auto_fire_next, fire_course
from restman_core.services.ticket_building import tickets_for_order
from restman_core.services.ticket_changes import close_open_tickets, save_ticket, ticket_event

__all__ = ["AllDayLine", "KitchenService", "ticket_event", "tickets_for_order"]

COOKING = frozenset({TicketStatus.NEW, TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS})
MAX_TICKET_PAGE = 200


@dataclass(frozen=True, slots=True)
class AllDayLine:
    """Open quantity of one food across the tickets still being cooked."""

    food_id: uuid.UUID
    food_name: str
    station: str
    quantity: int


class KitchenService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # Platform side (event consumers) -------------------------------------------------------

    async def open_tickets(self, tx: Transaction, placed: Mapping[str, Any]) -> list[Ticket]:
        """Open the tickets of a placed order, unless it already has them. When the order was
        completed or cancelled before its placement reached the kitchen (a relay retry can
        deliver the two out of order), the tickets are closed as the order's status says at
        once, so a closed order never has open tickets and the kitchen never cooks it."""
        return await self.open_placed(tx, [placed])

    async def open_placed(
        self, tx: Transaction, placed: Sequence[Mapping[str, Any]]
    ) -> list[Ticket]:
        """:meth:`open_tickets` for several placed orders (the kitchen consumer's batch) in a
        fixed number of statements whatever their number, plus a few for each order closed
        before its placement reached the kitchen. An order placed twice is opened once."""
        wanted: dict[uuid.UUID, Mapping[str, Any]] = {}
        for data in placed:
            wanted.setdefault(uuid.UUID(data["order_id"]), data)
        opened = await tx.tickets.opened_orders(wanted, 0) if wanted else set()
        todo = {order_id: data for order_id, data in wanted.items() if order_id not in opened}
        if not todo:
            return []
        states = await tx.orders.states(todo)
        now = self._clock.now()
        made: dict[uuid.UUID, list[Ticket]] = {}
        for order_id, data in todo.items():
            state = states.get(order_id)
            voided = state.voided if state else frozenset()
            made[order_id] = self._build(voided, data, 0, None, now)
        tickets = [t for built in made.values() for t in built]
        await tx.tickets.add_many(tickets)
        await tx.outbox.add([ticket_event(TICKET_CREATED, t, None, now) for t in tickets])
        result: list[Ticket] = []
        for order_id, built in made.items():
            state = states.get(order_id)
            status = state.status if state else None
            result += await self._close_if_closed(tx, order_id, status, built, now)
        return result

    async def open_addition(self, tx: Transaction, added: Mapping[str, Any]) -> list[Ticket]:
        """Open the tickets of items added to an order (an order.items_added payload), marked
        as an addition, unless that addition's tickets exist already (a redelivery): the
        addition's ``batch`` number is part of each ticket's unique key."""
        order_id = uuid.UUID(added["order_id"])
        batch = int(added["batch"])
        existing = await tx.tickets.for_order(order_id)
        if any(t.batch == batch for t in existing):
            return []
        # Items of a course already fired are cooked at once; later courses wait with theirs.
        fired = max((t.course for t in existing if not t.held), default=None)
        return await self._open(tx, order_id, added, batch, fired)

    async def _open(
        self,
        tx: Transaction,
        order_id: uuid.UUID,
        data: Mapping[str, Any],
        batch: int,
        fired_up_to: int | None = None,
    ) -> list[Ticket]:
        order = await tx.orders.get(order_id)
        now = self._clock.now()
        voided = frozenset(i.id for i in order.items if i.voided) if order else frozenset()
        tickets = self._build(voided, data, batch, fired_up_to, now)
        await tx.tickets.add_many(tickets)
        await tx.outbox.add([ticket_event(TICKET_CREATED, t, None, now) for t in tickets])
        return await self._close_if_closed(
            tx, order_id, order.status if order else None, tickets, now
        )

    @staticmethod
    def _build(
        voided: frozenset[uuid.UUID],
        data: Mapping[str, Any],
        batch: int,
        fired_up_to: int | None,
        now: datetime,
    ) -> list[Ticket]:
        tickets = tickets_for_order(data, batch=batch, voided=voided, fired_up_to=fired_up_to)
        # A ticket whose every item was voided before it opened has nothing to cook.
        return [
            t.moved_to(TicketStatus.CANCELLED, now) if all(i.voided for i in t.items) else t
            for t in tickets
        ]

    @staticmethod
    async def _close_if_closed(
        tx: Transaction,
        order_id: uuid.UUID,
        status: OrderStatus | None,
        tickets: list[Ticket],
        now: datetime,
    ) -> list[Ticket]:
        """``tickets``, closed as the order's status says when it was completed or cancelled
        before they opened."""
        if status is None or status not in TERMINAL_ORDER_STATUSES:
            return tickets
        closed = {t.id: t for t in await close_open_tickets(tx, order_id, status, now, tickets)}
        return [closed.get(t.id, t) for t in tickets]

    async def void_tickets(self, tx: Transaction, order_id: uuid.UUID) -> list[Ticket]:
        """Cancel the order's tickets that are still open."""
        return await close_open_tickets(tx, order_id, OrderStatus.CANCELLED, self._clock.now())

    # Cooks ---------------------------------------------------------------------------------

    async def _ticket(self, tx: Transaction, actor: Actor, ticket_id: uuid.UUID) -> Ticket:
        ticket = await tx.tickets.get(ticket_id)
        if ticket is None or not await may_operate(tx, actor, ticket.restaurant_id):
            await operated_restaurants(tx, actor)  # Forbidden for roles that never may
            raise NotFound("Kitchen ticket not found")
        return ticket

    async def get_ticket(self, actor: Actor, ticket_id: uuid.UUID) -> Ticket:
        return await self._db.run(lambda tx: self._ticket(tx, actor, ticket_id))

    async def list_tickets(
        self,
        actor: Actor,
        *,
        restaurant_id: uuid.UUID | None = None,
        statuses: frozenset[TicketStatus] | None = None,
        station: str | None = None,
        page: Page = Page(limit=200),
    ) -> Sequence[Ticket]:
        """Tickets of the restaurants the actor operates, oldest first. Stations are matched
        as they are stored (trimmed, lower case), so ``?station=Bar`` finds the bar."""
        wanted_station = clean_station(station)

        async def work(tx: Transaction) -> Sequence[Ticket]:
            allowed = scoped(await operated_restaurants(tx, actor), restaurant_id)
            return await tx.tickets.list(allowed, statuses, wanted_station, page)

        return await self._db.run(work)

    async def _save(self, tx: Transaction, before: Ticket, after: Ticket) -> Ticket:
        return await save_ticket(tx, before, after)

    async def move_ticket(
        self,
        actor: Actor,
        ticket_id: uuid.UUID,
        target: TicketStatus,
        expected_version: int | None = None,
    ) -> Ticket:
        """Bump a ticket (one step, or straight to DELIVERED_TO_SERVICE). Cooks cannot cancel:
        tickets are cancelled with their order. A stale ``expected_version`` is Conflict."""
        if target is TicketStatus.CANCELLED:
            raise InvalidInput(
                "Tickets are cancelled by cancelling their order", details={"field": "status"}
            )

        async def work(tx: Transaction) -> Ticket:
            ticket = await self._ticket(tx, actor, ticket_id)
            ticket.check_version(expected_version)
            if ticket.held:
                raise Conflict(
                    f"Course {ticket.course} is held; fire it first",
                    details={"course": ticket.course},
                )
            now = self._clock.now()
            moved = await self._save(tx, ticket, ticket.moved_to(target, now))
            if target is TicketStatus.DELIVERED_TO_SERVICE:
                await auto_fire_next(tx, ticket.order_id, now)
            return moved

        return await self._db.run(work)

    async def fire(self, actor: Actor, order_id: uuid.UUID, course: object) -> list[Ticket]:
        """Fire a held course of an open order now (owner, staff, admin): its tickets are
        cooked from then on and count in all-day. Returns all the order's tickets. Another
        restaurant's order is NotFound; a closed order or a course already fired a Conflict;
        ``course`` must be 1, 2 or 3."""
        wanted = clean_course(course)
        if wanted is None:
            raise InvalidInput("course is required", details={"field": "course"})

        async def work(tx: Transaction) -> list[Ticket]:
            order = await tx.orders.get(order_id)
            if order is None or not await may_operate(tx, actor, order.restaurant_id):
                await operated_restaurants(tx, actor)  # Forbidden for roles that never may
                raise NotFound("Order not found")
            if order.status in TERMINAL_ORDER_STATUSES:
                raise Conflict(
                    f"The order is {order.status}; nothing is left to fire",
                    details={"status": str(order.status)},
                )
            tickets = await tx.tickets.for_order(order_id)
            await fire_course(tx, tickets, wanted, self._clock.now())
            return list(await tx.tickets.for_order(order_id))

        return await self._db.run(work)

    async def recall(
        self, actor: Actor, ticket_id: uuid.UUID, expected_version: int | None = None
    ) -> Ticket:
        """Undo the last bump of a ticket. A ticket of a completed or cancelled order stays as
        it is (Conflict): no ticket is reopened after its order closed."""

        async def work(tx: Transaction) -> Ticket:
            ticket = await self._ticket(tx, actor, ticket_id)
            ticket.check_version(expected_version)
            order = await tx.orders.get(ticket.order_id)
            if order is not None and order.status in TERMINAL_ORDER_STATUSES:
                raise Conflict(
                    f"The order is {order.status}; its tickets can no longer be recalled",
                    details={"order_status": str(order.status)},
                )
            return await self._save(tx, ticket, ticket.recalled(self._clock.now()))

        return await self._db.run(work)

    async def mark_item(
        self,
        actor: Actor,
        ticket_id: uuid.UUID,
        item_id: uuid.UUID,
        done: bool,
        expected_version: int | None = None,
    ) -> Ticket:
        """Item-level bump: mark one item of a ticket done (or not)."""

        async def work(tx: Transaction) -> Ticket:
            ticket = await self._ticket(tx, actor, ticket_id)
            ticket.check_version(expected_version)
            return await self._save(
                tx, ticket, ticket.with_item_done(item_id, done, self._clock.now())
            )

        return await self._db.run(work)

    async def _cooking(
        self, actor: Actor, restaurant_id: uuid.UUID | None, station: str | None
    ) -> AsyncIterator[Ticket]:
        """Every ticket still being cooked, page by page (a busy service has more than one)."""
        page = Page(limit=MAX_TICKET_PAGE)
        while True:
            batch = await self.list_tickets(
                actor, restaurant_id=restaurant_id, statuses=COOKING, station=station, page=page
            )
            for ticket in batch:
                yield ticket
            if len(batch) < page.limit:
                return
            last = batch[-1]
            page = Page(limit=MAX_TICKET_PAGE, before=last.created_at, before_id=last.id)

    async def all_day(
        self, actor: Actor, *, restaurant_id: uuid.UUID | None = None, station: str | None = None
    ) -> list[AllDayLine]:
        """Open quantity per food over tickets still being cooked (NEW, ACCEPTED, IN_PROGRESS)
        that are due (not held, fire time reached), counting only items not yet marked done
        nor voided; largest first."""
        totals: dict[tuple[uuid.UUID, str], AllDayLine] = {}
        now = self._clock.now()
        async for ticket in self._cooking(actor, restaurant_id, station):
            if ticket.held or not is_due(ticket.fire_at, now):
                continue  # not being cooked yet: its course is held, or its fire time ahead
            for item in ticket.items:
                if item.done or item.voided:
                    continue
                key = (item.food_id, ticket.station)
                seen = totals.get(key)
                totals[key] = AllDayLine(
                    item.food_id,
                    item.food_name,
                    ticket.station,
                    item.quantity + (seen.quantity if seen else 0),
                )
        return sorted(totals.values(), key=lambda line: (-line.quantity, line.food_name))
