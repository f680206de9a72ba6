"""A short-lived in-process layer in front of a shared cache (implements
``restman_core.ports.cache.Cache``).

With Redis every public menu read is a network round trip; most of them ask again for the same
few hot menus within the same second. This layer keeps each value it reads or builds in a small
:class:`~restman_core.adapters.local.cache.LocalCache` for at most ``ttl_seconds`` (1 s by
default) before asking the shared cache again.

The staleness bound: an invalidation made by *another* process (a menu edit, an order taking
tracked stock) reaches the shared cache at once and this process's reads within ``ttl_seconds``
(the age of its local copy), the same promise as the embedded cache's. An invalidation made
through *this* layer is seen here at once: ``delete`` drops the local copy, and a fill from the
shared cache that started before it is not kept. Concurrent local misses of one key share one
read or build of the shared cache.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from restman_core.adapters.local.cache import LocalCache
from restman_core.ports.cache import Cache

DEFAULT_NEAR_SECONDS = 1.0
DEFAULT_NEAR_ENTRIES = 256


class NearCache:
    """``shared`` with a local copy of each value kept at most ``ttl_seconds``, at most
    ``max_entries`` of them (least recently used evicted). ``clock``: monotonic seconds
    (tests pass their own)."""

    def __init__(
        self,
        shared: Cache,
        *,
        ttl_seconds: float = DEFAULT_NEAR_SECONDS,
        max_entries: int = DEFAULT_NEAR_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        self.shared = shared
        self.ttl_seconds = ttl_seconds
        self._local = LocalCache(max_entries, clock=clock)
        # Bumped by every delete: a shared read that began before one is not copied locally.
        self._deletes = 0

    def _local_ttl(self, ttl_seconds: float) -> float:
        return min(ttl_seconds, self.ttl_seconds)

    async def get(self, key: str) -> bytes | None:
        value = await self._local.get(key)
        if value is not None:
            return value
        deletes = self._deletes
        value = await self.shared.get(key)
        if value is not None and deletes == self._deletes:
            await self._local.set(key, value, self.ttl_seconds)
        return value

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        if ttl_seconds <= 0:
            return
        await self.shared.set(key, value, ttl_seconds)
        await self._local.set(key, value, self._local_ttl(ttl_seconds))

    async def delete(self, key: str) -> None:
        self._deletes += 1
        await self._local.delete(key)
        await self.shared.delete(key)

    async def get_or_build(
        self, key: str, ttl_seconds: float, build: Callable[[], Awaitable[bytes]]
    ) -> bytes:
        if ttl_seconds <= 0:
            return await build()

        async def from_shared() -> bytes:
            return await self.shared.get_or_build(key, ttl_seconds, build)

        # The local cache's own flight sharing and delete-during-build rule apply: one shared
        # round trip per key at a time, and a delete here is never undone by an older fill.
        return await self._local.get_or_build(key, self._local_ttl(ttl_seconds), from_shared)
