"""Rendering results: data on stdout as a rich table, JSON or CSV; diagnostics on stderr.

JSON output is the core's views (restman_core.views) unchanged, so it is stable and matches the
HTTP API's shapes; a listing is a JSON array, a single object is a JSON object. CSV has one
header row with the listed columns. Tables are for people and may change between releases.

Values come from users (restaurant and food names, instructions), so they are never read as
Rich markup (``[bold]x[/bold]`` prints as typed), control characters left in old data print as
``\x1b``-style escapes instead of reaching the terminal, and CSV cells that a spreadsheet would
run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or CR) get a leading ``'``, as
OWASP recommends against CSV injection.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from restman_cli.table_fit import (
    ID_WIDTH,
    TEXT_WIDTH,
    fit_widths,
    is_id,
    is_time,
    relative_time,
    table_order,
)


class OutputFormat(StrEnum):
    """How results are written to stdout."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


OutputOption = Annotated[
    OutputFormat,
    typer.Option(
        "--output",
        "-o",
        case_sensitive=False,
        help="table for people, json or csv for programs (data on stdout only).",
    ),
]

Row = Mapping[str, Any]
PIPED_WIDTH = 160


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a listing: the view's key, its header, and how a cell is shown in a table
    (``render`` turns the raw value into text; JSON and CSV always get the raw value). A
    render's text is shown literally unless ``markup`` says it is our own Rich markup (charts);
    such a render must never embed user text. ``wide`` columns appear in tables only with
    ``--wide``; ``max_width`` is where a narrow table cuts the text (see
    :mod:`restman_cli.table_fit`); ``csv`` turns a structured value (a list of items) into the
    readable text a CSV cell gets instead of JSON."""

    key: str
    header: str
    justify: str = "left"
    render: Callable[[Any], str] | None = None
    markup: bool = False
    wide: bool = False
    max_width: int | None = None
    csv: Callable[[Any], str] | None = None


def stdout() -> Console:
    """A console on the current stdout (looked up at call time, so test runners capture it)."""
    # Piped or captured output is not shrunk to 80 columns: ids must survive intact.
    wide = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    return Console(file=sys.stdout, soft_wrap=False, width=PIPED_WIDTH if wide else None)


def stderr() -> Console:
    """A console on the current stderr, for progress and notes."""
    return Console(file=sys.stderr, soft_wrap=False)


def note(message: str) -> None:
    """A diagnostic line for people, on stderr (never mixed into data)."""
    stderr().print(message, highlight=False)


def printable(text: str) -> str:
    """``text`` with every control character but the line break shown as an escape (``\x1b``),
    so text stored before the core refused them cannot drive the terminal."""
    if text.isprintable():
        return text
    return "".join(
        c if c == "\n" or unicodedata.category(c) != "Cc" else repr(c)[1:-1] for c in text
    )


def _cell(column: Column, row: Row) -> Text:
    value = row.get(column.key)
    if column.render is not None:
        shown = column.render(value)
        return Text.from_markup(shown) if column.markup else Text(printable(shown))
    if value is None:
        return Text("-")
    if isinstance(value, bool):
        return Text("yes" if value else "no")
    return Text(printable(str(value)))


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a leading
    ``'`` (OWASP's advice against CSV injection); anything else is unchanged."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return csv_safe(json.dumps(value, separators=(",", ":"), ensure_ascii=False))
    if isinstance(value, str):
        return csv_safe(value)
    return value


def _csv_cell(column: Column, row: Row) -> Any:
    value = row.get(column.key)
    if column.csv is not None and value is not None:
        return csv_safe(column.csv(value))
    return _csv_value(value)


def write_json(data: Any) -> None:
    """Pretty, key-order-preserving JSON on stdout."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def emit_rows(
    rows: Sequence[Row],
    columns: Sequence[Column],
    output: OutputFormat,
    *,
    title: str = "",
    wide: bool = False,
) -> None:
    """Write a listing in the chosen format. An empty table says so on stderr. A table fits the
    terminal unless ``wide`` (see :mod:`restman_cli.table_fit`); JSON and CSV are unchanged."""
    if output is OutputFormat.JSON:
        write_json(list(rows))
        return
    if output is OutputFormat.CSV:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([c.key for c in columns])
        for row in rows:
            writer.writerow([_csv_cell(c, row) for c in columns])
        return
    if not rows:
        note(f"no {title.lower() or 'rows'} found")
        return
    stdout().print(_table(rows, columns, title, wide))


def _table(rows: Sequence[Row], columns: Sequence[Column], title: str, wide: bool) -> Table:
    table = Table(title=title or None, title_justify="left")
    if wide:
        for column in columns:
            table.add_column(column.header, justify=column.justify, overflow="fold")  # type: ignore[arg-type]
        for row in rows:
            table.add_row(*(_cell(c, row) for c in columns))
        return table
    narrow = [c for c in columns if not c.wide]
    shown = [_narrow(narrow[i]) for i in table_order([c.key for c in narrow])]
    cells = [[_cell(c, row) for c in shown] for row in rows]
    widths = _fitted(shown, cells, stdout().width)
    while widths is None:
        # Too many columns for the terminal even when cut: references to other records go
        # first, then the last text column.
        drop = _least_needed(shown)
        shown.pop(drop)
        cells = [r[:drop] + r[drop + 1 :] for r in cells]
        widths = _fitted(shown, cells, stdout().width)
    hidden = len(columns) - len(shown)
    for column, width in zip(shown, widths, strict=True):
        table.add_column(
            column.header,
            justify=column.justify,  # type: ignore[arg-type]
            no_wrap=True,
            overflow="ellipsis",
            width=width,
        )
    for row_cells in cells:
        table.add_row(*row_cells)
    if hidden:
        table.caption = f"{hidden} more column{'s' if hidden > 1 else ''} with --wide"
        table.caption_justify = "left"
    return table


def _least_needed(shown: Sequence[Column]) -> int:
    references = [i for i, c in enumerate(shown) if c.key.endswith("_id")]
    if references:
        return references[-1]
    return max(i for i, c in enumerate(shown) if not is_id(c.key))


def _fitted(
    shown: Sequence[Column], cells: Sequence[Sequence[Text]], width: int
) -> list[int] | None:
    natural = []
    for i, column in enumerate(shown):
        longest = max([len(column.header), *(r[i].cell_len for r in cells)])
        limit = ID_WIDTH if is_id(column.key) else column.max_width or TEXT_WIDTH
        natural.append(min(longest, max(limit, len(column.header))))
    if not shown:
        return []
    return fit_widths(natural, [is_id(c.key) for c in shown], width)


def _narrow(column: Column) -> Column:
    """The column as a narrow table shows it: timestamps relative to now."""
    if is_time(column.key) and column.render is None:
        return Column(column.key, column.header, column.justify, relative_time)
    return column


def emit_record(record: Row, output: OutputFormat, *, title: str = "") -> None:
    """Write one object: a two-column table of its fields, JSON, or CSV with one row."""
    if output is OutputFormat.JSON:
        write_json(dict(record))
        return
    scalar = {k: v for k, v in record.items() if not isinstance(v, list | dict)}
    if output is OutputFormat.CSV:
        emit_rows([scalar], [Column(k, k) for k in scalar], output)
        return
    table = Table(title=title or None, title_justify="left", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for key in scalar:
        table.add_row(Text(key), _cell(Column(key, key), scalar))
    stdout().print(table)


def examples(*lines: str) -> str:
    """An ``Examples`` epilog for a command's --help, one command per line."""
    body = "\n\n".join(f"  $ {line}" for line in lines)
    return f"[bold]Examples[/bold]\n\n{body}"
