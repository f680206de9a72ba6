"""In-process TTL cache (embedded mode): implements ``restman_core.ports.cache.Cache``.

Bounded: at most ``max_entries`` values, the least recently used evicted first. Concurrent
misses of one key share a single build (an asyncio task), so a cold menu is built once however
many requests ask for it.

The cache belongs to one process, but with ``version_of`` it follows changes made by any
process on the same database: each entry remembers the key's version (a counter in SQL bumped
in the transaction of every change) read just before its value was built, and a read more than
``check_seconds`` (0.25) after the last check reads the version again (one primary-key lookup)
and drops the entry when it moved. So a value is served at most ``check_seconds`` after another
process committed a change, plus the time of one check; the TTL only bounds memory. Reads during
a check are served the entry being checked (still within the bound). When the version cannot
be read (the database is down, so nobody can change anything either) the entry is kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from restman_core.errors import RestmanError

DEFAULT_MAX_ENTRIES = 1024
DEFAULT_CHECK_SECONDS = 0.25
VersionOf = Callable[[str], Awaitable[int | None]]
"""The current version of a key (None when it has none); raises a RestmanError on outage."""

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Entry:
    expires_at: float
    value: bytes
    version: int | None
    checked_at: float


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
        version_of: VersionOf | None = None,
        check_seconds: float = DEFAULT_CHECK_SECONDS,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._clock = clock
        self._version_of = version_of
        self._check_seconds = check_seconds
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._flights: dict[str, _Flight] = {}

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        now = self._clock()
        if entry.expires_at <= now:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        if self._version_of is not None and now - entry.checked_at >= self._check_seconds:
            # Marked checked before the await: concurrent readers are served this entry
            # instead of all asking the database at once.
            entry.checked_at = now
            if await self._moved(key, entry.version) and self._entries.get(key) is entry:
                del self._entries[key]
                return None
        return entry.value

    async def _version(self, key: str) -> int | None:
        return None if self._version_of is None else await self._version_of(key)

    async def _moved(self, key: str, version: int | None) -> bool:
        assert self._version_of is not None
        try:
            return await self._version_of(key) != version
        except RestmanError:
            log.warning("could not check the cached %s; keeping it", key)
            return False

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """Store ``value`` as current: it is taken to reflect the key's version as of now."""
        if ttl_seconds <= 0:
            return
        self._store(key, value, ttl_seconds, await self._version(key))

    def _store(self, key: str, value: bytes, ttl_seconds: float, version: int | None) -> None:
        now = self._clock()
        self._entries[key] = _Entry(now + ttl_seconds, value, version, now)
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
            # The version is read before the build: a change committed during the build moves
            # it, so the next check drops a value that may predate that change.
            version = await self._version(key)
            value = await build()
            if not flight.invalidated:
                self._store(key, value, ttl_seconds, version)
            return value
        finally:
            if self._flights.get(key) is flight:
                del self._flights[key]
