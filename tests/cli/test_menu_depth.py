"""``restman menu import|export`` round-trips modifier groups, allergens and category hours in
CSV, JSON and YAML, with line-numbered all-or-nothing errors; ``restman foods 86|restock``
work on modifier options too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from restman_cli.errors import EXIT_INVALID_INPUT
from tests.cli.conftest import Cli

SIZE = "Size (1-1): Small -0.50, Medium, Large +0.50"
MILK = "Milk (0-1): Oat milk +0.40 [stock 12], Soy milk [86]"
CSV = f"""category,name,price,allergens,modifiers,category_hours
Coffee,Flat white,3.20,milk,"{SIZE} | {MILK}",mon 07:00-11:00; sat 08:00-12:00
Coffee,Espresso,2.10,,"{SIZE}",mon 07:00-11:00; sat 08:00-12:00
Bakery,Croissant,2.50,gluten; milk,,
"""


@pytest.fixture
def restaurant(cli: Cli) -> str:
    cli.ok("users", "create-admin", "ops@example.com")
    created = cli.json("restaurants", "create", "Cafe", "--owner", "ops@example.com")
    return str(created["id"])


def _import(cli: Cli, path: Path, restaurant: str) -> dict[str, object]:
    report: dict[str, object] = cli.json("menu", "import", str(path), "--restaurant", restaurant)
    return report


@pytest.mark.parametrize("kind", ["csv", "json", "yaml"])
def test_modifiers_allergens_and_hours_round_trip(cli: Cli, restaurant: str, kind: str) -> None:
    source = cli.cwd / "menu.csv"
    source.write_text(CSV)
    report = _import(cli, source, restaurant)
    assert (report["modifier_groups_created"], report["foods_created"]) == (2, 3)
    exported = cli.ok("menu", "export", "--restaurant", restaurant, "--format", kind).stdout
    if kind == "json":
        rows = {r["name"]: r for r in json.loads(exported)["foods"]}
        assert rows["Flat white"]["modifiers"] == f"{SIZE} | {MILK}"
        assert rows["Croissant"]["allergens"] == "gluten; milk"
        assert rows["Espresso"]["category_hours"] == "mon 07:00-11:00; sat 08:00-12:00"
    again = cli.cwd / f"again.{kind}"
    again.write_text(exported)
    second = _import(cli, again, restaurant)
    # Nothing differs, so the groups are matched and left as they are.
    assert (second["modifier_groups_created"], second["modifier_groups_updated"]) == (0, 0)
    assert (second["foods_created"], second["foods_updated"]) == (0, 3)
    assert cli.ok("menu", "export", "--restaurant", restaurant, "--format", kind).stdout == exported


def test_bad_modifier_rows_are_named_by_line_and_nothing_is_written(
    cli: Cli, restaurant: str
) -> None:
    bad = cli.cwd / "bad.csv"
    bad.write_text(
        "category,name,price,modifiers,category_hours\n"
        f'Coffee,Latte,3.50,"{SIZE}",\n'
        "Coffee,Mocha,3.80,Size (1-1): Small,\n"  # the same group, given otherwise
        "Coffee,Tea,2.00,Extras (2-1): Honey,\n"  # min above max
        "Coffee,Cocoa,2.00,Extras: Honey,\n"  # no (min-max)
        "Coffee,Chai,2.00,,mon 7-11\n"
    )
    result = cli.run("menu", "import", str(bad), "--restaurant", restaurant)
    assert result.exit_code == EXIT_INVALID_INPUT
    for line, words in (
        (3, "differs from line 2"),
        (4, "min_selected"),
        (5, "cannot read group"),
        (6, "category_hours"),
    ):
        assert f"line {line}" in result.stderr
        assert words in result.stderr
    assert "line 2" not in result.stderr.replace("from line 2", "")
    assert cli.json("foods", "list", "--restaurant", restaurant) == []
    assert cli.json("foods", "options", "--restaurant", restaurant) == []


def test_foods_86_and_restock_take_option_ids(cli: Cli, restaurant: str) -> None:
    source = cli.cwd / "menu.csv"
    source.write_text(CSV)
    _import(cli, source, restaurant)
    options = {o["name"]: o for o in cli.json("foods", "options", "--restaurant", restaurant)}
    oat = options["Oat milk"]
    assert (oat["group_name"], oat["price_delta"], oat["stock_remaining"]) == ("Milk", "0.40", 12)
    gone = cli.json("foods", "86", oat["id"])
    assert (gone["name"], gone["is_available"]) == ("Oat milk", False)
    back = cli.json("foods", "restock", oat["id"], "--stock", "30")
    assert (back["is_available"], back["stock_remaining"]) == (True, 30)
    exported = cli.ok("menu", "export", "--restaurant", restaurant).stdout
    assert "Oat milk +0.40 [stock 30]" in exported


def test_restaurant_hours_are_shown_set_and_removed(cli: Cli, restaurant: str) -> None:
    assert cli.json("restaurants", "hours", restaurant)["opening_hours"] == "always open"
    week = "mon 11:00-15:00, 18:00-02:00; sun 10:00-14:00"
    shown = cli.json(
        "restaurants", "hours", restaurant, "--timezone", "Europe/Paris", "--set", week
    )
    assert (shown["timezone"], shown["opening_hours"]) == ("Europe/Paris", week)
    assert isinstance(shown["is_open_now"], bool)
    bad = cli.run("restaurants", "hours", restaurant, "--set", "mon 11-15")
    assert bad.exit_code == EXIT_INVALID_INPUT
    assert "opening_hours" in bad.stderr
    assert cli.run("restaurants", "hours", restaurant, "--timezone", "Nowhere/X").exit_code == (
        EXIT_INVALID_INPUT
    )
    cleared = cli.json("restaurants", "hours", restaurant, "--always-open")
    assert (cleared["opening_hours"], cleared["is_open_now"]) == ("always open", True)
