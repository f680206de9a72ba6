"""The kitchen ticket feed: ticket changes in event-log order, for live kitchen displays.

Ticket changes are ``ticket.created``/``ticket.updated`` events in the outbox; the relay gives
each published event a ``log_seq``, increasing in publish order. That sequence is the feed's
cursor (and the stream's SSE event id), so a display that reconnects resumes exactly after the
last change it saw. Reading the feed works from any process, which makes polling it a
cross-process signal: a change committed by any API instance or worker reaches every display.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class TicketChange:
    """One ticket change: its position in the event log, the event type, the restaurant and the
    full ticket as :func:`restman_core.views.ticket_view` renders it."""

    seq: int
    event_type: str
    restaurant_id: uuid.UUID
    ticket: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class EventLogStatus:
    """How far the event pipeline has got: events not yet published, and the last sequence."""

    unpublished: int
    last_seq: int


class TicketFeed(Protocol):
    async def last_seq(self) -> int:
        """The highest sequence published so far (0 when nothing has been)."""
        ...

    async def changes_after(self, seq: int, *, limit: int) -> Sequence[TicketChange]:
        """Up to ``limit`` ticket changes with a sequence above ``seq``, in sequence order.
        Raises :class:`restman_core.errors.Unavailable` when the store cannot be read."""
        ...

    async def status(self) -> EventLogStatus:
        """The pipeline's backlog and position (for metrics)."""
        ...

    async def wait(self, seconds: float) -> None:
        """Wait up to ``seconds`` before the next read: less when the feed knows new changes
        may be there (a relay in this process numbered events)."""
        ...

    async def close(self) -> None:
        """Release what the feed opened for itself (never the shared database)."""
        ...
