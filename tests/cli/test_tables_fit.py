"""Tables fit an 80-column terminal, ids stay whole and copyable, and short order numbers
(``B408E2``) work wherever an order id does. COLUMNS=80 fixes the console's width."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from restman_cli.errors import EXIT_INVALID_INPUT, EXIT_NOT_FOUND
from restman_cli.table_fit import fit_widths, relative_time
from tests.cli.conftest import Cli, restaurant_named

NARROW = {"COLUMNS": "80"}
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

LISTINGS = [
    ("restaurants", "list"),
    ("orders", "list", "--limit", "20"),
    ("tickets", "list", "--limit", "20"),
    ("users", "list", "--limit", "20"),
    ("config", "show"),
]


def _widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


@pytest.mark.parametrize("args", LISTINGS, ids=lambda a: " ".join(a[:2]))
def test_tables_fit_80_columns(seeded: Cli, args: tuple[str, ...]) -> None:
    assert _widest(seeded.ok(*args, **NARROW).stdout) <= 80


def test_restaurant_ids_are_whole_in_the_table(seeded: Cli) -> None:
    table = seeded.ok("restaurants", "list", **NARROW).stdout
    ids = {r["id"] for r in seeded.json("restaurants", "list")}
    assert set(UUID_TEXT.findall(table)) == ids
    assert table.index("name") < table.index(" id ")


def test_orders_table_shows_numbers_and_relative_times(seeded: Cli) -> None:
    newest = seeded.json("orders", "list", "--limit", "1")[0]
    table = seeded.ok("orders", "list", "--limit", "5", **NARROW).stdout
    assert newest["number"] in table
    assert newest["id"] not in table
    assert " ago" in table
    assert "more columns with --wide" in table
    wide = seeded.ok("orders", "list", "--limit", "5", "--wide", COLUMNS="240").stdout
    assert newest["created_at"] in wide
    assert newest["id"] in wide
    assert newest["restaurant_id"] in wide


def test_seed_demo_prints_each_restaurant_id_whole_on_its_own_line(cli: Cli) -> None:
    out = cli.ok("seed", "demo", "--orders", "3", **NARROW).stdout
    assert _widest(out) <= 80
    lines = out.splitlines()
    for restaurant in cli.json("restaurants", "list"):
        assert f"  id:    {restaurant['id']}" in lines


def test_json_and_csv_keep_every_column(seeded: Cli) -> None:
    order = seeded.json("orders", "list", "--limit", "1", **NARROW)[0]
    assert {"id", "restaurant_id", "created_at"} <= order.keys()
    header = seeded.ok("orders", "list", "--limit", "1", "-o", "csv", **NARROW).stdout
    assert header.startswith("number,id,status,order_type,table,total_amount,restaurant_id,")


def test_short_order_numbers_work_wherever_an_order_id_does(seeded: Cli) -> None:
    grill = restaurant_named(seeded, "Harbour Grill")["id"]
    order = seeded.json("orders", "list", "--restaurant", grill, "--limit", "1")[0]
    assert seeded.json("orders", "show", order["number"])["id"] == order["id"]
    assert seeded.json("orders", "show", order["number"].lower())["id"] == order["id"]
    assert seeded.json("bills", "show", order["number"])["order_id"] == order["id"]
    assert seeded.run("orders", "show", "ZZZZZZ").exit_code == EXIT_INVALID_INPUT
    missing = "0" * 6 if not order["id"].startswith("000000") else "f" * 6
    assert seeded.run("orders", "show", missing).exit_code == EXIT_NOT_FOUND


def test_an_ambiguous_order_number_is_refused_naming_the_orders(cli: Cli, tmp_path: Path) -> None:
    cli.ok("seed", "demo", "--orders", "3")
    original = cli.json("orders", "list", "--limit", "1")[0]
    twin = uuid.UUID(original["id"].replace("-", "")[:6] + uuid.uuid4().hex[6:])
    with sqlite3.connect(tmp_path / "data" / "restman.db") as db:
        db.execute(
            "CREATE TEMP TABLE twin AS SELECT * FROM orders WHERE id = ?",
            [original["id"].replace("-", "")],
        )
        db.execute("UPDATE twin SET id = ?", [twin.hex])
        db.execute("INSERT INTO orders SELECT * FROM twin")
    result = cli.run("orders", "show", original["number"])
    assert result.exit_code == EXIT_INVALID_INPUT
    assert "ambiguous" in result.stderr
    assert original["id"] in result.stderr
    assert str(twin) in result.stderr


def test_relative_times() -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    ago = {
        timedelta(seconds=10): "just now",
        timedelta(minutes=3): "3 min ago",
        timedelta(hours=5): "5 h ago",
        timedelta(days=2): "2 d ago",
        timedelta(days=40): "2026-10-22",
        -timedelta(minutes=4): "in 4 min",
    }
    for delta, said in ago.items():
        assert relative_time((now - delta).isoformat().replace("+00:00", "Z"), now) == said
    assert relative_time(None, now) == "-"


def test_fit_widths_shrinks_text_and_never_ids() -> None:
    assert fit_widths([10, 36], [False, True], 80) == [10, 36]
    widths = fit_widths([30, 30, 36], [False, False, True], 80)
    assert widths is not None
    assert widths[2] == 36
    assert sum(widths) + 10 <= 80
    assert fit_widths([36, 36, 36], [True, True, True], 80) is None


def test_orders_show_prints_the_status_history_as_a_table(seeded: Cli) -> None:
    order = seeded.json("orders", "list", "--status", "IN_PROGRESS", "--limit", "1")[0]
    history = seeded.json("orders", "show", order["number"])["status_history"]
    table = seeded.ok("orders", "show", order["number"], **NARROW).stdout
    assert _widest(table) <= 80
    section = table[table.index("Status history") :]
    for change in history:
        assert change["status"] in section
        assert change["changed_at"].replace("T", " ")[:19] in section


def test_tickets_csv_gives_items_in_a_readable_form(seeded: Cli) -> None:
    tickets = seeded.json("tickets", "list", "--limit", "50")
    out = seeded.ok("tickets", "list", "--limit", "50", "-o", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == len(tickets)
    for ticket, row in zip(tickets, rows, strict=True):
        expected = "; ".join(
            f"{i['quantity']}× {i['food_name']}"
            + (f" ({i['notes']})" if i["notes"] else "")
            + (" ✓" if i["done"] else "")
            for i in ticket["items"]
        )
        assert row["items"] == expected
        assert "{" not in row["items"]
    assert isinstance(tickets[0]["items"], list)
