"""The demo seed and every read-only command, on one shared seeded embedded installation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from restman_cli.errors import EXIT_NOT_FOUND, EXIT_USAGE
from tests.cli.conftest import Cli, restaurant_named

OPEN = {"NEW", "ACCEPTED", "IN_PROGRESS", "READY"}


def test_seeding_again_adds_nothing(seeded: Cli) -> None:
    orders_before = seeded.json("orders", "list", "--limit", "1000")
    revenue_before = seeded.json("analytics", "revenue", "--days", "60")
    again = seeded.json("seed", "demo")
    assert again == {
        "users_created": 0,
        "menu_objects_created": 0,
        "orders_created": 0,
        "orders_already_there": 300,
        "analytics_facts_recorded": 0,
        "analytics_facts_rerecorded": again["analytics_facts_rerecorded"],
    }
    assert again["analytics_facts_rerecorded"] > 0
    assert seeded.json("orders", "list", "--limit", "1000") == orders_before
    assert seeded.json("analytics", "revenue", "--days", "60") == revenue_before
    assert len(orders_before) == 300


def test_demo_data_is_realistic(seeded: Cli) -> None:
    restaurants = seeded.json("restaurants", "list")
    assert sorted(r["name"] for r in restaurants) == [
        "Harbour Grill",
        "Saffron Street",
        "Trattoria Lumen",
    ]
    grill = seeded.json("restaurants", "show", restaurant_named(seeded, "Harbour Grill")["id"])
    stations = {f["station"] or c["station"] for c in grill["categories"] for f in c["foods"]}
    assert {"grill", "fry", "bar"} <= stations
    orders = seeded.json("orders", "list", "--limit", "1000")
    placed = sorted(datetime.fromisoformat(o["created_at"]) for o in orders)
    assert placed[-1] - placed[0] > timedelta(weeks=3)
    assert {o["status"] for o in orders} >= {"COMPLETED", "CANCELLED", "PLACED"}
    assert len(seeded.json("users", "list", "--role", "user", "--limit", "200")) == 20
    assert len(seeded.json("staff", "list", "--restaurant", grill["id"])) == 2


def test_orders_filters_and_show(seeded: Cli) -> None:
    grill = restaurant_named(seeded, "Harbour Grill")["id"]
    placed = seeded.json("orders", "list", "--status", "placed", "--restaurant", grill)
    assert placed
    assert all(o["status"] == "PLACED" and o["restaurant_id"] == grill for o in placed)
    since = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    recent = seeded.json("orders", "list", "--since", since, "--limit", "1000")
    assert 0 < len(recent) < 300
    assert all(o["created_at"] >= since for o in recent)
    order = seeded.json("orders", "show", placed[0]["id"])
    assert order["items"]
    assert order["status_history"][0]["status"] == "PLACED"
    assert "items" not in placed[0]
    table = seeded.ok("orders", "show", placed[0]["id"]).stdout
    assert order["number"] in table
    assert order["items"][0]["food_name"] in table
    csv_lines = seeded.ok("orders", "list", "--limit", "3", "-o", "csv").stdout.splitlines()
    assert csv_lines[0].startswith("number,id,status")
    assert len(csv_lines) == 4


def test_tickets_list(seeded: Cli) -> None:
    open_tickets = seeded.json("tickets", "list", "--open")
    assert open_tickets
    assert {t["status"] for t in open_tickets} <= OPEN
    grill = seeded.json("tickets", "list", "--station", "GRILL", "--status", "DELIVERED_TO_SERVICE")
    assert grill
    assert {(t["station"], t["status"]) for t in grill} == {("grill", "DELIVERED_TO_SERVICE")}
    assert all(t["ready_at"] for t in grill)


def test_bills(seeded: Cli) -> None:
    saffron = restaurant_named(seeded, "Saffron Street")["id"]
    bills = seeded.json("bills", "list", "--restaurant", saffron, "--limit", "500")
    assert {b["status"] for b in bills} >= {"PAID", "CANCELLED"}
    paid = next(b for b in bills if b["status"] == "PAID")
    assert paid["tax_rate"] == "0.05"
    assert paid["payment_method"] in {"cash", "card", "upi"}
    shown = seeded.json("bills", "show", paid["order_id"])
    assert {key: shown[key] for key in paid} == paid  # the whole bill: the list's fields and more
    assert [p["amount"] for p in shown["payments"]] == [paid["amount_paid"]]
    mine = seeded.json("bills", "list", "--customer", "ana.silva@demo.restman.dev")
    assert mine
    assert {b["user_id"] for b in mine} == {mine[0]["user_id"]}
    missing = seeded.run("bills", "show", "00000000-0000-4000-8000-000000000000")
    assert missing.exit_code == EXIT_NOT_FOUND
    both = seeded.run("bills", "list", "--restaurant", saffron, "--customer", "a@b.cd")
    assert both.exit_code == EXIT_USAGE


def test_analytics_reports(seeded: Cli) -> None:
    top = seeded.json("analytics", "top-foods", "--days", "60", "--limit", "5")
    assert len(top) == 5
    assert [f["total_quantity"] for f in top] == sorted(
        (f["total_quantity"] for f in top), reverse=True
    )
    revenue = seeded.json("analytics", "revenue", "--days", "60")
    assert revenue["total_orders"] > 200
    assert len(revenue["daily"]) == 60
    statuses = {
        s["status"]: s["count"]
        for s in seeded.json("analytics", "orders-by-status", "--days", "60")
    }
    assert sum(statuses.values()) == 300
    assert statuses["COMPLETED"] > statuses["CANCELLED"] > 0
    times = seeded.json("analytics", "kitchen-times", "--days", "60")
    assert {t["station"] for t in times} >= {"grill", "fry", "bar"}
    grill = restaurant_named(seeded, "Harbour Grill")["id"]
    only_grill = seeded.json("analytics", "revenue", "--days", "60", "--restaurant", grill)
    assert 0 < only_grill["total_orders"] < revenue["total_orders"]


def test_analytics_tables_draw_charts(seeded: Cli) -> None:
    assert "█" in seeded.ok("analytics", "top-foods", "--days", "60").stdout
    assert "█" in seeded.ok("analytics", "orders-by-status", "--days", "60").stdout
    kitchen = seeded.ok("analytics", "kitchen-times", "--days", "60").stdout
    assert any(mark in kitchen for mark in "▁▂▃▄▅▆▇")
    revenue = seeded.ok("analytics", "revenue", "--days", "14").stdout
    assert "per day" in revenue
    wrong = seeded.run("analytics", "revenue", "--from", "2026-02-01", "--to", "2026-01-01")
    assert wrong.exit_code == EXIT_USAGE
