"""``restman events reconcile``: one row per consumer, in every output format."""

from __future__ import annotations

from tests.cli.conftest import Cli


def test_reconcile_reports_every_consumer(cli: Cli) -> None:
    cli.ok("db", "upgrade")
    rows = cli.json("events", "reconcile", "--grace", "0", "--full")
    assert [r["consumer"] for r in rows] == [
        "kitchen",
        "billing",
        "orders",
        "notifications",
        "analytics",
    ]
    assert all(r["missing"] == r["repaired"] == r["failed"] == 0 for r in rows)
    table = cli.ok("events", "reconcile").stdout
    assert "kitchen" in table
    assert "repaired" in table
