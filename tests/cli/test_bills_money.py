"""``restman bills show`` prints the whole bill within 80 columns; ``restman bills refund``
asks before giving money back (or not, with --yes) and never refunds more than was paid."""

from __future__ import annotations

from pathlib import Path

import pytest

from restman_cli.errors import EXIT_CONFLICT
from tests.cli.conftest import Cli


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """A demo data set of this module's own: its tests give refunds."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in ("DATABASE_URL", "REDIS_URL", "KAFKA_BROKERS", "CLICKHOUSE_URL", "SMTP_HOST"):
            monkeypatch.delenv(name, raising=False)
            monkeypatch.delenv(f"RESTMAN_{name}", raising=False)
        root: Path = tmp_path_factory.mktemp("money")
        cli = Cli({"RESTMAN_DATA_DIR": str(root / "data")}, root)
        cli.json("seed", "demo")
        return cli


def a_bill(cli: Cli, status: str) -> dict[str, str]:
    restaurants = cli.json("restaurants", "list")
    bills = cli.json("bills", "list", "--restaurant", restaurants[0]["id"], "--limit", "500")
    return next(b for b in bills if b["status"] == status)


def test_show_prints_the_whole_bill_in_80_columns(demo: Cli) -> None:
    paid = a_bill(demo, "PAID")
    text = demo.ok("bills", "show", paid["order_id"]).stdout
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any(line.startswith("Subtotal") and line.endswith(paid["subtotal"]) for line in lines)
    assert any(line.startswith("Tax ") for line in lines)
    assert any(line.startswith(f"Paid by {paid['payment_method']}") for line in lines)
    assert any(line.startswith("Amount due") and line.endswith("0.00") for line in lines)


def test_refund_asks_then_gives_back_at_most_what_was_paid(demo: Cli) -> None:
    paid = a_bill(demo, "PAID")
    order = paid["order_id"]
    declined = demo.run(
        "bills", "refund", order, "--amount", "1.00", "--reason", "cold", input="n\n"
    )
    assert declined.exit_code == 1
    assert demo.json("bills", "show", order)["refunded_amount"] == "0.00"
    done = demo.json("bills", "refund", order, "--amount", "1.00", "--reason", "cold", "--yes")
    assert done["refunded_amount"] == "1.00"
    assert done["status"] == "PARTIALLY_REFUNDED"
    text = demo.ok("bills", "show", order).stdout
    assert "Refund: cold" in text
    too_much = demo.run(
        "bills", "refund", order, "--amount", paid["total_amount"], "--reason", "all", "--yes"
    )
    assert too_much.exit_code == EXIT_CONFLICT
    assert "more than was paid" in too_much.stderr
    pending = a_bill(demo, "CANCELLED")
    unpaid = demo.run(
        "bills", "refund", pending["order_id"], "--amount", "1.00", "--reason", "x", "-y"
    )
    assert unpaid.exit_code == EXIT_CONFLICT
