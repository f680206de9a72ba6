"""The menu cache in Redis (implements ``restman_core.ports.cache.Cache``).

Keys: ``<prefix>cache:<key>`` holds the value with its TTL; ``<prefix>cache-lock:<key>`` is the
short-lived rebuild lock (SET NX PX with a random owner token, released only by its owner);
``<prefix>cache-gen:<key>`` counts invalidations. A rebuild stores its value only if no
invalidation happened since it started, so a ``delete`` is never undone by a build that read the
old data.

Stampede protection has two layers: within one process, concurrent misses share one asyncio task;
across processes, the task that holds the lock builds while the others poll for the value (one
pipelined round trip per poll) and build themselves only if the lock holder takes longer than
``lock_seconds`` or fails.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from restman_core.adapters.redis.client import DEFAULT_PREFIX, redis_errors

GENERATION_TTL_MS = 86_400_000

_STORE_IF_CURRENT = """
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

Build = Callable[[], Awaitable[bytes]]


def _retrieve(task: asyncio.Future[bytes]) -> None:
    if not task.cancelled():
        task.exception()


class RedisCache:
    """``lock_seconds`` bounds a rebuild lock (and how long others wait for the holder);
    ``poll_seconds`` is the pause between waiters' checks."""

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = DEFAULT_PREFIX,
        lock_seconds: float = 10.0,
        poll_seconds: float = 0.02,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._lock_ms = max(1, int(lock_seconds * 1000))
        self._poll_seconds = poll_seconds
        self._store_if_current = client.register_script(_STORE_IF_CURRENT)
        self._release = client.register_script(_RELEASE)
        self._flights: dict[str, asyncio.Future[bytes]] = {}

    def _keys(self, key: str) -> tuple[str, str, str]:
        p = self._prefix
        return f"{p}cache:{key}", f"{p}cache-lock:{key}", f"{p}cache-gen:{key}"

    async def get(self, key: str) -> bytes | None:
        with redis_errors("reading the cache"):
            value = await self._client.get(self._keys(key)[0])
        return _as_bytes(value)

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        if ttl_seconds <= 0:
            return
        with redis_errors("writing the cache"):
            await self._client.set(self._keys(key)[0], value, px=max(1, int(ttl_seconds * 1000)))

    async def delete(self, key: str) -> None:
        value_key, _, generation_key = self._keys(key)
        self._flights.pop(key, None)
        with redis_errors("invalidating the cache"):
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.delete(value_key)
                pipe.incr(generation_key)
                pipe.pexpire(generation_key, GENERATION_TTL_MS)
                await pipe.execute()

    async def get_or_build(self, key: str, ttl_seconds: float, build: Build) -> bytes:
        if ttl_seconds <= 0:
            return await build()
        cached = await self.get(key)
        if cached is not None:
            return cached
        flight = self._flights.get(key)
        if flight is None:
            flight = asyncio.ensure_future(self._fill(key, ttl_seconds, build))
            flight.add_done_callback(_retrieve)
            self._flights[key] = flight
            flight.add_done_callback(lambda done: self._forget(key, done))
        return await asyncio.shield(flight)

    def _forget(self, key: str, flight: asyncio.Future[bytes]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]

    async def _fill(self, key: str, ttl_seconds: float, build: Build) -> bytes:
        value_key, lock_key, generation_key = self._keys(key)
        deadline = time.monotonic() + self._lock_ms / 1000
        while True:
            token = secrets.token_hex(16)
            with redis_errors("locking a cache rebuild"):
                async with self._client.pipeline(transaction=False) as pipe:
                    pipe.set(lock_key, token, nx=True, px=self._lock_ms)
                    pipe.get(generation_key)
                    acquired, generation = await pipe.execute()
            if acquired:
                return await self._build_locked(key, ttl_seconds, build, token, generation)
            found, locked = await self._wait_for_holder(value_key, lock_key, deadline)
            if found is not None:
                return found
            if locked:
                # The holder is taking too long: build without the lock, store if current.
                return await self._build_and_store(key, ttl_seconds, build, generation)

    async def _build_locked(
        self, key: str, ttl_seconds: float, build: Build, token: str, generation: bytes | None
    ) -> bytes:
        try:
            return await self._build_and_store(key, ttl_seconds, build, generation)
        finally:
            with redis_errors("unlocking a cache rebuild"):
                await self._release(keys=[self._keys(key)[1]], args=[token])

    async def _build_and_store(
        self, key: str, ttl_seconds: float, build: Build, generation: bytes | None
    ) -> bytes:
        value = await build()
        value_key, _, generation_key = self._keys(key)
        args: list[bytes | int] = [value, max(1, int(ttl_seconds * 1000)), generation or b""]
        with redis_errors("writing the cache"):
            await self._store_if_current(keys=[value_key, generation_key], args=args)
        return value

    async def _wait_for_holder(
        self, value_key: str, lock_key: str, deadline: float
    ) -> tuple[bytes | None, bool]:
        """Poll until the value appears ``(value, _)``, the lock disappears without a value
        ``(None, False)`` (the holder failed: try to take the lock), or the deadline passes
        ``(None, True)``."""
        while time.monotonic() < deadline:
            await asyncio.sleep(self._poll_seconds)
            with redis_errors("reading the cache"):
                async with self._client.pipeline(transaction=False) as pipe:
                    pipe.get(value_key)
                    pipe.exists(lock_key)
                    value, locked = await pipe.execute()
            if value is not None:
                return _as_bytes(value), True
            if not locked:
                return None, False
        return None, True


def _as_bytes(value: bytes | str | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value
