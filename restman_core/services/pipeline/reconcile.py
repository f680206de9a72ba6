"""End-to-end reconciliation: every committed event takes effect in every consumer, whatever
the broker lost.

Brokers can lose messages they acknowledged (a broker restarted on lost storage, an unclean
leader election), and a consumer that never receives an event never applies it. The outbox is
the truth: :meth:`Reconciler.run_once` asks the :class:`EffectLedger` for every published event
a consumer has no processed record of, and feeds each, in commit order, to that consumer's own
handler. The handlers record processed ids in the same transaction as the effect (analytics:
after the facts are stored) and tolerate events out of order, so a re-applied event that the
live consumer applies at the same moment still takes effect once.

Events published less than ``grace`` ago are left alone (they are probably in flight). Each
consumer has a checkpoint: a scheduled run starts after it, and moves it to the last position
checked, but never past a row that is not yet published (or published within the grace), so a
row that commits late is still checked. ``full=True`` ignores the checkpoints and checks the
whole retention window. An outage (:class:`Unavailable`) ends the run and leaves the
checkpoints where the work stopped; an event that fails otherwise (a poison message) is counted
as failed, logged, and passed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from restman_core.domain.clock import Clock
from restman_core.errors import Unavailable
from restman_core.ports.events import ReceivedEvent
from restman_core.ports.reconcile import EffectLedger, LoggedEvent
from restman_core.services.pipeline.analytics import AnalyticsHandler
from restman_core.services.pipeline.base import PipelineHandler

log = logging.getLogger(__name__)

# Published rows older than the retention may already have lost their processed records to
# housekeeping (clocks of different hosts differ a little): leave them out.
_RETENTION_MARGIN = timedelta(hours=1)


@dataclass(slots=True)
class ConsumerRepair:
    """What one run found for one consumer: events without an effect, how many were re-applied,
    how many failed again (poison events; they are dead letters too)."""

    consumer: str
    missing: int = 0
    repaired: int = 0
    failed: int = 0
    checked_through: int = 0


@dataclass(slots=True)
class ReconcileReport:
    """One run, per consumer in the order checked, and how long it took."""

    consumers: list[ConsumerRepair] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def repaired(self) -> int:
        return sum(c.repaired for c in self.consumers)

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.consumers)


class Reconciler:
    """Feeds each handler the events it never applied (see the module docstring)."""

    def __init__(
        self,
        ledger: EffectLedger,
        clock: Clock,
        handlers: Sequence[PipelineHandler],
        *,
        retention_days: int,
        batch_size: int = 500,
    ) -> None:
        self._ledger = ledger
        self._clock = clock
        self._handlers = list(handlers)
        self._retention = timedelta(days=retention_days)
        self._batch = batch_size

    async def run_once(self, *, grace_seconds: float, full: bool = False) -> ReconcileReport:
        """One pass over every consumer; raises :class:`Unavailable` on an outage."""
        started = time.monotonic()
        now = self._clock.now()
        latest = now - timedelta(seconds=grace_seconds)
        window = (now - self._retention + _RETENTION_MARGIN, latest)
        settled = await self._ledger.settled_through(latest)
        report = ReconcileReport()
        for handler in self._handlers:
            repair = ConsumerRepair(handler.name)
            report.consumers.append(repair)
            start = await self._ledger.checkpoint(handler.name)
            after = 0 if full else start
            while True:
                batch = await self._ledger.unapplied(
                    handler.name,
                    handler.event_types,
                    published_between=window,
                    after_position=after,
                    limit=self._batch,
                )
                if batch:
                    await self._apply(handler, batch, repair)
                    after = batch[-1].position
                if len(batch) < self._batch:
                    break
            # Every row up to ``settled`` was published within the window and has been seen.
            repair.checked_through = max(start, settled)
            await self._ledger.advance(handler.name, settled)
        report.seconds = time.monotonic() - started
        for repair in report.consumers:
            if repair.missing:
                log.warning(
                    "reconciler: consumer %s lacked %d events; re-applied %d, %d failed",
                    repair.consumer,
                    repair.missing,
                    repair.repaired,
                    repair.failed,
                )
        return report

    async def _apply(
        self, handler: PipelineHandler, batch: Sequence[LoggedEvent], repair: ConsumerRepair
    ) -> None:
        fed = 0
        for logged in batch:
            event = logged.event
            if not handler.applies_to(event):
                continue
            repair.missing += 1
            received = ReceivedEvent(event, event.topic, 0, logged.position)
            try:
                await handler(received)
            except Unavailable:
                raise
            except Exception:
                repair.failed += 1
                log.exception("reconciler: %s failed to re-apply %s", handler.name, event.event_id)
                continue
            fed += 1
        if isinstance(handler, AnalyticsHandler):
            await handler.flush()  # the facts are stored and recorded before the run moves on
        repair.repaired += fed
