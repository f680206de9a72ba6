"""Redis killed and restarted (a private redis-server, never the machine's shared one): no
command fails on a dead pooled connection once Redis is back."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from restman_core.adapters.redis.client import open_redis, redis_errors
from tests.faults.servers import PrivateRedis

pytestmark = pytest.mark.slow


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis.log")
    try:
        yield server
    finally:
        server.stop()


async def test_no_command_fails_on_a_stale_connection_after_a_restart(
    private_redis: PrivateRedis,
) -> None:
    await private_redis.start()
    client = open_redis(f"redis://127.0.0.1:{private_redis.port}/0")
    try:

        async def burst(tag: str) -> list[object]:
            # Concurrent commands: the pool holds several connections afterwards.
            async def one(n: int) -> object:
                with redis_errors("test"):
                    await client.set(f"{tag}:{n}", b"x")
                    return await client.get(f"{tag}:{n}")

            return await asyncio.gather(*(one(n) for n in range(8)), return_exceptions=True)

        assert await burst("before") == [b"x"] * 8
        private_redis.kill()
        await private_redis.start()
        assert await burst("after") == [b"x"] * 8
    finally:
        await client.aclose()
