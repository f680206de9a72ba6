"""Orders consumer: kitchen progress moves the order (ACCEPTED, IN_PROGRESS, READY, COMPLETED)
and keeps the quoted ready times of the restaurant's orders current.

The order status follows the CURRENT tickets of the order (not the event's snapshot), so a
late or redelivered ticket event never moves an order backwards; moves that are no longer legal
(the order is completed or cancelled) are ignored and logged by
:meth:`OrderService.follow_kitchen`.

A run of ticket events in one batch is applied at once: every order it names follows its
tickets once (following the same tickets again changes nothing, and following moves orders,
never tickets), with one read of the tickets' statuses, and each restaurant whose queue moved is
quoted again once, after (quoting reads the tickets only, so the order of the two is free).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from restman_core.domain.clock import Clock
from restman_core.domain.events import TICKET_CREATED, TICKET_UPDATED, TOPIC_ORDER, DomainEvent
from restman_core.domain.kitchen import order_status_from_tickets
from restman_core.ports.storage import Database, Transaction
from restman_core.services.orders import OrderService
from restman_core.services.pipeline.base import ORDERS, TransactionalHandler
from restman_core.services.quoting import refresh_quotes


class OrdersHandler(TransactionalHandler):
    name = ORDERS
    topics: tuple[str, ...] = (TOPIC_ORDER,)

    def __init__(self, db: Database, clock: Clock, orders: OrderService) -> None:
        self._orders = orders
        super().__init__(
            db,
            clock,
            {TICKET_CREATED: self._follow, TICKET_UPDATED: self._follow},
            {TICKET_CREATED: self._follow_many, TICKET_UPDATED: self._follow_many},
        )

    async def _follow(self, tx: Transaction, event: DomainEvent) -> None:
        await self._follow_many(tx, [event])

    async def _follow_many(self, tx: Transaction, events: Sequence[DomainEvent]) -> None:
        order_ids = list(dict.fromkeys(uuid.UUID(str(e.payload["order_id"])) for e in events))
        statuses = await tx.tickets.statuses(order_ids)
        for order_id in order_ids:
            target = order_status_from_tickets(statuses.get(order_id, ()))
            if target is not None:
                await self._orders.follow_kitchen(tx, order_id, target)
        # The quotes follow the kitchen too: this order's and those of every order behind it
        # (what each has left to cook, behind whoever came first). A new order's tickets join
        # the end of the queue, where its placement already quoted them, and move nobody
        # ahead: only an addition to an order already queued, or a ticket that moved, does.
        moved = dict.fromkeys(
            uuid.UUID(str(e.payload["restaurant_id"]))
            for e in events
            if e.event_type != TICKET_CREATED or e.payload.get("is_addition")
        )
        for restaurant_id in moved:
            await refresh_quotes(tx, restaurant_id, self._clock.now())
