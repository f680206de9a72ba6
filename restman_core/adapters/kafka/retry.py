"""Retry timing, and waiting on work that a stop request may cut short."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

from restman_core.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff: ``base * 2**(attempt - 1)`` seconds, never more than ``cap``."""

    base_seconds: float
    cap_seconds: float

    def __post_init__(self) -> None:
        if self.base_seconds < 0 or self.cap_seconds < 0:
            raise ConfigurationError("Backoff times cannot be negative.")

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt number ``attempt`` (1-based)."""
        # Clamp the exponent so a long outage cannot overflow the float.
        return min(self.cap_seconds, self.base_seconds * 2.0 ** min(attempt - 1, 62))


async def wait_unless_stopped(stopped: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds``; True when the time passed, False as soon as ``stopped`` is set."""
    if stopped.is_set():
        return False
    try:
        async with asyncio.timeout(seconds):
            await stopped.wait()
    except TimeoutError:
        return True
    return False


async def finish_unless_stopped(
    work: asyncio.Future[Any], stopped: asyncio.Event, grace_seconds: float
) -> bool:
    """Wait for ``work``; once ``stopped`` is set give it ``grace_seconds`` more.

    Returns True when ``work`` is done (its result or exception is ready). Returns False when
    it was abandoned: it is cancelled and has finished unwinding. If the caller itself is
    cancelled, ``work`` is cancelled too.
    """
    stop_wait = asyncio.ensure_future(stopped.wait())
    try:
        await asyncio.wait({work, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
        if not work.done():
            await asyncio.wait({work}, timeout=grace_seconds)
        if work.done():
            return True
        work.cancel()
        # Let the abandoned work unwind (roll back, release) before the caller moves on.
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await work
        return False
    finally:
        stop_wait.cancel()
        if not work.done():
            work.cancel()
