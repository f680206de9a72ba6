"""Running pipeline workers (relay, consumers, housekeeping) as asyncio tasks.

Each worker is built from a factory and supervised: if its ``run`` raises (a database or broker
outage outlasting its own retries), the failure is logged and counted and a fresh worker is
built after a capped backoff. :meth:`Workers.stop` (wired to SIGTERM and SIGINT by
:meth:`Workers.run_until_signal`) asks every worker to stop, which lets it finish or abandon its
current event cleanly and save its progress; workers that do not return within the grace period
are cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)

KILL_RETRY_SECONDS = 1.0
"""How long :meth:`Workers.kill` waits for cancelled tasks before cancelling them again."""


class Worker(Protocol):
    """Something that runs until asked to stop."""

    name: str

    async def run(self) -> None: ...

    def stop(self) -> None: ...


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    """A named worker and how to build a fresh one (a worker runs once)."""

    name: str
    build: Callable[[], Worker]


class Workers:
    """Starts, supervises and stops a set of workers."""

    def __init__(
        self,
        specs: Sequence[WorkerSpec],
        *,
        grace_seconds: float = 10.0,
        restart_backoff_max: float = 30.0,
        report_seconds: float = 60.0,
    ) -> None:
        self._specs = list(specs)
        self._grace = grace_seconds
        self._backoff_max = restart_backoff_max
        self._report_seconds = report_seconds
        self._current: dict[str, Worker] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self.crashes: dict[str, int] = {spec.name: 0 for spec in self._specs}

    @property
    def names(self) -> list[str]:
        return [spec.name for spec in self._specs]

    def worker(self, name: str) -> Worker | None:
        """The worker currently running under ``name``."""
        return self._current.get(name)

    def stats(self) -> dict[str, Any]:
        """Each running worker's ``stats`` object (counters: processed, failed, dead letters,
        lag; or the relay's published and backlog), by name."""
        return {name: getattr(w, "stats", None) for name, w in self._current.items()}

    def start(self) -> None:
        """Start every worker as a task (once)."""
        if self._tasks:
            return
        self._tasks = [
            asyncio.create_task(self._supervise(spec), name=f"worker-{spec.name}")
            for spec in self._specs
        ]
        if self._report_seconds > 0:
            self._tasks.append(asyncio.create_task(self._report(), name="worker-report"))

    def stop(self) -> None:
        """Ask every worker to stop; safe from a signal handler."""
        self._stopping.set()
        for worker in list(self._current.values()):
            worker.stop()

    async def wait(self) -> None:
        """Wait for the workers to end; after :meth:`stop`, cancel those still running when the
        grace period is over."""
        if not self._tasks:
            return
        done, pending = await asyncio.wait(
            self._tasks, timeout=self._grace if self._stopping.is_set() else None
        )
        for task in pending:
            log.warning("worker task %s did not stop in time; cancelling it", task.get_name())
            task.cancel()
        if pending:
            await asyncio.wait(pending)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.error("worker task %s failed", task.get_name(), exc_info=task.exception())

    async def kill(self) -> None:
        """Cancel every worker task at once, as a crash would: nothing is flushed, saved or
        released (tests use this to prove a crash loses and duplicates nothing)."""
        self._stopping.set()
        pending = set(self._tasks)
        while pending:
            # Cancelled again while still running: a cancellation a library swallowed (one
            # arriving as an awaited result does, in some) must not keep a killed worker alive.
            for task in pending:
                task.cancel()
            _, pending = await asyncio.wait(pending, timeout=KILL_RETRY_SECONDS)
            for task in pending:
                log.warning("worker task %s survived a cancellation; cancelling again", task)

    async def shutdown(self) -> None:
        """:meth:`stop`, then :meth:`wait`."""
        self.stop()
        await self.wait()

    async def run_until_signal(self) -> None:
        """Start, run until SIGTERM or SIGINT, then shut down gracefully."""
        loop = asyncio.get_running_loop()
        installed = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.stop)
                installed.append(sig)
        try:
            self.start()
            await self._stopping.wait()
            log.info("stopping workers: %s", ", ".join(self.names))
            await self.wait()
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)

    async def _report(self) -> None:
        """Log every worker's counters (lag included) periodically, so they show in logs."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._report_seconds):
                    await self._stopping.wait()
            if self._stopping.is_set():
                return
            for name, stats in sorted(self.stats().items()):
                log.info("worker %s: %s (crashes %d)", name, stats, self.crashes.get(name, 0))

    async def _supervise(self, spec: WorkerSpec) -> None:
        failures = 0
        while not self._stopping.is_set():
            worker = spec.build()
            self._current[spec.name] = worker
            try:
                await worker.run()
            except Exception:
                failures += 1
                self.crashes[spec.name] += 1
                log.exception("worker %s crashed (%d); restarting", spec.name, failures)
            else:
                if self._stopping.is_set():
                    return
                failures += 1
                log.warning("worker %s returned unexpectedly; restarting", spec.name)
            delay = min(self._backoff_max, 0.5 * 2 ** min(failures, 10))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._stopping.wait()
