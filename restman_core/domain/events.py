"""Domain events and their envelope.

Every change that other parts of the platform react to is recorded as a :class:`DomainEvent`
in the outbox, in the same transaction as the change. Event types are past tense and named as
the original system named them (``order.placed``, ``bill.paid``, ...). The ``key`` is the
ordering key: events with the same key are delivered in the order they were committed (order,
ticket and bill events are keyed by order id, menu events by restaurant id, user events by user
id).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from restman_core.domain.clock import ensure_utc, format_timestamp

SCHEMA_VERSION = 1

TOPIC_USER = "user.events"
TOPIC_MENU = "menu.events"
TOPIC_ORDER = "order.events"
TOPIC_BILL = "bill.events"
TOPICS = (TOPIC_USER, TOPIC_MENU, TOPIC_ORDER, TOPIC_BILL)

# Order placement and kitchen progress.
ORDER_PLACED = "order.placed"
ORDER_STATUS_UPDATED = "order.status_updated"
ORDER_CANCELLED = "order.cancelled"
# Changes to an open order's items: additions (new tickets) and voids.
ORDER_ITEMS_ADDED = "order.items_added"
ORDER_ITEM_VOIDED = "order.item_voided"
TICKET_CREATED = "ticket.created"
TICKET_UPDATED = "ticket.updated"
# Billing.
BILL_GENERATED = "bill.generated"
BILL_PAID = "bill.paid"
BILL_CANCELLED = "bill.cancelled"
# The money of a bill moving: each carries the whole bill and the entry that moved it.
BILL_DISCOUNT_CHANGED = "bill.discount_changed"
BILL_SPLIT = "bill.split"
BILL_PAYMENT_TAKEN = "bill.payment_taken"
BILL_REFUNDED = "bill.refunded"
# The order's items changed (an addition, a void) and the bill follows them.
BILL_REVISED = "bill.revised"


def topic_for(event_type: str) -> str:
    """The topic an event type travels on: ``user.*``/``staff.*`` on user.events, ``menu.*``
    and ``restaurant.*`` on menu.events, ``bill.*`` on bill.events, ``order.*`` and ``ticket.*``
    on order.events (so an order's kitchen progress stays ordered with the order itself)."""
    prefix = event_type.split(".", 1)[0]
    if prefix in ("user", "staff"):
        return TOPIC_USER
    if prefix in ("menu", "restaurant"):
        return TOPIC_MENU
    if prefix == "bill":
        return TOPIC_BILL
    if prefix in ("order", "ticket"):
        return TOPIC_ORDER
    raise ValueError(f"no topic for event type {event_type!r}")


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """One event. ``payload`` holds JSON-ready values only (strings for ids, money and times)."""

    event_type: str
    key: uuid.UUID
    occurred_at: datetime
    payload: Mapping[str, Any]
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)
    schema_version: int = SCHEMA_VERSION

    @property
    def topic(self) -> str:
        return topic_for(self.event_type)

    def envelope(self) -> dict[str, Any]:
        """The wire form: the original's envelope (event_id, event_type, timestamp, data) plus
        the ordering key and schema version."""
        return {
            "event_id": str(self.event_id),
            "event_type": self.event_type,
            "timestamp": format_timestamp(self.occurred_at),
            "key": str(self.key),
            "schema_version": self.schema_version,
            "data": dict(self.payload),
        }

    def to_bytes(self) -> bytes:
        """UTF-8 JSON of :meth:`envelope`."""
        return json.dumps(self.envelope(), separators=(",", ":"), sort_keys=True).encode()

    @classmethod
    def from_envelope(cls, envelope: Mapping[str, Any]) -> DomainEvent:
        """Rebuild an event from its wire form; raises ``ValueError`` when a field is missing or
        malformed (the consumer treats that as a poison message)."""
        try:
            return cls(
                event_id=uuid.UUID(str(envelope["event_id"])),
                event_type=str(envelope["event_type"]),
                key=uuid.UUID(str(envelope["key"])),
                occurred_at=ensure_utc(datetime.fromisoformat(str(envelope["timestamp"]))),
                payload=dict(envelope["data"]),
                schema_version=int(envelope.get("schema_version", SCHEMA_VERSION)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"malformed event envelope: {exc}") from exc

    @classmethod
    def from_bytes(cls, raw: bytes) -> DomainEvent:
        """Parse :meth:`to_bytes` output; raises ``ValueError`` on anything else."""
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"event is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError("event is not a JSON object")
        return cls.from_envelope(data)
