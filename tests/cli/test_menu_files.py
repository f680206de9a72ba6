"""``restman menu import`` of files that are not what they should be: each is one clear line
on stderr and exit 6, never a traceback; ``--encoding`` reads files that are not UTF-8."""

from __future__ import annotations

from pathlib import Path

import pytest

from restman_cli.errors import EXIT_INVALID_INPUT
from tests.cli.conftest import Cli

MENU = "category,name,price\nDesserts,Crème brûlée,6.50\n"
DEEP = 100_000


@pytest.fixture
def restaurant(cli: Cli) -> str:
    cli.ok("users", "create-admin", "ops@example.com")
    created = cli.json("restaurants", "create", "Menu Files", "--owner", "ops@example.com")
    return str(created["id"])


def _refused(cli: Cli, restaurant: str, path: Path, *extra: str) -> str:
    """Import ``path``: exit 6 with exactly one line on stderr, which is returned."""
    result = cli.run("menu", "import", str(path), "--restaurant", restaurant, *extra)
    assert result.exit_code == EXIT_INVALID_INPUT, (result.exit_code, result.exception)
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ")
    return line


def _names(cli: Cli, restaurant: str) -> set[str]:
    return {f["name"] for f in cli.json("foods", "list", "--restaurant", restaurant)}


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not utf-8 text: byte 0x89 at offset 0"),
        (b"category,name,price\n\x00\x01\x02\x03", "not a text file"),
        (MENU.encode("latin-1"), "pass --encoding latin-1"),
        (MENU.encode("utf-16"), "UTF-16 text; pass --encoding utf-16"),
    ],
)
def test_files_that_are_not_utf8_text_are_refused_in_one_line(
    cli: Cli, restaurant: str, tmp_path: Path, data: bytes, says: str
) -> None:
    path = tmp_path / "menu.csv"
    path.write_bytes(data)
    assert says in _refused(cli, restaurant, path)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16", "cp1252"])
def test_encoding_reads_other_encodings(
    cli: Cli, restaurant: str, tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "menu.csv"
    path.write_bytes(MENU.encode(encoding))
    cli.ok("menu", "import", str(path), "--restaurant", restaurant, "--encoding", encoding)
    assert _names(cli, restaurant) == {"Crème brûlée"}


def test_a_utf8_byte_order_mark_is_dropped(cli: Cli, restaurant: str, tmp_path: Path) -> None:
    path = tmp_path / "menu.csv"
    path.write_bytes(b"\xef\xbb\xbf" + MENU.encode())
    cli.ok("menu", "import", str(path), "--restaurant", restaurant)
    assert _names(cli, restaurant) == {"Crème brûlée"}


def test_an_unknown_encoding_is_refused(cli: Cli, restaurant: str, tmp_path: Path) -> None:
    path = tmp_path / "menu.csv"
    path.write_text(MENU)
    assert "unknown encoding 'klingon'" in _refused(cli, restaurant, path, "--encoding", "klingon")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("menu.json", "[" * DEEP + "]" * DEEP),
        ("menu.json", '{"foods": ' + '{"a": ' * DEEP + "1" + "}" * DEEP + "}"),
        ("menu.yaml", "foods:\n  - " + "[" * DEEP + "]" * DEEP),
    ],
)
def test_documents_nested_absurdly_deep_are_refused(
    cli: Cli, restaurant: str, tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    assert "nested too deeply" in _refused(cli, restaurant, path)


def test_a_csv_field_of_200_kb_is_refused(cli: Cli, restaurant: str, tmp_path: Path) -> None:
    path = tmp_path / "menu.csv"
    path.write_text(f'category,name,price,description\nMains,Big,9.00,"{"x" * 200_000}"\n')
    line = _refused(cli, restaurant, path)
    assert "line 2" in line
    assert "field larger than field limit" in line
    assert _names(cli, restaurant) == set()
