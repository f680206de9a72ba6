"""What the reconciler reads: the committed log (the outbox) checked against what each consumer
recorded as processed.

The outbox is the truth. An event is *unapplied* for a consumer when the outbox holds it as
published but the consumer has no ``processed_events`` record of it: its effect is missing
(the broker lost the message, a consumer skipped it, an operator restored a backup). The
reconciler asks for those in ``position`` order, a batch at a time, and keeps a checkpoint per
consumer so a scheduled run only looks at what arrived since the last one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from restman_core.domain.events import DomainEvent


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An event as the outbox holds it: its insertion position and the event itself."""

    position: int
    event: DomainEvent


class EffectLedger(Protocol):
    """Committed events compared with the consumers' processed records."""

    async def unapplied(
        self,
        consumer: str,
        event_types: Collection[str],
        *,
        published_between: tuple[datetime, datetime],
        after_position: int,
        limit: int,
    ) -> Sequence[LoggedEvent]:
        """Published events of ``event_types`` after ``after_position`` that ``consumer`` has no
        processed record of, published within ``published_between`` (inclusive), in position
        order, at most ``limit``: one set-based query."""
        ...

    async def settled_through(self, published_before: datetime) -> int:
        """The highest position below which every row was published at or before
        ``published_before``: a checkpoint may not pass a row still on its way."""
        ...

    async def checkpoint(self, consumer: str) -> int:
        """The position through which ``consumer`` was last reconciled (0 at first)."""
        ...

    async def advance(self, consumer: str, position: int) -> None:
        """Move the checkpoint forward to ``position`` (never backwards; concurrent runs are
        safe)."""
        ...
