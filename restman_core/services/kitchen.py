"""Kitchen tickets: opened from placed orders, driven by cooks, voided with their order."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from restman_core.domain.access import Actor
from restman_core.domain.clock import Clock, ensure_utc
from restman_core.domain.events import TICKET_CREATED, TICKET_UPDATED, DomainEvent
from restman_core.domain.ids import new_id
from restman_core.domain.kitchen import (
    OPEN_TICKET_STATUSES,
    Ticket,
    TicketItem,
    TicketStatus,
)
from restman_core.domain.menus import clean_station
from restman_core.domain.modifiers import chosen_from_json
from restman_core.domain.orders import OrderStatus
from restman_core.errors import Conflict, InvalidInput, NotFound
from restman_core.ports.storage import Database, Page, Transaction
from restman_core.services.access import may_operate, operated_restaurants, scoped
from restman_core.views import ticket_view

COOKING = frozenset({TicketStatus.NEW, TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS})
MAX_TICKET_PAGE = 200


@dataclass(frozen=True, slots=True)
class AllDayLine:
    """Open quantity of one food across the tickets still being cooked."""

    food_id: uuid.UUID
    food_name: str
    station: str
    quantity: int


def ticket_event(
    kind: str, ticket: Ticket, old_status: TicketStatus | None, at: Any
) -> DomainEvent:
    """``ticket.created`` / ``ticket.updated``, keyed by order id, carrying the full ticket."""
    return DomainEvent(
        event_type=kind,
        key=ticket.order_id,
        occurred_at=at,
        payload={
            "ticket": ticket_view(ticket),
            "order_id": str(ticket.order_id),
            "restaurant_id": str(ticket.restaurant_id),
            "old_status": str(old_status) if old_status else None,
            "new_status": str(ticket.status),
        },
    )


def tickets_for_order(
    placed: Mapping[str, Any], ticket_ids: Mapping[str, uuid.UUID] | None = None
) -> list[Ticket]:
    """One NEW ticket per station the order's items route to (an order.placed payload)."""
    at = ensure_utc(_parse_time(placed["placed_at"]))
    by_station: dict[str, list[TicketItem]] = defaultdict(list)
    for item in placed["items"]:
        by_station[str(item.get("station") or "kitchen")].append(
            TicketItem(
                id=new_id(),
                order_item_id=uuid.UUID(item["id"]),
                food_id=uuid.UUID(item["food_id"]),
                food_name=str(item["food_name"]),
                quantity=int(item["quantity"]),
                notes=item.get("notes"),
                modifiers=tuple(chosen_from_json(m) for m in item.get("modifiers") or ()),
                allergy_note=item.get("allergy_note"),
            )
        )
    return [
        Ticket(
            id=(ticket_ids or {}).get(station) or new_id(),
            order_id=uuid.UUID(placed["order_id"]),
            restaurant_id=uuid.UUID(placed["restaurant_id"]),
            user_id=uuid.UUID(placed["user_id"]),
            station=station,
            status=TicketStatus.NEW,
            version=1,
            order_type=str(placed.get("order_type") or "delivery"),
            table=placed.get("table"),
            special_instructions=placed.get("special_instructions"),
            items=tuple(items),
            created_at=at,
            updated_at=at,
        )
        for station, items in sorted(by_station.items())
    ]


def _parse_time(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class KitchenService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # Platform side (event consumers) -------------------------------------------------------

    async def open_tickets(self, tx: Transaction, placed: Mapping[str, Any]) -> list[Ticket]:
        """Open the tickets of a placed order, unless it already has them. When the order was
        cancelled before its placement reached the kitchen (a relay retry can deliver the two
        out of order), the tickets are voided at once, so a cancelled order never has open
        tickets and the kitchen never cooks it."""
        order_id = uuid.UUID(placed["order_id"])
        if await tx.tickets.for_order(order_id):
            return []
        tickets = tickets_for_order(placed)
        await tx.tickets.add_many(tickets)
        now = self._clock.now()
        await tx.outbox.add([ticket_event(TICKET_CREATED, t, None, now) for t in tickets])
        order = await tx.orders.get(order_id)
        if order is not None and order.status is OrderStatus.CANCELLED:
            return await self.void_tickets(tx, order_id)
        return tickets

    async def void_tickets(self, tx: Transaction, order_id: uuid.UUID) -> list[Ticket]:
        """Cancel the order's tickets that are still open."""
        now = self._clock.now()
        voided = []
        for ticket in await tx.tickets.for_order(order_id):
            if ticket.status in OPEN_TICKET_STATUSES:
                moved = ticket.moved_to(TicketStatus.CANCELLED, now)
                if await tx.tickets.save(moved, ticket.version):
                    voided.append(moved)
                    await tx.outbox.add([ticket_event(TICKET_UPDATED, moved, ticket.status, now)])
        return voided

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
        if not await tx.tickets.save(after, before.version):
            raise Conflict("Ticket changed meanwhile; reload it")
        await tx.outbox.add([ticket_event(TICKET_UPDATED, after, before.status, after.updated_at)])
        return after

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
            return await self._save(tx, ticket, ticket.moved_to(target, self._clock.now()))

        return await self._db.run(work)

    async def recall(
        self, actor: Actor, ticket_id: uuid.UUID, expected_version: int | None = None
    ) -> Ticket:
        """Undo the last bump of a ticket."""

        async def work(tx: Transaction) -> Ticket:
            ticket = await self._ticket(tx, actor, ticket_id)
            ticket.check_version(expected_version)
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
        """Open quantity per food over tickets still being cooked (NEW, ACCEPTED, IN_PROGRESS),
        counting only items not yet marked done; largest first."""
        totals: dict[tuple[uuid.UUID, str], AllDayLine] = {}
        async for ticket in self._cooking(actor, restaurant_id, station):
            for item in ticket.items:
                if item.done:
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
