"""In-process TTL cache (embedded mode): implements ``restman_core.ports.cache.Cache``.

Bounded: at most ``max_entries`` values, the least recently used evicted first. Concurrent
misses of one key share a single build (an asyncio task), so a cold menu is built once however
many requests ask for it. The cache belongs to one process: with several processes on one
database each keeps its own copy, and a change made by one process reaches the others' copies
only when their TTL runs out (keep MENU_CACHE_TTL_SECONDS short, or use Redis, in that setup).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

DEFAULT_MAX_ENTRIES = 1024


class _Flight:
    """One build in progress; ``invalidated`` is set by a ``delete`` that happened during it."""

    def __init__(self) -> None:
        self.invalidated = False
        self.task: asyncio.Future[bytes] | None = None


def _retrieve(task: asyncio.Future[bytes]) -> None:
    # A build whose callers were all cancelled still finishes; read its outcome so asyncio does
    # not report an exception that was never retrieved.
    if not task.cancelled():
        task.exception()


class LocalCache:
    """A bounded LRU map with per-entry expiry. ``clock`` returns seconds on a monotonic scale
    (``time.monotonic`` by default; tests pass their own to move time without sleeping)."""

    def __init__(
        self,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._flights: dict[str, _Flight] = {}

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if expires_at <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        if ttl_seconds <= 0:
            return
        self._entries[key] = (self._clock() + ttl_seconds, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)
        flight = self._flights.pop(key, None)
        if flight is not None:
            # Callers already waiting still get that build's result; it is just not kept, and
            # new callers start a fresh build.
            flight.invalidated = True

    async def get_or_build(
        self, key: str, ttl_seconds: float, build: Callable[[], Awaitable[bytes]]
    ) -> bytes:
        if ttl_seconds <= 0:
            return await build()
        cached = await self.get(key)
        if cached is not None:
            return cached
        flight = self._flights.get(key)
        if flight is None or flight.task is None:
            flight = _Flight()
            flight.task = asyncio.ensure_future(self._fill(key, ttl_seconds, build, flight))
            flight.task.add_done_callback(_retrieve)
            self._flights[key] = flight
        # Shielded: one impatient caller cancelling must not cancel everybody's build.
        return await asyncio.shield(flight.task)

    async def _fill(
        self, key: str, ttl_seconds: float, build: Callable[[], Awaitable[bytes]], flight: _Flight
    ) -> bytes:
        try:
            value = await build()
            if not flight.invalidated:
                await self.set(key, value, ttl_seconds)
            return value
        finally:
            if self._flights.get(key) is flight:
                del self._flights[key]
