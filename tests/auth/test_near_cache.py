"""The in-process layer in front of Redis: a menu invalidated by another process is served
here for at most the layer's bound (one second), one invalidated here is gone at once. The
bound itself is checked with a fake clock; the composed platforms only have to converge."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from restman_core import Role, load_settings
from restman_core.adapters.local.cache import LocalCache
from restman_core.adapters.local.near_cache import DEFAULT_NEAR_SECONDS, NearCache
from restman_core.bootstrap import Platform, bootstrap
from tests.support.services import REDIS_TEST_URL, TEST_SECRET_KEY, port_open, require, wait_for


class Counter:
    """A build that returns ``v1``, ``v2``, … and counts its runs."""

    def __init__(self) -> None:
        self.runs = 0

    async def __call__(self) -> bytes:
        self.runs += 1
        return f"v{self.runs}".encode()


def _layers(now: list[float]) -> tuple[LocalCache, NearCache, NearCache]:
    """One shared cache (standing for Redis) and two processes' layers over it."""
    shared = LocalCache(clock=lambda: now[0])
    near = [NearCache(shared, ttl_seconds=1.0, clock=lambda: now[0]) for _ in range(2)]
    return shared, near[0], near[1]


async def test_another_process_invalidation_is_seen_within_the_bound() -> None:
    now = [100.0]
    _, editor, reader = _layers(now)
    build = Counter()
    assert await reader.get_or_build("menu:1", 300, build) == b"v1"
    await editor.delete("menu:1")  # the other process changed the menu
    now[0] = 100.9  # inside the bound: the local copy may still be served
    assert await reader.get_or_build("menu:1", 300, build) == b"v1"
    now[0] = 101.0  # the bound has passed: the shared cache is asked, and rebuilt
    assert await reader.get_or_build("menu:1", 300, build) == b"v2"
    assert build.runs == 2


async def test_an_invalidation_through_the_layer_is_seen_here_at_once() -> None:
    now = [0.0]
    _, cache, _ = _layers(now)
    build = Counter()
    assert await cache.get_or_build("menu:2", 300, build) == b"v1"
    await cache.delete("menu:2")
    assert await cache.get("menu:2") is None
    assert await cache.get_or_build("menu:2", 300, build) == b"v2"


async def test_hits_inside_the_bound_do_not_ask_the_shared_cache() -> None:
    now = [0.0]
    shared, cache, _ = _layers(now)
    build = Counter()
    await cache.get_or_build("menu:3", 300, build)
    await shared.delete("menu:3")  # only visible once the local copy is older than the bound
    now[0] = 0.5
    assert await cache.get("menu:3") == b"v1"
    now[0] = 1.5
    assert await cache.get("menu:3") is None


async def test_a_read_of_the_shared_cache_is_copied_for_the_bound_only() -> None:
    now = [0.0]
    shared, cache, _ = _layers(now)
    await shared.set("menu:4", b"shared", 300)
    assert await cache.get("menu:4") == b"shared"
    await shared.set("menu:4", b"newer", 300)
    assert await cache.get("menu:4") == b"shared"
    now[0] = 1.0
    assert await cache.get("menu:4") == b"newer"


async def test_the_layer_is_bounded_and_never_outlives_the_value() -> None:
    now = [0.0]
    shared = LocalCache(clock=lambda: now[0])
    cache = NearCache(shared, ttl_seconds=1.0, max_entries=2, clock=lambda: now[0])
    for n in range(3):
        await cache.set(f"menu:{n}", b"x", 0.2)
    await shared.delete("menu:0")
    assert await cache.get("menu:0") is None  # evicted locally, and gone from the shared one
    now[0] = 0.3  # both copies expired with the value's own 0.2 s TTL
    assert await cache.get("menu:1") is None
    with pytest.raises(ValueError, match="positive"):
        NearCache(shared, ttl_seconds=0)


def _redis_reachable() -> bool:
    match = re.match(r"redis://([^:/]+):(\d+)", REDIS_TEST_URL)
    return match is not None and port_open(match.group(1), int(match.group(2)))


async def _platform(data_dir: Path) -> Platform:
    settings = load_settings(
        data_dir=data_dir,
        redis_url=REDIS_TEST_URL,
        secret_key=TEST_SECRET_KEY,
        menu_cache_ttl_seconds=300,
    )
    return await bootstrap(settings)


def _prices(menu: bytes) -> list[str]:
    return [f["price"] for c in json.loads(menu)["categories"] for f in c["foods"]]


@pytest.mark.redis
async def test_two_platforms_on_one_redis_converge_after_an_edit(tmp_path: Path) -> None:
    require("Redis", _redis_reachable(), REDIS_TEST_URL)
    editor, reader = await _platform(tmp_path), await _platform(tmp_path)
    try:
        assert isinstance(reader.cache, NearCache)
        assert reader.cache.ttl_seconds == DEFAULT_NEAR_SECONDS
        owner = (await editor.users.ensure("near@example.com", Role.OWNER)).as_actor()
        rid = (await editor.menus.create_restaurant(owner, {"name": "Near Place"})).id
        cid = (await editor.menus.create_category(owner, rid, {"name": "Pizzas"})).id
        fields = {"category_id": cid, "name": "Margherita", "price": "12.99"}
        fid = (await editor.menus.create_food(owner, rid, fields)).id
        assert _prices(await reader.menus.menu_json(rid)) == ["12.99"]  # now cached there

        await editor.menus.update_food(owner, rid, fid, {"price": "14.50"}, replace_all=False)
        assert _prices(await editor.menus.menu_json(rid)) == ["14.50"]  # at once where edited

        async def served() -> list[str]:
            return _prices(await reader.menus.menu_json(rid))

        await wait_for(served, until=["14.50"].__eq__, what="the new price served", timeout=30)
    finally:
        await asyncio.gather(editor.close(), reader.close())
