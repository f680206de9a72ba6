"""The data-changing commands on real PostgreSQL (a fresh database per test), migrated with
``restman db upgrade`` and dropped at the end; ``doctor`` against real PostgreSQL and Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from restman_cli.errors import (
    EXIT_CONFIGURATION,
    EXIT_CONFLICT,
    EXIT_FAILED,
    EXIT_INVALID_INPUT,
)
from tests.cli.conftest import Cli, restaurant_named
from tests.core.databases import fresh_database
from tests.support.services import (
    POSTGRES_ADMIN_URL,
    REDIS_TEST_URL,
    TEST_SECRET_KEY,
    port_open,
    require,
)

pytestmark = pytest.mark.postgres
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    return port_open(parts.hostname or "127.0.0.1", parts.port or 5432)


@pytest.fixture
def pg(cli: Cli) -> Iterator[Cli]:
    """The CLI on a database of this test's own (unmigrated), dropped afterwards: no test here
    depends on what another left behind."""
    require("PostgreSQL", _reachable(POSTGRES_ADMIN_URL), POSTGRES_ADMIN_URL)
    with fresh_database("cli") as url:
        env = {**cli.env, "DATABASE_URL": url, "RESTMAN_SECRET_KEY": TEST_SECRET_KEY}
        yield Cli(env, cli.cwd)


def test_migrate_then_doctor(pg: Cli) -> None:
    before = pg.run("doctor")
    assert before.exit_code == EXIT_FAILED
    assert "run `restman db upgrade`" in before.stdout
    unmigrated = pg.run("restaurants", "list")
    assert unmigrated.exit_code == EXIT_CONFIGURATION
    assert "run `restman db upgrade`" in unmigrated.stderr
    assert "Traceback" not in unmigrated.output
    upgraded = pg.json("db", "upgrade")
    assert upgraded["at_head"] is True
    assert upgraded["database"].startswith("postgresql://")
    assert pg.json("db", "current")["current"] == upgraded["head"]
    require("Redis", _reachable(REDIS_TEST_URL), REDIS_TEST_URL)
    checks = pg.json("doctor", REDIS_URL=REDIS_TEST_URL)
    assert {c["check"]: c["verdict"] for c in checks} == {
        "configuration": "ok",
        "secret_key": "ok",
        "database": "ok",
        "redis": "ok",
        "kafka": "ok",
        "events": "ok",
        "analytics": "ok",
        "mail": "ok",
    }


def test_seed_twice_on_postgres(pg: Cli) -> None:
    pg.ok("db", "upgrade")
    first = pg.json("seed", "demo", "--orders", "40")
    assert first["orders_created"] == 40
    assert first["users_created"] == 26
    orders = pg.json("orders", "list", "--limit", "100")
    second = pg.json("seed", "demo", "--orders", "40")
    assert (second["orders_created"], second["orders_already_there"]) == (0, 40)
    assert second["users_created"] == second["menu_objects_created"] == 0
    assert pg.json("orders", "list", "--limit", "100") == orders
    assert len(pg.json("restaurants", "list")) == 3


def test_changes_on_postgres(pg: Cli) -> None:
    pg.ok("db", "upgrade")
    pg.ok("seed", "demo", "--orders", "40")
    admin = pg.json("users", "create-admin", "pg.ops@example.com")
    assert admin["role"] == "admin"
    pg.json("users", "token", "pg.ops@example.com")
    assert pg.json("users", "deactivate", "pg.ops@example.com", "--yes")["is_active"] is False
    created = pg.json("restaurants", "create", "PG Diner", "--owner", "owner@demo.restman.dev")
    report = pg.json("menu", "import", str(EXAMPLES / "menu.csv"), "--restaurant", created["id"])
    assert report["foods_created"] == 8
    bad = pg.cwd / "bad.csv"
    bad.write_text("category,name,price\nMains,New Dish,4.00\nMains,Bad Dish,abc\n")
    rejected = pg.run("menu", "import", str(bad), "--restaurant", created["id"])
    assert rejected.exit_code == EXIT_INVALID_INPUT
    assert "line 3: price" in rejected.stderr
    names = {f["name"] for f in pg.json("foods", "list", "--restaurant", created["id"])}
    assert "New Dish" not in names
    assert len(names) == 8
    grill = restaurant_named(pg, "Harbour Grill")["id"]
    added = pg.json("staff", "add", "ben.okafor@demo.restman.dev", "--restaurant", grill, "--yes")
    assert added["user"]["role"] == "kitch"
    fries = next(f for f in pg.json("foods", "list", "--restaurant", grill) if f["name"] == "Fries")
    assert pg.json("foods", "86", fries["id"])["is_available"] is False
    placed = pg.json("orders", "list", "--status", "PLACED")[0]
    assert pg.json("orders", "status", placed["id"], "ACCEPTED")["status"] == "ACCEPTED"
    assert pg.run("orders", "status", placed["id"], "PLACED").exit_code == EXIT_CONFLICT


def test_downgrade_to_base_empties_the_schema(pg: Cli) -> None:
    pg.ok("db", "upgrade")
    assert pg.json("db", "downgrade", "base", "--yes")["current"] is None
    assert pg.json("db", "upgrade")["at_head"] is True


def test_sessions_in_redis_are_revoked(pg: Cli) -> None:
    require("Redis", _reachable(REDIS_TEST_URL), REDIS_TEST_URL)
    pg.ok("db", "upgrade")
    email = f"redis.ops.{uuid.uuid4().hex[:8]}@example.com"
    pg.ok("users", "create-admin", email, REDIS_URL=REDIS_TEST_URL)
    pg.json("users", "token", email, REDIS_URL=REDIS_TEST_URL)
    pg.json("users", "token", email, REDIS_URL=REDIS_TEST_URL)
    revoked = pg.json("users", "sessions", "revoke", email, "--yes", REDIS_URL=REDIS_TEST_URL)
    assert revoked["sessions_revoked"] == 2
    again = pg.json("users", "sessions", "revoke", email, "--yes", REDIS_URL=REDIS_TEST_URL)
    assert again["sessions_revoked"] == 0
