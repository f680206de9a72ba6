"""``restman menu import`` of the restaurant's settings and foods' tax rates: bad values are
named by line with exit 6 and change nothing, rows must agree on the restaurant's settings, and
a setting no row states is left as it is."""

from __future__ import annotations

import pytest

from restman_cli.errors import EXIT_INVALID_INPUT
from tests.cli.conftest import Cli

HEADER = "category,name,price,tax_rate,timezone,opening_hours,prices_include_tax\n"


@pytest.fixture
def restaurant(cli: Cli) -> str:
    cli.ok("users", "create-admin", "ops@example.com")
    created = cli.json("restaurants", "create", "Settings", "--owner", "ops@example.com")
    return str(created["id"])


def test_bad_settings_and_rates_are_named_by_line_and_nothing_changes(
    cli: Cli, restaurant: str
) -> None:
    before = cli.json("restaurants", "show", restaurant)
    bad = cli.cwd / "bad.csv"
    bad.write_text(
        HEADER
        + "Drinks,Tea,2.00,0.20,Europe/Paris,mon 08:00-18:00,true\n"
        + "Drinks,Cola,2.00,1.5,,,\n"  # a rate above 1
        + "Drinks,Juice,2.00,0.123456,,,\n"  # more than four places
        + "Food,Toast,3.00,,Mars/Base,,\n"  # an unknown zone
        + "Food,Soup,3.00,,,,maybe\n"  # not a yes/no
        + "Food,Stew,3.00,,,mon 8-18,\n"  # hours it cannot read
        + "Food,Pie,3.00,,Europe/Rome,,\n"  # disagrees with line 2
    )
    result = cli.run("menu", "import", str(bad), "--restaurant", restaurant)
    assert result.exit_code == EXIT_INVALID_INPUT
    for line, words in (
        (3, "tax_rate must be between 0 and 1"),
        (4, "tax_rate must have at most four decimal places"),
        (5, "timezone: unknown time zone"),
        (6, "prices_include_tax must be true or false"),
        (7, "opening_hours"),
        (8, "timezone differs from line 2"),
    ):
        assert f"bad.csv: line {line}: {words}" in result.stderr, result.stderr
    assert "line 2:" not in result.stderr
    assert cli.json("foods", "list", "--restaurant", restaurant) == []
    assert cli.json("restaurants", "show", restaurant) == before


def test_settings_are_applied_and_unstated_ones_kept(cli: Cli, restaurant: str) -> None:
    first = cli.cwd / "first.csv"
    first.write_text(HEADER + "Drinks,Tea,2.00,0.20,Asia/Tokyo,sat 09:00-17:00,yes\n")
    assert cli.json("menu", "import", str(first), "--restaurant", restaurant)["restaurant_updated"]
    shop = cli.json("restaurants", "show", restaurant)
    assert (shop["timezone"], shop["prices_include_tax"]) == ("Asia/Tokyo", True)
    assert shop["opening_hours"] == {"sat": [["09:00", "17:00"]]}
    # A file that states only the time zone leaves the hours and the VAT setting as they are,
    # and an empty tax_rate gives the food back the restaurant's rate.
    second = cli.cwd / "second.csv"
    second.write_text("category,name,price,tax_rate,timezone\nDrinks,Tea,2.00,,Europe/Oslo\n")
    cli.ok("menu", "import", str(second), "--restaurant", restaurant)
    shop = cli.json("restaurants", "show", restaurant)
    assert (shop["timezone"], shop["prices_include_tax"]) == ("Europe/Oslo", True)
    assert shop["opening_hours"] == {"sat": [["09:00", "17:00"]]}
    [tea] = cli.json("foods", "list", "--restaurant", restaurant)
    assert tea["tax_rate"] is None
