"""Names that people typed reach the operator's terminal and spreadsheets as text only: Rich
markup prints literally, control characters are refused (and escaped if old data has them),
and CSV cells that look like formulas are neutralised."""

from __future__ import annotations

import pytest

from restman_cli.errors import EXIT_INVALID_INPUT
from restman_cli.output import csv_safe, printable
from tests.cli.conftest import Cli

OWNER = "owner@demo.restman.dev"
MARKUP = "[bold]x[/bold]"
FORMULA = "=cmd|' /C calc'!A0"


@pytest.fixture
def demo(cli: Cli) -> Cli:
    """A small demo installation of its own, with an owner."""
    cli.json("seed", "demo", "--orders", "1")
    return cli


def test_rich_markup_in_a_name_prints_literally(demo: Cli) -> None:
    created = demo.json("restaurants", "create", MARKUP, "--owner", OWNER)
    assert created["name"] == MARKUP
    listing = demo.ok("restaurants", "list").stdout
    assert MARKUP in listing
    shown = demo.ok("restaurants", "show", created["id"]).stdout
    assert MARKUP in shown


def test_a_formula_in_a_name_is_neutralised_in_csv(demo: Cli) -> None:
    demo.json("restaurants", "create", FORMULA, "--owner", OWNER)
    csv_text = demo.ok("restaurants", "list", "-o", "csv").stdout
    cells = [line.split(",")[0] for line in csv_text.splitlines()]
    assert f"'{FORMULA}" in csv_text
    assert not any(cell.startswith("=") for cell in cells), cells


def test_a_name_with_a_terminal_escape_is_refused(demo: Cli) -> None:
    result = demo.run("restaurants", "create", "Evil \x1b]0;owned\x07", "--owner", OWNER)
    assert result.exit_code == EXIT_INVALID_INPUT
    [line] = result.stderr.splitlines()
    assert "name must not contain control characters" in line
    assert "\x1b" not in result.stderr


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        (FORMULA, f"'{FORMULA}"),
        ("+1+1", "'+1+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Pizza", "Pizza"),
        ("12.99", "12.99"),
    ],
)
def test_csv_cells_starting_like_formulas_get_a_quote(cell: str, safe: str) -> None:
    assert csv_safe(cell) == safe


def test_control_characters_already_stored_print_as_escapes() -> None:
    assert printable("Evil\x1b[2J\x9b") == "Evil\\x1b[2J\\x9b"
    assert printable("two\nlines") == "two\nlines"
