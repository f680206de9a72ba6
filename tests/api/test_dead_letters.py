"""The admin dead-letter routes and /ready's count, on the app's own embedded pipeline."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from restman_core.bootstrap import Platform, bootstrap
from tests.api.harness import Harness, running_api
from tests.api.harness import test_settings as api_settings
from tests.pipeline.world import place_orders, seed
from tests.support.poison import (
    malformed_placement,
    orphan_placement,
    supply_missing_order,
)
from tests.support.services import wait_for

LETTERS = "/api/admin/dead-letters"


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_api(tmp_path / "data", kafka_consumer_max_attempts=2) as running:
        yield running


@pytest.fixture
async def platform(api: Harness) -> AsyncIterator[Platform]:
    """A platform of the test's own on the API's data directory: the app runs on another event
    loop, whose engine this test must not use."""
    own = await bootstrap(api_settings(api.data_dir, kafka_consumer_max_attempts=2))
    try:
        yield own
    finally:
        await own.close()


async def test_dead_letters_over_http(api: Harness, platform: Platform) -> None:
    world = await seed(platform, restaurants=1, customers=1)
    await place_orders(platform, world, 1, random.Random(4))
    real = world.placed[0].id
    orphan = await orphan_placement(platform, real)
    bad = await malformed_placement(platform)
    await wait_for(
        lambda: _ready_count(api),
        until=lambda n: n == 5,
        what="kitchen and billing dead letters of both poison events, analytics' of one",
        timeout=60,
    )
    admin, customer = await api.new_admin(), await api.new_user()
    client = api.client

    assert (await client.get(LETTERS)).status_code == 401
    forbidden = await client.get(LETTERS, headers=customer.headers)
    assert forbidden.status_code == 403
    assert set(forbidden.json()) >= {"error", "message"}

    ready = await client.get("/ready")
    assert ready.json()["dead_letters"] == 5
    assert ready.json()["checks"]["analytics"] == "ok"

    listed = await client.get(LETTERS, params={"consumer": "billing"}, headers=admin.headers)
    assert listed.status_code == 200
    ids = {d["event_id"] for d in listed.json()}
    assert ids == {str(orphan.event_id), str(bad.event_id)}
    page = await client.get(LETTERS, params={"limit": 1}, headers=admin.headers)
    older = await client.get(
        LETTERS, params={"limit": 200, "before": page.json()[0]["id"]}, headers=admin.headers
    )
    assert len(page.json()) == 1
    assert len(older.json()) <= 4

    letter = f"billing:{orphan.event_id}"
    shown = (await client.get(f"{LETTERS}/{letter}", headers=admin.headers)).json()
    assert (shown["consumer"], shown["attempts"]) == ("billing", 2)
    assert shown["last_error"]
    assert shown["event"]["event_type"] == "order.placed"

    again = await _replay(api, admin.headers, letter)
    assert again["replayed"] is False
    assert again["dead_letter"]["attempts"] == 3

    await supply_missing_order(platform, real, orphan.key)
    assert (await _replay(api, admin.headers, letter))["replayed"] is True
    assert (await client.get(f"{LETTERS}/{letter}", headers=admin.headers)).status_code == 404
    bill = await client.get(f"/api/billing/orders/{orphan.key}", headers=admin.headers)
    assert bill.status_code == 200

    purged = await client.delete(f"{LETTERS}/kitchen:{bad.event_id}", headers=admin.headers)
    assert purged.status_code == 200
    gone = await client.delete(f"{LETTERS}/kitchen:{bad.event_id}", headers=admin.headers)
    assert gone.status_code == 404
    assert gone.json()["error"]
    malformed = await client.get(f"{LETTERS}/not-an-id", headers=admin.headers)
    assert malformed.status_code == 400
    assert (await client.get("/ready")).json()["dead_letters"] == 3


async def _ready_count(api: Harness) -> int | None:
    count = (await api.client.get("/ready")).json().get("dead_letters")
    return None if count is None else int(count)


async def _replay(api: Harness, headers: dict[str, str], letter: str) -> dict[str, Any]:
    r = await api.client.post(f"{LETTERS}/{letter}/replay", headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_letter_ids_name_consumer_and_event() -> None:
    from restman_core.ports.dead_letters import letter_id, parse_letter_id

    event = uuid.uuid4()
    assert parse_letter_id(letter_id("kitchen", event)) == ("kitchen", event)
