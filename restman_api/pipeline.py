"""The embedded event pipeline inside the API process.

Without Kafka the outbox is the event log and its relay and consumers run in-process. With
``restman serve --workers N`` there are N API processes but the pipeline must run once: each
process tries to take an exclusive lock on ``<data>/pipeline.lock``; the holder runs the
pipeline, the others retry every few seconds, so when the holder dies (and the server replaces
it) another process takes over. In distributed mode (KAFKA_BROKERS set) ``restman worker``
processes run the pipeline and the API runs none of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import IO, Any

from restman_core.bootstrap import Platform
from restman_core.bootstrap_events import PipelineOptions, build_workers, is_distributed
from restman_core.private_files import open_private, private_directory
from restman_core.services.pipeline import Workers

log = logging.getLogger(__name__)
PIPELINE_ENV = "RESTMAN_API_PIPELINE"
RETRY_SECONDS = 5.0


def _take_lock(path: Path) -> IO[str] | None:
    private_directory(path.parent)
    handle = os.fdopen(open_private(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND), "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


class PipelineRunner:
    """Runs every pipeline worker while this process holds the pipeline lock."""

    def __init__(self, platform: Platform, options: PipelineOptions | None = None) -> None:
        self._platform = platform
        self._options = options or PipelineOptions()
        self._lock_path = platform.settings.data_dir / "pipeline.lock"
        self._lock: IO[str] | None = None
        self._workers: Workers | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.running = asyncio.Event()

    def stats(self) -> dict[str, Any]:
        """Each running worker's counters, by worker name (empty while not holding the lock)."""
        return self._workers.stats() if self._workers is not None else {}

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="api-event-pipeline")

    async def _run(self) -> None:
        while not self._stopping.is_set():
            self._lock = _take_lock(self._lock_path)
            if self._lock is not None:
                break
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(RETRY_SECONDS):
                    await self._stopping.wait()
        if self._stopping.is_set():
            return
        self._workers = await build_workers(self._platform, ["all"], self._options)
        self._workers.start()
        self.running.set()
        log.info("event pipeline running in API process %d", os.getpid())
        await self._workers.wait()

    async def stop(self) -> None:
        self._stopping.set()
        if self._workers is not None:
            await self._workers.shutdown()
        if self._task is not None:
            if not self._task.done():
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None


def wants_pipeline(platform: Platform, requested: bool | None) -> bool:
    """Explicit choice first, then ``RESTMAN_API_PIPELINE`` (0/1), else: embedded mode only."""
    if requested is not None:
        return requested
    flag = os.environ.get(PIPELINE_ENV)
    if flag is not None and flag.strip():
        return flag.strip().lower() in ("1", "true", "yes", "on")
    return not is_distributed(platform)


async def pipeline_runner(
    platform: Platform, requested: bool | None, options: PipelineOptions | None = None
) -> PipelineRunner | None:
    """Start the in-process pipeline when wanted; the caller stops it at shutdown."""
    if not wants_pipeline(platform, requested):
        return None
    runner = PipelineRunner(platform, options)
    runner.start()
    return runner
