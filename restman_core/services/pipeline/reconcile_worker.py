"""The ``reconciler`` worker: runs :class:`Reconciler` on a schedule, under a lease.

Several instances may run (``restman worker all`` on every host); the one holding the
``reconciler`` lease works, the others stand by. Running twice at once would be harmless (every
re-applied event takes effect once), only wasteful. The lease is renewed before each run and
lasts several intervals, so a run longer than one interval keeps it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Protocol

from restman_core.errors import Unavailable
from restman_core.services.pipeline.reconcile import Reconciler, ReconcileReport

log = logging.getLogger(__name__)


class Lease(Protocol):
    """A named duty held by one process at a time (``SqlLease`` in the SQL adapter)."""

    async def hold(self) -> bool: ...

    async def release(self) -> None: ...


@dataclass(slots=True)
class ReconcilerStats:
    """Runs completed, events re-applied, events that failed again, rounds that hit an outage,
    and the events missing at the last run."""

    runs: int = 0
    repaired: int = 0
    failed: int = 0
    failures: int = 0
    last_missing: int = 0


class ReconcileWorker:
    """Reconciles every ``interval_seconds`` while holding ``lease``; see the module docstring."""

    name = "reconciler"

    def __init__(
        self,
        reconciler: Reconciler,
        lease: Lease,
        *,
        interval_seconds: float,
        grace_seconds: float,
    ) -> None:
        self._reconciler = reconciler
        self._lease = lease
        self._interval = interval_seconds
        self._grace = grace_seconds
        self._stopped = asyncio.Event()
        self.stats = ReconcilerStats()
        self.last_report: ReconcileReport | None = None

    def stop(self) -> None:
        """Ask :meth:`run` to finish after the run in progress."""
        self._stopped.set()

    async def run(self) -> None:
        """Reconcile on schedule until stopped; then release the lease."""
        try:
            while not self._stopped.is_set():
                await self._round()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._interval):
                        await self._stopped.wait()
        finally:
            with contextlib.suppress(Unavailable):
                await self._lease.release()

    async def _round(self) -> None:
        try:
            if not await self._lease.hold():
                return
            report = await self._reconciler.run_once(grace_seconds=self._grace)
        except Unavailable as exc:
            self.stats.failures += 1
            log.warning("reconciler: %s (will retry next round)", exc)
            return
        self.last_report = report
        self.stats.runs += 1
        self.stats.repaired += report.repaired
        self.stats.failed += report.failed
        self.stats.last_missing = sum(c.missing for c in report.consumers)
