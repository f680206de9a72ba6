"""The published log read again from a position: what ``restman events replay`` feeds a
consumer's handler. Embedded and distributed alike, the outbox holds it (until housekeeping
prunes rows older than the retention)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from restman_core.ports.reconcile import LoggedEvent


class EventHistory(Protocol):
    async def published_from(
        self, log_seq: int, topics: Collection[str], limit: int
    ) -> Sequence[LoggedEvent]:
        """Published events of ``topics`` with ``log_seq`` >= the given one, in log order, at
        most ``limit``; each ``position`` is the event's ``log_seq``. Raises Unavailable."""
        ...
