"""Commands that change data, on embedded storage: users, staff, restaurants, foods, orders."""

from __future__ import annotations

import pytest

from restman_cli.errors import (
    EXIT_CONFLICT,
    EXIT_FAILED,
    EXIT_INVALID_INPUT,
    EXIT_NOT_FOUND,
    EXIT_USAGE,
)
from tests.cli.conftest import Cli, restaurant_named

OWNER = "owner@demo.restman.dev"


@pytest.fixture
def demo(cli: Cli) -> Cli:
    """A small demo installation of its own (ten orders)."""
    report = cli.json("seed", "demo", "--orders", "10")
    assert report["orders_created"] == 10
    return cli


def test_users_admins_tokens_sessions_and_deactivation(cli: Cli) -> None:
    admin = cli.json("users", "create-admin", "Ops@Example.com")
    assert (admin["email"], admin["role"], admin["is_active"]) == ("ops@example.com", "admin", True)
    assert cli.json("users", "create-admin", "ops@example.com")["id"] == admin["id"]
    assert [u["email"] for u in cli.json("users", "list", "--role", "admin")] == ["ops@example.com"]
    token = cli.json("users", "token", "ops@example.com", "--hours", "2")
    assert len(token["token"]) >= 32
    assert token["user"]["id"] == admin["id"]
    plain = cli.ok("users", "token", "ops@example.com")
    assert plain.stdout.strip() != token["token"]
    assert "shown only once" in plain.stderr
    revoked = cli.json("users", "sessions", "revoke", "ops@example.com", "--yes")
    assert revoked == {"email": "ops@example.com", "sessions_revoked": 2}
    declined = cli.run("users", "deactivate", "ops@example.com", input="n\n")
    assert declined.exit_code == EXIT_FAILED
    assert cli.json("users", "list")[0]["is_active"] is True
    assert cli.json("users", "deactivate", "ops@example.com", "--yes")["is_active"] is False
    assert cli.json("users", "reactivate", "ops@example.com")["is_active"] is True
    missing = cli.run("users", "deactivate", "nobody@example.com", "--yes")
    assert missing.exit_code == EXIT_NOT_FOUND
    assert cli.run("users", "create-admin", "not-an-email").exit_code == EXIT_INVALID_INPUT
    assert cli.run("users", "list", "--role", "chef").exit_code == EXIT_INVALID_INPUT


def test_staff_add_list_remove(demo: Cli) -> None:
    lumen = restaurant_named(demo, "Trattoria Lumen")["id"]
    customer = "ana.silva@demo.restman.dev"
    refused = demo.run("staff", "add", customer, "--restaurant", lumen)
    assert refused.exit_code == EXIT_USAGE
    assert "--yes" in refused.stderr
    assert "customer account" in refused.stderr
    assert customer not in {u["email"] for u in demo.json("staff", "list", "--restaurant", lumen)}
    customers = demo.json("users", "list", "--role", "user", "--limit", "200")
    assert customer in {u["email"] for u in customers}
    added = demo.json("staff", "add", customer, "--restaurant", lumen, "--yes")
    assert added["invited"] is False
    assert added["user"]["role"] == "kitch"
    invited = demo.json("staff", "add", "new.cook@example.com", "--restaurant", lumen)
    assert invited["invited"] is True
    assert invited["user"] is None
    members = {u["email"] for u in demo.json("staff", "list", "--restaurant", lumen)}
    assert "ana.silva@demo.restman.dev" in members
    demo.ok("staff", "remove", "ana.silva@demo.restman.dev", "--restaurant", lumen)
    demo.ok("staff", "remove", "new.cook@example.com", "--restaurant", lumen)
    members = {u["email"] for u in demo.json("staff", "list", "--restaurant", lumen)}
    assert "ana.silva@demo.restman.dev" not in members
    again = demo.run("staff", "remove", "ana.silva@demo.restman.dev", "--restaurant", lumen)
    assert again.exit_code == EXIT_NOT_FOUND
    owner = demo.run("staff", "add", OWNER, "--restaurant", lumen)
    assert owner.exit_code == EXIT_CONFLICT


def test_restaurants_create_and_show(demo: Cli) -> None:
    created = demo.json(
        "restaurants",
        "create",
        "Noodle Bar",
        "--owner",
        OWNER,
        "--tax-rate",
        "0.07",
        "--address",
        "1 Lantern Row",
    )
    assert (created["name"], created["tax_rate"], created["is_active"]) == (
        "Noodle Bar",
        "0.07",
        True,
    )
    shown = demo.json("restaurants", "show", created["id"])
    assert shown["categories"] == []
    assert shown["address"] == "1 Lantern Row"
    assert len(demo.json("restaurants", "list")) == 4
    customer = demo.run("restaurants", "create", "Nope", "--owner", "ana.silva@demo.restman.dev")
    assert customer.exit_code == 7  # forbidden: customers may not own restaurants
    bad_rate = demo.run("restaurants", "create", "Nope", "--owner", OWNER, "--tax-rate", "2")
    assert bad_rate.exit_code == EXIT_INVALID_INPUT
    unknown = demo.run("restaurants", "create", "Nope", "--owner", "ghost@example.com")
    assert unknown.exit_code == EXIT_NOT_FOUND


def test_foods_86_and_restock(demo: Cli) -> None:
    grill = restaurant_named(demo, "Harbour Grill")["id"]
    calamari = {f["name"]: f for f in demo.json("foods", "list", "--restaurant", grill)}[
        "Fried Calamari"
    ]
    gone = demo.json("foods", "86", calamari["id"])
    assert gone["is_available"] is False
    kept = demo.json("foods", "restock", calamari["id"])
    assert kept["is_available"] is True
    assert kept["stock_remaining"] == calamari["stock_remaining"]
    counted = demo.json("foods", "restock", calamari["id"], "--stock", "12")
    assert counted["stock_remaining"] == 12
    assert demo.json("foods", "restock", calamari["id"], "--untracked")["stock_remaining"] is None
    both = demo.run("foods", "restock", calamari["id"], "--stock", "1", "--untracked")
    assert both.exit_code == EXIT_USAGE
    missing = demo.run("foods", "86", "00000000-0000-4000-8000-000000000000")
    assert missing.exit_code == EXIT_NOT_FOUND


def test_orders_status_moves_legally_only(demo: Cli) -> None:
    placed = demo.json("orders", "list", "--status", "PLACED")[0]
    accepted = demo.json("orders", "status", placed["id"], "accepted")
    assert accepted["status"] == "ACCEPTED"
    assert [h["status"] for h in accepted["status_history"]][-2:] == ["PLACED", "ACCEPTED"]
    illegal = demo.run("orders", "status", placed["id"], "COMPLETED")
    assert illegal.exit_code == EXIT_CONFLICT
    assert "Invalid status transition from ACCEPTED to COMPLETED" in illegal.stderr
    assert demo.run("orders", "status", placed["id"], "EATEN").exit_code == EXIT_INVALID_INPUT
    declined = demo.run("orders", "status", placed["id"], "CANCELLED", input="n\n")
    assert declined.exit_code == EXIT_FAILED
    assert demo.json("orders", "show", placed["id"])["status"] == "ACCEPTED"
    cancelled = demo.json("orders", "status", placed["id"], "CANCELLED", "--yes")
    assert cancelled["status"] == "CANCELLED"
