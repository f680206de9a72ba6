"""Notifications consumer: mails the customer when the order becomes READY.

The mail is sent inside the unit of work that records the event as processed, after the record
is written: a failed send rolls the record back (the event is retried), and a redelivered event
finds the record and sends nothing. A cancelled task (shutdown) never splits the send from the
commit: the unit finishes first. What remains is the window of a hard crash between the mail
being accepted and the commit, which sends the mail again on redelivery: mail is at least once,
and in practice once.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from restman_core.domain.clock import Clock
from restman_core.domain.events import ORDER_STATUS_UPDATED, TOPIC_ORDER, DomainEvent
from restman_core.domain.mail_templates import order_ready
from restman_core.domain.orders import OrderStatus
from restman_core.ports.events import ReceivedEvent
from restman_core.ports.mail import Mailer, MailMessage
from restman_core.ports.storage import Database, Transaction
from restman_core.services.pipeline.base import NOTIFICATIONS

log = logging.getLogger(__name__)


class NotificationsHandler:
    name = NOTIFICATIONS
    topics: tuple[str, ...] = (TOPIC_ORDER,)

    def __init__(self, db: Database, clock: Clock, mailer: Mailer) -> None:
        self._db = db
        self._clock = clock
        self._mailer = mailer
        self.sent = 0

    async def __call__(self, received: ReceivedEvent) -> None:
        event = received.event
        if event.event_type != ORDER_STATUS_UPDATED:
            return
        if event.payload.get("new_status") != str(OrderStatus.READY):
            return
        unit = asyncio.ensure_future(self._db.run(lambda tx: self._notify(tx, event)))
        try:
            sent = await asyncio.shield(unit)
        except asyncio.CancelledError:
            # Let the send and its record commit together before giving in to the cancel.
            await asyncio.wait([unit])
            raise
        if sent:
            self.sent += 1

    async def _notify(self, tx: Transaction, event: DomainEvent) -> bool:
        if not await tx.processed.mark(self.name, event.event_id, self._clock.now()):
            return False
        message = await self._message(tx, uuid.UUID(str(event.payload["order_id"])))
        if message is not None:
            await self._mailer.send(message)
        return message is not None

    async def _message(self, tx: Transaction, order_id: uuid.UUID) -> MailMessage | None:
        order = await tx.orders.get(order_id)
        if order is None:
            log.warning("order %s is gone; no ready mail", order_id)
            return None
        user = await tx.users.get(order.user_id)
        restaurant = await tx.restaurants.get(order.restaurant_id)
        if user is None or not user.is_active:
            log.info("order %s: customer missing or inactive; no ready mail", order_id)
            return None
        rendered = order_ready(
            restaurant.name if restaurant else "your restaurant",
            order.number,
            [(item.quantity, item.food_name) for item in order.items],
            str(order.order_type),
        )
        return MailMessage(
            to=user.email, subject=rendered.subject, text=rendered.text, html=rendered.html
        )
