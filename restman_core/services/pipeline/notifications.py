"""Notifications consumer: mails the customer when the order becomes READY.

Mail is at least once, and no database lock is held while a mail server talks:

1. a short read-only unit checks whether this event was already mailed (a redelivery) and
   renders the message;
2. the mail is sent, outside any transaction;
3. a second short unit records the event as processed.

A crash (or a failed record) between 2 and 3 sends the mail again on redelivery, which is the
at-least-once promise; it never loses one. A cancelled task (shutdown) does not split the send
from its record: steps 1 to 3 finish first. A mail that cannot be sent raises
:class:`MailNotSent`, an ordinary failure that the consumer retries and finally dead-letters
(the SMTP adapter reports permanent refusals and outages alike as ``Unavailable``, and one bad
address must not hold every later mail back).
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from restman_core.domain.clock import Clock
from restman_core.domain.events import ORDER_STATUS_UPDATED, TOPIC_ORDER, DomainEvent
from restman_core.domain.mail_templates import order_ready
from restman_core.domain.orders import OrderStatus
from restman_core.errors import Unavailable
from restman_core.menu_views import line_label
from restman_core.ports.events import ReceivedEvent
from restman_core.ports.mail import Mailer, MailMessage
from restman_core.ports.storage import Database, Transaction
from restman_core.services.pipeline.base import NOTIFICATIONS

log = logging.getLogger(__name__)


class MailNotSent(Exception):
    """The mailer refused or could not deliver the ready mail (retried, then dead-lettered)."""


class NotificationsHandler:
    name = NOTIFICATIONS
    topics: tuple[str, ...] = (TOPIC_ORDER,)

    def __init__(self, db: Database, clock: Clock, mailer: Mailer) -> None:
        self._db = db
        self._clock = clock
        self._mailer = mailer
        self.sent = 0

    @property
    def event_types(self) -> frozenset[str]:
        """The only event type that may send a mail (and be recorded as processed)."""
        return frozenset({ORDER_STATUS_UPDATED})

    def applies_to(self, event: DomainEvent) -> bool:
        """An order turning READY: the one event this handler mails about and records."""
        return event.event_type == ORDER_STATUS_UPDATED and event.payload.get("new_status") == str(
            OrderStatus.READY
        )

    async def __call__(self, received: ReceivedEvent) -> None:
        event = received.event
        if not self.applies_to(event):
            return
        unit = asyncio.ensure_future(self._notify(event))
        try:
            sent = await asyncio.shield(unit)
        except asyncio.CancelledError:
            # Let the send and its record finish together before giving in to the cancel.
            await asyncio.wait([unit])
            raise
        if sent:
            self.sent += 1

    async def _notify(self, event: DomainEvent) -> bool:
        """Check, send, record; True when a mail went out."""
        due, message = await self._check(event)
        if not due:
            return False
        if message is not None:
            try:
                await self._mailer.send(message)
            except Unavailable as exc:
                raise MailNotSent(str(exc)) from exc
        await self._db.run(
            lambda tx: tx.processed.mark(self.name, event.event_id, self._clock.now())
        )
        return message is not None

    async def _check(self, event: DomainEvent) -> tuple[bool, MailMessage | None]:
        """Whether the event still needs handling, and the mail to send (None: no mail). A
        read-only unit: nothing is written before the mail has gone out."""

        async def unit(tx: Transaction) -> tuple[bool, MailMessage | None]:
            if await tx.processed.seen(self.name, event.event_id):
                return False, None
            return True, await self._message(tx, uuid.UUID(str(event.payload["order_id"])))

        return await self._db.run(unit)

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
            [(item.quantity, line_label(item.food_name, item.modifiers)) for item in order.items],
            str(order.order_type),
            quoted_ready_at=order.quoted_ready_at,
            timezone=restaurant.timezone if restaurant else "UTC",
        )
        return MailMessage(
            to=user.email, subject=rendered.subject, text=rendered.text, html=rendered.html
        )
