"""The menu cache: the in-process one and the Redis one behave alike (one build for many
concurrent callers, expiry, invalidation that a running build cannot undo)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import pytest

from restman_core.adapters.local.cache import LocalCache
from restman_core.adapters.redis import RedisCache, open_redis
from restman_core.ports.cache import Cache
from tests.support.services import REDIS_TEST_URL, wait_for


class Builder:
    """A build function that counts its runs and can be held until released."""

    def __init__(self, value: bytes = b"menu") -> None:
        self.value = value
        self.runs = 0
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()
        self.fail: Exception | None = None

    def hold(self) -> None:
        self.release.clear()

    async def __call__(self) -> bytes:
        self.runs += 1
        self.started.set()
        await self.release.wait()
        if self.fail is not None:
            raise self.fail
        return self.value + str(self.runs).encode()


@pytest.fixture(params=["local", "redis"])
async def caches(request: pytest.FixtureRequest) -> AsyncIterator[Callable[[], Cache]]:
    """A factory of caches sharing one store: the same LocalCache, or RedisCaches on separate
    clients (separate processes) under one key prefix."""
    if request.param == "local":
        shared = LocalCache()
        yield lambda: shared
        return
    prefix = request.getfixturevalue("redis_prefix")
    clients = []

    def make() -> Cache:
        client = open_redis(REDIS_TEST_URL)
        clients.append(client)
        return RedisCache(client, prefix=prefix, lock_seconds=5.0, poll_seconds=0.01)

    yield make
    for client in clients:
        await client.aclose()


async def _crowd(calls: Sequence[Awaitable[bytes]]) -> list[bytes]:
    return list(await asyncio.gather(*calls))


async def test_many_concurrent_misses_share_one_build(caches: Callable[[], Cache]) -> None:
    first, second = caches(), caches()
    build = Builder()
    build.hold()
    calls = [c.get_or_build("menu:1", 60, build) for c in (first, second) * 25]
    crowd = asyncio.ensure_future(_crowd(calls))
    await asyncio.wait_for(build.started.wait(), 30)
    build.release.set()
    results = await asyncio.wait_for(crowd, 30)
    assert build.runs == 1
    assert set(results) == {b"menu1"}
    assert await second.get("menu:1") == b"menu1"
    # A hit does not build again.
    assert await first.get_or_build("menu:1", 60, build) == b"menu1"
    assert build.runs == 1


async def test_delete_invalidates_and_the_next_call_rebuilds(caches: Callable[[], Cache]) -> None:
    cache = caches()
    build = Builder()
    assert await cache.get_or_build("menu:2", 60, build) == b"menu1"
    await caches().delete("menu:2")
    assert await cache.get("menu:2") is None
    assert await cache.get_or_build("menu:2", 60, build) == b"menu2"


async def test_a_delete_during_a_build_keeps_the_stale_result_out(
    caches: Callable[[], Cache],
) -> None:
    cache = caches()
    build = Builder()
    build.hold()
    pending = asyncio.ensure_future(cache.get_or_build("menu:3", 60, build))
    await asyncio.wait_for(build.started.wait(), 30)
    await caches().delete("menu:3")  # the menu changed while the old one was being built
    build.release.set()
    assert await pending == b"menu1"
    assert await cache.get("menu:3") is None
    assert await cache.get_or_build("menu:3", 60, build) == b"menu2"
    assert await cache.get("menu:3") == b"menu2"


async def test_a_failed_build_reaches_every_caller_and_stores_nothing(
    caches: Callable[[], Cache],
) -> None:
    cache = caches()
    build = Builder()
    build.hold()
    build.fail = RuntimeError("database down")
    calls = [cache.get_or_build("menu:4", 60, build) for _ in range(5)]
    crowd = asyncio.gather(*calls, return_exceptions=True)
    await asyncio.wait_for(build.started.wait(), 30)
    build.release.set()
    outcomes = await asyncio.wait_for(crowd, 30)
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert await cache.get("menu:4") is None
    build.fail = None
    assert await cache.get_or_build("menu:4", 60, build) == b"menu2"


async def test_a_ttl_that_is_not_positive_turns_caching_off(caches: Callable[[], Cache]) -> None:
    cache = caches()
    build = Builder()
    assert await cache.get_or_build("menu:5", 0, build) == b"menu1"
    assert await cache.get_or_build("menu:5", 0, build) == b"menu2"
    await cache.set("menu:5", b"x", 0)
    assert await cache.get("menu:5") is None


async def test_the_local_cache_expires_entries_and_stays_bounded() -> None:
    now = [1000.0]
    cache = LocalCache(max_entries=2, clock=lambda: now[0])
    build = Builder()
    assert await cache.get_or_build("a", 10, build) == b"menu1"
    now[0] += 9.9
    assert await cache.get("a") == b"menu1"
    now[0] += 0.2
    assert await cache.get("a") is None
    assert await cache.get_or_build("a", 10, build) == b"menu2"
    await cache.set("b", b"b", 10)
    await cache.get("a")  # "a" is now the most recently used
    await cache.set("c", b"c", 10)
    assert len(cache) == 2
    assert await cache.get("b") is None
    assert await cache.get("a") == b"menu2"


async def test_the_redis_cache_expires_entries(redis_prefix: str) -> None:
    client = open_redis(REDIS_TEST_URL)
    try:
        cache = RedisCache(client, prefix=redis_prefix)
        assert await cache.get_or_build("menu:6", 0.5, Builder()) == b"menu1"
        remaining = await client.pttl(f"{redis_prefix}cache:menu:6")
        assert 0 < remaining <= 500

        async def cached() -> bytes | None:
            return await cache.get("menu:6")

        await wait_for(
            cached, until=lambda value: value is None, what="the entry to expire", timeout=30
        )
    finally:
        await client.aclose()
