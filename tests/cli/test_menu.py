"""``restman menu import|export`` on embedded storage: all-or-nothing imports with line numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from restman_cli.errors import EXIT_INVALID_INPUT, EXIT_NOT_FOUND
from tests.cli.conftest import Cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def restaurant(cli: Cli) -> str:
    cli.ok("users", "create-admin", "ops@example.com")
    created = cli.json("restaurants", "create", "Menu Test", "--owner", "ops@example.com")
    return str(created["id"])


def _foods(cli: Cli, restaurant: str) -> dict[str, dict[str, object]]:
    return {f["name"]: f for f in cli.json("foods", "list", "--restaurant", restaurant)}


def test_example_csv_imports_and_exports_round_trip(cli: Cli, restaurant: str) -> None:
    dry = cli.json(
        "menu", "import", str(EXAMPLES / "menu.csv"), "--restaurant", restaurant, "--dry-run"
    )
    assert dry["dry_run"] is True
    assert dry["foods_created"] == 8
    assert _foods(cli, restaurant) == {}
    report = cli.json("menu", "import", str(EXAMPLES / "menu.csv"), "--restaurant", restaurant)
    assert report == {
        "restaurant_id": restaurant,
        "dry_run": False,
        "categories_created": 3,
        "foods_created": 8,
        "foods_updated": 0,
        "modifier_groups_created": 0,
        "modifier_groups_updated": 0,
        "restaurant_updated": False,
    }
    foods = _foods(cli, restaurant)
    assert foods["Fried Calamari"]["stock_remaining"] == 40
    assert foods["Seasonal Cider"]["is_available"] is False
    assert foods["Garden Salad"]["station"] == "kitchen"
    exported = cli.ok("menu", "export", "--restaurant", restaurant).stdout
    assert exported.splitlines()[0].startswith("category,name,price")
    again = cli.cwd / "again.csv"
    again.write_text(exported)
    second = cli.json("menu", "import", str(again), "--restaurant", restaurant)
    assert (second["foods_created"], second["foods_updated"], second["categories_created"]) == (
        0,
        8,
        0,
    )
    assert _foods(cli, restaurant).keys() == foods.keys()


def test_yaml_and_json_formats(cli: Cli, restaurant: str) -> None:
    report = cli.json("menu", "import", str(EXAMPLES / "menu.yaml"), "--restaurant", restaurant)
    assert report["foods_created"] == 6
    assert report["categories_created"] == 4
    out = cli.cwd / "menu.json"
    cli.ok("menu", "export", "--restaurant", restaurant, "--format", "json", "--file", str(out))
    exported = json.loads(out.read_text())["foods"]
    assert {f["name"] for f in exported} == set(_foods(cli, restaurant))
    sea_bass = next(f for f in exported if f["name"] == "Grilled Sea Bass")
    assert sea_bass["price"] == "19.50"
    assert sea_bass["category_station"] == "grill"


def test_a_bad_csv_reports_every_bad_row_and_changes_nothing(cli: Cli, restaurant: str) -> None:
    cli.ok("menu", "import", str(EXAMPLES / "menu.csv"), "--restaurant", restaurant)
    before = _foods(cli, restaurant)
    bad = cli.cwd / "bad.csv"
    bad.write_text(
        "category,name,price,stock\n"
        "Mains,Good Dish,10.00,\n"
        "Mains,,9.00,\n"
        "Mains,Cheap Dish,-1,\n"
        "Mains,Odd Dish,1.234,\n"
        "Mains,Counted Dish,5.00,many\n"
        "Mains,Good Dish,11.00,\n"
        "Mains,Fries,1.00,\n"
    )
    result = cli.run("menu", "import", str(bad), "--restaurant", restaurant)
    assert result.exit_code == EXIT_INVALID_INPUT
    lines = result.stderr.splitlines()
    assert lines[:5] == [
        "bad.csv: line 3: name is required",
        "bad.csv: line 4: price must not be negative",
        "bad.csv: line 5: price must have at most two decimal places",
        "bad.csv: line 6: stock must be a whole number",
        "bad.csv: line 7: 'Good Dish' is already on line 2",
    ]
    assert lines[-1] == "error: 5 bad row(s) in bad.csv; nothing was imported"
    assert _foods(cli, restaurant) == before


def test_a_bad_yaml_row_names_its_line(cli: Cli, restaurant: str) -> None:
    bad = cli.cwd / "bad.yaml"
    bad.write_text(
        "foods:\n"
        "  - category: Mains\n"
        "    name: Fine\n"
        "    price: '3.00'\n"
        "  - category: Mains\n"
        "    name: Broken\n"
        "    price: '3.00'\n"
        "    available: maybe\n"
        "  - name: No Category\n"
        "    price: 1\n"
    )
    result = cli.run("menu", "import", str(bad), "--restaurant", restaurant)
    assert result.exit_code == EXIT_INVALID_INPUT
    assert "bad.yaml: line 5: available must be true or false" in result.stderr
    assert "bad.yaml: line 9: category is required" in result.stderr
    assert _foods(cli, restaurant) == {}
    broken = cli.cwd / "broken.json"
    broken.write_text('[\n  {"category": "A", "name": "B", "price": "1.00"},\n  oops\n]\n')
    syntax = cli.run("menu", "import", str(broken), "--restaurant", restaurant)
    assert syntax.exit_code == EXIT_INVALID_INPUT
    assert "line 3" in syntax.stderr


def test_import_into_an_unknown_restaurant(cli: Cli) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    result = cli.run("menu", "import", str(EXAMPLES / "menu.csv"), "--restaurant", missing)
    assert result.exit_code == EXIT_NOT_FOUND
    assert cli.run("menu", "import", "nope.csv", "--restaurant", missing).exit_code == (
        EXIT_INVALID_INPUT
    )
