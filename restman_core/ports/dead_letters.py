"""Dead letters: events a consumer gave up on, kept for an operator to inspect, replay or purge.

Both modes keep them in the SQL ``dead_letters`` table (distributed mode also publishes them to
``<topic>.dlq``; the table is what operators act on). A dead letter is named by its consumer and
its event id; :func:`letter_id` / :func:`parse_letter_id` spell that as one string.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from restman_core.domain.events import DomainEvent
from restman_core.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class DeadLetterRecord:
    """One dead letter: the event, which consumer gave up on it, after how many attempts, the
    last error and when it last failed."""

    consumer: str
    event: DomainEvent
    topic: str
    log_seq: int
    error: str
    attempts: int
    failed_at: datetime

    @property
    def id(self) -> str:
        return letter_id(self.consumer, self.event.event_id)


def letter_id(consumer: str, event_id: uuid.UUID) -> str:
    """``<consumer>:<event id>``."""
    return f"{consumer}:{event_id}"


def parse_letter_id(text: str) -> tuple[str, uuid.UUID]:
    """The consumer and event id of ``<consumer>:<event id>``; InvalidInput otherwise."""
    consumer, _, event = text.strip().partition(":")
    try:
        return consumer, uuid.UUID(event)
    except ValueError:
        raise InvalidInput(
            "a dead letter id is <consumer>:<event id>", details={"field": "id"}
        ) from None


class DeadLetterStore(Protocol):
    """The dead letters table. Every method raises Unavailable on an outage."""

    async def page(
        self, consumer: str | None, limit: int, before: datetime | None
    ) -> list[DeadLetterRecord]:
        """At most ``limit`` dead letters (of one consumer or all) that failed strictly before
        ``before``, newest first."""
        ...

    async def get(self, consumer: str, event_id: uuid.UUID) -> DeadLetterRecord | None: ...

    async def count(self) -> int:
        """How many dead letters there are."""
        ...

    async def failed_again(
        self, consumer: str, event_id: uuid.UUID, error: str, failed_at: datetime
    ) -> None:
        """Record one more failed attempt: attempts + 1, the new error and time."""
        ...

    async def remove(self, consumer: str, event_id: uuid.UUID) -> bool:
        """Delete it; False when there was none."""
        ...
