"""``restman menu import|export``: a restaurant's menu from and to a file.

The file format is described in :mod:`restman_cli.menu_format` (and in the README); examples
live in ``examples/menu.csv`` and ``examples/menu.yaml``. This module reads the file, shows
progress and renders the outcome; the import itself (checking every row, matching by name,
writing everything in one transaction) is :mod:`restman_core.services.menu_import`. An import is
all-or-nothing: every bad row is reported with its line number and then nothing is changed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import Progress

from restman_cli import menu_format
from restman_cli.errors import EXIT_INVALID_INPUT, fail
from restman_cli.menu_text import DEFAULT_ENCODING, decode_menu
from restman_cli.output import OutputFormat, OutputOption, emit_record, examples, note, stderr
from restman_cli.runtime import OPERATOR, execute, guarded, parse_uuid
from restman_core.errors import InvalidInput
from restman_core.services.menu_import import (
    ImportProgress,
    MenuEntry,
    MenuImportRow,
    MenuImportSummary,
    RowProblem,
    inspect_rows,
)

if TYPE_CHECKING:
    from restman_core.bootstrap import Platform

app = typer.Typer(help="Menus: import them from files and export them.", no_args_is_help=True)

PROGRESS_FROM_ROWS = 200


def _report(path: Path, problems: Sequence[RowProblem]) -> None:
    """Each bad row on stderr, in file order, then exit 6."""
    for problem in sorted(problems, key=lambda p: p.line):
        typer.echo(f"{path.name}: line {problem.line}: {problem.reason}", err=True)
    fail(f"{len(problems)} bad row(s) in {path.name}; nothing was imported", EXIT_INVALID_INPUT)


def _read_checked(path: Path, kind: str | None, encoding: str) -> list[MenuImportRow]:
    """The file's rows, or an exit with every problem listed on stderr (exit 6).

    The rows are checked by the core's own rules here as well, before any database is opened,
    so unreadable rows and bad values are reported together."""
    if not path.is_file():
        fail(f"{path} does not exist", EXIT_INVALID_INPUT)
    chosen = guarded(lambda: menu_format.format_of(path, kind))
    data = guarded(lambda: _read_bytes(path))
    text = guarded(lambda: decode_menu(data, encoding, path.name))
    rows, problems = guarded(lambda: menu_format.read_menu(text, chosen))
    problems += inspect_rows(rows)[1]
    if problems:
        _report(path, problems)
    return rows


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"{path} cannot be read: {error.strerror or error}") from None


@contextmanager
def _progress_bar(rows: int) -> Iterator[ImportProgress]:
    """A transient bar on stderr for big imports (from :data:`PROGRESS_FROM_ROWS` rows)."""
    with Progress(console=stderr(), transient=True, disable=rows < PROGRESS_FROM_ROWS) as bar:
        task = bar.add_task("importing", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def _summary_record(summary: MenuImportSummary) -> dict[str, Any]:
    return {**dataclasses.asdict(summary), "restaurant_id": str(summary.restaurant_id)}


@app.command(
    "import",
    epilog=examples(
        "restman menu import examples/menu.csv --restaurant <id> --dry-run",
        "restman menu import examples/menu.yaml --restaurant <id>",
        "restman menu import export.csv --restaurant <id> --encoding latin-1",
    ),
)
def import_menu(
    file: Annotated[Path, typer.Argument(help="CSV, JSON or YAML file (see the README).")],
    restaurant: Annotated[str, typer.Option(help="The restaurant's id.")],
    dry_run: Annotated[bool, typer.Option(help="Check and report; change nothing.")] = False,
    file_format: Annotated[
        str | None, typer.Option("--format", help="csv, json or yaml (default: by extension).")
    ] = None,
    encoding: Annotated[
        str,
        typer.Option(help="The file's text encoding (utf-8 drops a byte-order mark)."),
    ] = DEFAULT_ENCODING,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Import foods (and their categories) into a restaurant's menu: all rows or none.

    Every row is checked first; each bad row is reported with its line number and then
    nothing is changed. Foods are matched by name: a known name is updated, a new one
    created; categories are matched by name and created when missing.
    """
    restaurant_id = parse_uuid(restaurant, "restaurant id")
    rows = _read_checked(file, file_format, encoding)

    async def work(platform: Platform) -> MenuImportSummary:
        with _progress_bar(len(rows)) as progress:
            return await platform.menu_import.import_menu(
                OPERATOR, restaurant_id, rows, dry_run=dry_run, progress=progress
            )

    summary = _summary_record(execute(work))
    if dry_run:
        note(f"{len(rows)} row(s) are valid; dry run, nothing was changed")
    emit_record(summary, output, title="Menu import")


@app.command(
    "export",
    epilog=examples(
        "restman menu export --restaurant <id> > menu.csv",
        "restman menu export --restaurant <id> --format yaml --file menu.yaml",
    ),
)
def export_menu(
    restaurant: Annotated[str, typer.Option(help="The restaurant's id.")],
    file_format: Annotated[str, typer.Option("--format", help="csv, json or yaml.")] = "csv",
    file: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Export a restaurant's foods in the import format (the output imports back unchanged)."""
    restaurant_id = parse_uuid(restaurant, "restaurant id")
    if file_format.lower() not in menu_format.FORMATS:
        raise typer.BadParameter("must be csv, json or yaml", param_hint="--format")

    async def work(platform: Platform) -> list[MenuEntry]:
        return await platform.menu_import.export_menu(OPERATOR, restaurant_id)

    text = menu_format.write_menu(execute(work), file_format.lower())
    if file is None:
        typer.echo(text, nl=False)
    else:
        file.write_text(text, encoding="utf-8")
        note(f"wrote {file}")
