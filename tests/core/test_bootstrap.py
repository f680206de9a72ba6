"""bootstrap() on an empty data directory: the embedded database is created and migrated, and
the library flow of the README works on it end to end."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from restman_core.adapters.sql import migrate
from restman_core.adapters.sql.urls import sqlite_url
from restman_core.bootstrap import Platform, bootstrap
from restman_core.config import Settings
from restman_core.domain.access import Role
from restman_core.domain.billing import BillStatus
from restman_core.domain.clock import SystemClock
from restman_core.domain.users import User
from restman_core.errors import Unavailable
from restman_core.ports.storage import Transaction
from tests.core.builders import placed_payload
from tests.core.test_settings import env_names

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def platform(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Platform]:
    for name in env_names():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    built = await bootstrap(Settings(data_dir=tmp_path / "data"))
    yield built
    await built.close()


async def test_bootstrap_creates_the_embedded_database_at_head(
    platform: Platform, tmp_path: Path
) -> None:
    database = tmp_path / "data" / "restman.db"
    assert database.is_file()
    assert platform.embedded
    assert migrate.current_revision(sqlite_url(database)) == migrate.head_revision()
    await platform.db.ping()


async def test_library_flow_on_embedded_storage(platform: Platform) -> None:
    now = SystemClock().now()
    users = [
        User(uuid.uuid4(), f"{role}-{uuid.uuid4().hex[:8]}@example.com", role, True, now, now)
        for role in (Role.OWNER, Role.CUSTOMER)
    ]

    async def add_users(tx: Transaction) -> None:
        for user in users:
            await tx.users.add(user)

    await platform.db.run(add_users)
    owner, guest = (u.as_actor() for u in users)

    pizzeria = await platform.menus.create_restaurant(owner, {"name": "Pizza Palace"})
    pizzas = await platform.menus.create_category(owner, pizzeria.id, {"name": "Pizzas"})
    margherita = await platform.menus.create_food(
        owner, pizzeria.id, {"category_id": str(pizzas.id), "name": "Margherita", "price": "12.99"}
    )
    placed = await platform.orders.place_order(
        guest,
        {
            "restaurant_id": str(pizzeria.id),
            "items": [{"food_id": str(margherita.id), "quantity": 2}],
        },
    )
    payload = await placed_payload(platform.db, placed.order.id)

    async def open_bill(tx: Transaction) -> None:
        await platform.billing.open_bill(tx, payload)

    await platform.db.run(open_bill)
    bill = await platform.billing.get_bill(guest, placed.order.id)
    assert (bill.subtotal, bill.tax_amount, bill.total_amount, bill.status) == (
        Decimal("25.98"),
        Decimal("2.60"),
        Decimal("28.58"),
        BillStatus.PENDING,
    )


def test_the_library_example_of_the_readme_runs(tmp_path: Path) -> None:
    """``examples/library.py`` (the README's library example) runs as a user would run it."""
    example = ROOT / "examples" / "library.py"
    assert example.is_file()
    env = {k: v for k, v in os.environ.items() if k not in env_names()}
    result = subprocess.run(
        [sys.executable, str(example)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "total 25.98" in result.stdout
    assert "= 28.58" in result.stdout


async def test_a_closed_platform_never_reopens_analytics(platform: Platform) -> None:
    """A worker that outlives its platform gets Unavailable (and waits) instead of reopening the
    one-per-process analytics engine behind the platform's back."""
    await (await platform.analytics()).health()
    await platform.close()
    with pytest.raises(Unavailable, match="closed"):
        await platform.analytics()
    await platform.close()  # twice is fine
    # The engine was released: another platform in this process can open it.
    again = await bootstrap(platform.settings)
    try:
        await (await again.analytics()).health()
    finally:
        await again.close()
