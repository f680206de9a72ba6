"""The menu file format of ``restman menu import|export`` (CSV, JSON or YAML).

One row per food; the same fields in every format:

=====================  ========  ===========================================================
field                  required  meaning
=====================  ========  ===========================================================
category               yes       category name; created when the restaurant has none by it
name                   yes       food name; a food of the same name is updated, else created
price                  yes       two-place decimal, e.g. ``12.50``
description            no        free text
station                no        the station that cooks it (``grill``, ``fry``, ``bar``...)
category_station       no        station of the category's foods without their own
available              no        true/false (yes/no, 1/0); default true
stock                  no        whole number of portions left; empty means not tracked
prep_time_seconds      no        whole number of seconds
allergens              no        words separated by ``;`` (``milk; gluten``)
modifiers              no        the food's modifier groups in order, each
                                 ``Name (min-max): option, option`` and separated by `` | ``;
                                 an option is ``Name``, ``Name +0.50`` or ``Name -0.50``, with
                                 ``[86]`` and/or ``[stock N]`` after it
category_hours         no        the category's hours, ``mon 07:00-11:00; sat 08:00-12:00``
tax_rate               no        the food's own tax rate, 0 to 1 (``0.20``); empty: the
                                 restaurant's
opening_hours          no        the restaurant's hours, as ``category_hours``
timezone               no        the restaurant's IANA time zone (``Europe/Paris``)
prices_include_tax     no        true/false: the restaurant's prices include tax (VAT style)
=====================  ========  ===========================================================

The last three are the restaurant's, not the food's: state them on any row (an export puts
them on the first); rows that state one must agree, and a setting no row states is left as
it is.

For example ``Size (1-1): Small -0.50, Medium, Large +0.50 | Milk (0-1): Oat milk +0.40``.
Groups are the restaurant's and matched by name: rows naming one group must give it alike, and
rows of one category must not give it different hours (see
:mod:`restman_core.services.menu_specs`).

CSV has a header row naming the columns (any order). JSON and YAML hold a list of objects, or
an object with a ``foods`` list.

This module only knows the files: it turns one into
:class:`~restman_core.services.menu_import.MenuImportRow` values with their line numbers, and
reports what makes a row unreadable (an unknown field, more values than columns, an item that
is not an object). Whether a value is good is the core's rule
(:mod:`restman_core.services.menu_import`); so is matching foods and categories by name.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from restman_core.domain.money import format_money
from restman_core.errors import InvalidInput
from restman_core.services.menu_import import MenuEntry, MenuImportRow, RowProblem
from restman_core.services.menu_specs import format_allergens, format_hours, format_modifiers

FIELDS = (
    "category",
    "name",
    "price",
    "description",
    "station",
    "category_station",
    "available",
    "stock",
    "prep_time_seconds",
    "allergens",
    "modifiers",
    "category_hours",
    "tax_rate",
    "opening_hours",
    "timezone",
    "prices_include_tax",
)
FORMATS = ("csv", "json", "yaml")

RawRow = tuple[int, Mapping[str, Any] | str]
"""A row's line and its fields, or why it cannot be read as a row at all."""


def format_of(path: Path, explicit: str | None = None) -> str:
    """The file's format: given, or from its extension (.csv, .json, .yaml/.yml)."""
    if explicit:
        return explicit.lower()
    suffix = path.suffix.lower().lstrip(".")
    if suffix == "yml":
        return "yaml"
    if suffix not in FORMATS:
        raise InvalidInput(f"cannot tell the format of {path.name}; pass --format csv|json|yaml")
    return suffix


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _csv_rows(text: str) -> list[RawRow]:
    reader = csv.DictReader(io.StringIO(text))
    try:
        return _read_csv(reader)
    except csv.Error as error:
        # Python's csv module refuses fields over its limit (131072 characters) and stray
        # bytes; either way the file is bad input, named by line.
        # line_num counts the lines read before the one being parsed.
        line = reader.line_num + 1
        raise InvalidInput(f"line {line}: not readable as CSV ({error})") from None


