"""One cache truth across processes: two platforms on one embedded database stand for two
processes (each has its own in-process menu cache); an edit through one is served by the
other within the cache's check interval, and orders are priced from the database."""

from __future__ import annotations

import json
import time
from pathlib import Path

from restman_core import Role, load_settings
from restman_core.adapters.local.cache import LocalCache
from restman_core.bootstrap import Platform, bootstrap
from tests.support.services import wait_for


async def _platform(data_dir: Path) -> Platform:
    return await bootstrap(load_settings(data_dir=data_dir, menu_cache_ttl_seconds=300))


def _prices(menu: bytes) -> list[str]:
    return [f["price"] for c in json.loads(menu)["categories"] for f in c["foods"]]


async def test_an_edit_in_one_process_reaches_the_others_cache_within_a_second(
    tmp_path: Path,
) -> None:
    editor, reader = await _platform(tmp_path), await _platform(tmp_path)
    try:
        owner = (await editor.users.ensure("owner@example.com", Role.OWNER)).as_actor()
        rid = (await editor.menus.create_restaurant(owner, {"name": "Pizza Palace"})).id
        cid = (await editor.menus.create_category(owner, rid, {"name": "Pizzas"})).id
        fields = {"category_id": cid, "name": "Margherita", "price": "12.99"}
        fid = (await editor.menus.create_food(owner, rid, fields)).id
        assert _prices(await reader.menus.menu_json(rid)) == ["12.99"]  # now cached there

        await editor.menus.update_food(owner, rid, fid, {"price": "14.50"}, replace_all=False)
        changed_at = time.monotonic()

        async def served() -> list[str]:
            return _prices(await reader.menus.menu_json(rid))

        await wait_for(
            served, until=["14.50"].__eq__, what="the new price", timeout=10, interval=0.02
        )
        waited = time.monotonic() - changed_at
        assert waited < 1.0, f"the new price took {waited:.2f} s to be served"

        await editor.menus.set_availability(owner, rid, fid, False)  # an 86
        await wait_for(
            served, until=[].__eq__, what="the 86'd food gone", timeout=10, interval=0.02
        )
    finally:
        await editor.close()
        await reader.close()


async def test_a_cached_value_is_checked_at_most_every_interval() -> None:
    now, versions, reads = [0.0], {"k": 1}, [0]

    async def version_of(key: str) -> int | None:
        reads[0] += 1
        return versions.get(key)

    cache = LocalCache(clock=lambda: now[0], version_of=version_of, check_seconds=0.5)

    async def build() -> bytes:
        return f"v{versions['k']}".encode()

    assert await cache.get_or_build("k", 300, build) == b"v1"
    versions["k"] = 2
    now[0] = 0.4  # inside the interval: served without asking
    assert (await cache.get_or_build("k", 300, build), reads[0]) == (b"v1", 1)
    now[0] = 0.5  # due: the version moved, so the value is rebuilt
    assert await cache.get_or_build("k", 300, build) == b"v2"
    now[0] = 1.2
    assert (await cache.get_or_build("k", 300, build), reads[0]) == (b"v2", 4)
