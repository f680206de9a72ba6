"""Billing consumer: a placed order opens its bill; items added to it or voided revise it; a
cancelled order cancels an unpaid bill."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from restman_core.domain.clock import Clock
from restman_core.domain.events import (
    ORDER_CANCELLED,
    ORDER_ITEM_VOIDED,
    ORDER_ITEMS_ADDED,
    ORDER_PLACED,
    TOPIC_ORDER,
    DomainEvent,
)
from restman_core.ports.storage import Database, Transaction
from restman_core.services.billing import BillingService
from restman_core.services.pipeline.base import BILLING, TransactionalHandler


class BillingHandler(TransactionalHandler):
    name = BILLING
    topics: tuple[str, ...] = (TOPIC_ORDER,)

    def __init__(self, db: Database, clock: Clock, billing: BillingService) -> None:
        self._billing = billing
        super().__init__(
            db,
            clock,
            {
                ORDER_PLACED: self._open,
                ORDER_ITEMS_ADDED: self._revise,
                ORDER_ITEM_VOIDED: self._revise,
                ORDER_CANCELLED: self._cancel,
            },
            {ORDER_PLACED: self._open_many},
        )

    async def _open(self, tx: Transaction, event: DomainEvent) -> None:
        await self._billing.open_bill(tx, event.payload)

    async def _open_many(self, tx: Transaction, events: Sequence[DomainEvent]) -> None:
        await self._billing.open_bills(tx, [event.payload for event in events])

    async def _revise(self, tx: Transaction, event: DomainEvent) -> None:
        await self._billing.revise_bill(tx, uuid.UUID(str(event.payload["order_id"])))

    async def _cancel(self, tx: Transaction, event: DomainEvent) -> None:
        await self._billing.cancel_bill(tx, uuid.UUID(str(event.payload["order_id"])))