def _read_csv(reader: csv.DictReader[str]) -> list[RawRow]:
    header = reader.fieldnames or []
    unknown = [h for h in header if h not in FIELDS]
    if unknown or not header:
        wrong = ", ".join(unknown) if unknown else "missing"
        raise InvalidInput(f"line 1: header {wrong} (columns: {', '.join(FIELDS)})")
    rows: list[RawRow] = []
    for raw in reader:
        if None in raw:
            rows.append((reader.line_num, "more values than columns"))
        elif not all(_blank(v) for v in raw.values()):
            rows.append((reader.line_num, raw))
    return rows


def _document_rows(text: str, kind: str) -> list[RawRow]:
    import yaml  # slow to import; only menu files need it

    try:
        data = json.loads(text) if kind == "json" else yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"line {exc.lineno}: not valid JSON ({exc.msg})") from None
    except RecursionError:
        # A menu is a list of flat objects; thousands of levels of nesting is no menu, and the
        # parsers give up by overflowing their recursion.
        raise InvalidInput(f"not a menu: the {kind.upper()} is nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise InvalidInput(f"{where}not valid {kind.upper()}") from None
    if isinstance(data, dict) and isinstance(node, yaml.MappingNode):
        node = next((v for k, v in node.value if k.value == "foods"), None)
        data = data.get("foods")
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise InvalidInput("line 1: expected a list of foods (or an object with a foods list)")
    rows: list[RawRow] = []
    for item, item_node in zip(data, node.value, strict=True):
        line = item_node.start_mark.line + 1
        rows.append((line, item if isinstance(item, dict) else "each food must be an object"))
    return rows


def read_menu(text: str, kind: str) -> tuple[list[MenuImportRow], list[RowProblem]]:
    """Every readable row of a menu file (values unchecked) and every unreadable one.
    A file that cannot be read at all, or lists no foods, raises InvalidInput."""
    raw_rows = _csv_rows(text) if kind == "csv" else _document_rows(text, kind)
    if not raw_rows:
        raise InvalidInput("the file lists no foods")
    rows: list[MenuImportRow] = []
    problems: list[RowProblem] = []
    for line, raw in raw_rows:
        if isinstance(raw, str):
            problems.append(RowProblem(line, raw))
            continue
        unknown = sorted(str(k) for k in raw if k not in FIELDS)
        if unknown:
            problems.append(RowProblem(line, f"unknown field {', '.join(unknown)}"))
            continue
        rows.append(MenuImportRow(line, **{str(k): v for k, v in raw.items()}))
    return rows, problems


def _record(entry: MenuEntry) -> dict[str, Any]:
    return {
        "category": entry.category,
        "name": entry.name,
        "price": format_money(entry.price),
        "description": entry.description,
        "station": entry.station,
        "category_station": entry.category_station,
        "available": entry.available,
        "stock": entry.stock,
        "prep_time_seconds": entry.prep_time_seconds,
        "allergens": format_allergens(entry.allergens),
        "modifiers": format_modifiers(entry.modifiers),
        "category_hours": format_hours(entry.category_hours),
        "tax_rate": None if entry.tax_rate is None else _rate_text(entry.tax_rate),
        "opening_hours": format_hours(entry.opening_hours),
        "timezone": entry.timezone,
        "prices_include_tax": entry.prices_include_tax,
    }


def _rate_text(rate: Decimal) -> str:
    """A rate as its shortest exact text with at least two places: ``0.20``, ``0.0825``."""
    text = format(rate.normalize(), "f")
    whole, _, places = text.partition(".")
    return f"{whole}.{places.ljust(2, '0')}"


def write_menu(entries: Sequence[MenuEntry], kind: str) -> str:
    """Menu entries in the given format (columns :data:`FIELDS`), ready to import again."""
    import yaml  # slow to import; only menu files need it

    rows = [_record(entry) for entry in entries]
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)
        return buffer.getvalue()
    if kind == "json":
        return json.dumps({"foods": rows}, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump({"foods": rows}, sort_keys=False, allow_unicode=True)
