"""``restman events dead-letters``, ``restman events replay`` and ``restman analytics rebuild``
on an installation whose dead letters the real embedded pipeline made."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from restman_core.bootstrap import Platform, bootstrap
from restman_core.bootstrap_events import build_workers
from tests.cli.conftest import Cli
from tests.pipeline.conftest import FAST, settings_for
from tests.pipeline.world import analytics_differences, place_orders, seed
from tests.support.poison import (
    dead_letter_count,
    malformed_placement,
    orphan_placement,
    supply_missing_order,
)
from tests.support.services import wait_for

T = TypeVar("T")


def on_platform(data_dir: Path, work: Callable[[Platform], Awaitable[T]]) -> T:
    async def run() -> T:
        platform = await bootstrap(settings_for(data_dir))
        try:
            return await work(platform)
        finally:
            await platform.close()

    return asyncio.run(run())


async def poisoned(platform: Platform) -> dict[str, Any]:
    """Two orders, an orphan and a malformed placement, dead-lettered by kitchen and billing."""
    world = await seed(platform, restaurants=1, customers=1)
    await place_orders(platform, world, 2, random.Random(8))
    orphan = await orphan_placement(platform, world.placed[0].id)
    bad = await malformed_placement(platform)
    workers = await build_workers(platform, ["relay", "kitchen", "billing"], FAST)
    workers.start()
    try:
        await wait_for(
            lambda: dead_letter_count(platform),
            until=lambda n: n == 4,
            what="four dead letters",
            timeout=60,
        )
    finally:
        await workers.shutdown()
    return {"real": world.placed[0].id, "orphan": orphan, "bad": bad}


def test_dead_letters_replay_purge_and_rebuild(cli: Cli) -> None:
    cli.ok("db", "upgrade")
    data = Path(cli.env["RESTMAN_DATA_DIR"])
    made = on_platform(data, poisoned)
    orphan, bad = made["orphan"], made["bad"]
    letter = f"billing:{orphan.event_id}"

    listed = cli.json("events", "dead-letters", "list")
    assert {d["id"] for d in listed} == {
        f"{c}:{e.event_id}" for c in ("kitchen", "billing") for e in (orphan, bad)
    }
    assert cli.ok("events", "dead-letters", "list", "-o", "csv").stdout.startswith("id,")
    assert cli.json("events", "dead-letters", "show", letter)["attempts"] == FAST.max_attempts

    failed = cli.run("events", "dead-letters", "replay", letter, "-o", "json")
    assert failed.exit_code == 1
    assert '"replayed": false' in failed.stdout

    orphan_id: uuid.UUID = orphan.key
    on_platform(data, lambda p: supply_missing_order(p, made["real"], orphan_id))
    assert cli.json("events", "dead-letters", "replay", letter)["replayed"] is True
    assert cli.run("events", "dead-letters", "show", letter).exit_code == 3

    kept = cli.run("events", "dead-letters", "purge", f"kitchen:{bad.event_id}", input="n\n")
    assert kept.exit_code == 1
    cli.ok("events", "dead-letters", "purge", f"kitchen:{bad.event_id}", "--yes")
    assert len(cli.json("events", "dead-letters", "list")) == 2

    replayed = cli.run("events", "replay", "--consumer", "kitchen", "--from", "0", "-o", "json")
    assert replayed.exit_code == 1  # the malformed placement fails again
    assert '"failed": 1' in replayed.stdout

    assert on_platform(data, analytics_differences)  # no analytics consumer ran
    rebuilt = cli.json("analytics", "rebuild", "--yes")
    assert rebuilt["orders"] == 3  # the two placed and the orphan, now in SQL
    assert on_platform(data, analytics_differences) == {}
