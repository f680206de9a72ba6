"""Kitchen consumer: a placed order opens its tickets, items added to an order open addition
tickets, and a cancelled order voids them (its status change already closed them in the same
transaction; this is kept for orders cancelled by software that predates that)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from restman_core.domain.clock import Clock
from restman_core.domain.events import (
    ORDER_CANCELLED,
    ORDER_ITEMS_ADDED,
    ORDER_PLACED,
    TOPIC_ORDER,
    DomainEvent,
)
from restman_core.ports.storage import Database, Transaction
from restman_core.services.kitchen import KitchenService
from restman_core.services.pipeline.base import KITCHEN, TransactionalHandler


class KitchenHandler(TransactionalHandler):
    name = KITCHEN
    topics: tuple[str, ...] = (TOPIC_ORDER,)

    def __init__(self, db: Database, clock: Clock, kitchen: KitchenService) -> None:
        self._kitchen = kitchen
        super().__init__(
            db,
            clock,
            {
                ORDER_PLACED: self._open,
                ORDER_ITEMS_ADDED: self._add,
                ORDER_CANCELLED: self._void,
            },
            {ORDER_PLACED: self._open_many},
        )

    async def _open(self, tx: Transaction, event: DomainEvent) -> None:
        await self._kitchen.open_tickets(tx, event.payload)

    async def _open_many(self, tx: Transaction, events: Sequence[DomainEvent]) -> None:
        await self._kitchen.open_placed(tx, [event.payload for event in events])

    async def _add(self, tx: Transaction, event: DomainEvent) -> None:
        await self._kitchen.open_addition(tx, event.payload)

    async def _void(self, tx: Transaction, event: DomainEvent) -> None:
        await self._kitchen.void_tickets(tx, uuid.UUID(str(event.payload["order_id"])))
