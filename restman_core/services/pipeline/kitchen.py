"""Kitchen consumer: a placed order opens its tickets; a cancelled order voids them."""

from __future__ import annotations

import uuid

from restman_core.domain.clock import Clock
from restman_core.domain.events import ORDER_CANCELLED, ORDER_PLACED, TOPIC_ORDER, DomainEvent
from restman_core.ports.storage import Database, Transaction
from restman_core.services.kitchen import KitchenService
from restman_core.services.pipeline.base import KITCHEN, TransactionalHandler


class KitchenHandler(TransactionalHandler):
    name = KITCHEN
    topics: tuple[str, ...] = (TOPIC_ORDER,)

    def __init__(self, db: Database, clock: Clock, kitchen: KitchenService) -> None:
        self._kitchen = kitchen
        super().__init__(db, clock, {ORDER_PLACED: self._open, ORDER_CANCELLED: self._void})

    async def _open(self, tx: Transaction, event: DomainEvent) -> None:
        await self._kitchen.open_tickets(tx, event.payload)

    async def _void(self, tx: Transaction, event: DomainEvent) -> None:
        await self._kitchen.void_tickets(tx, uuid.UUID(str(event.payload["order_id"])))
