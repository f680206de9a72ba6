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
=====================  ========  ===========================================================

CSV has a header row naming the columns (any order). JSON and YAML hold a list of objects, or
an object with a ``foods`` list. Every row is checked before anything is written, and each bad
row is reported with its line number in the file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from restman_core.domain.menus import (
    clean_name,
    clean_non_negative_int,
    clean_station,
    clean_text,
)
from restman_core.domain.money import format_money, parse_money
from restman_core.errors import InvalidInput

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
)
FORMATS = ("csv", "json", "yaml")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


@dataclass(frozen=True, slots=True)
class MenuRow:
    """One valid food row and the file line it came from."""

    line: int
    category: str
    name: str
    price: Decimal
    description: str | None
    station: str | None
    category_station: str | None
    available: bool
    stock: int | None
    prep_time_seconds: int | None


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why the row at ``line`` was rejected."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


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


def _whole(value: Any, field: str, maximum: int = 1_000_000) -> int | None:
    if _blank(value):
        return None
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise InvalidInput(f"{field} must be a whole number") from None
    return clean_non_negative_int(value, field=field, maximum=maximum)


def _flag(value: Any) -> bool:
    if _blank(value):
        return True
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidInput("available must be true or false")


def parse_row(line: int, raw: Mapping[str, Any]) -> MenuRow:
    """Check one row with the domain's own rules; raises InvalidInput naming the problem."""
    unknown = sorted(str(k) for k in raw if k not in FIELDS)
    if unknown:
        raise InvalidInput(f"unknown field {', '.join(unknown)}")
    price = raw.get("price")
    if _blank(price):
        raise InvalidInput("price is required")
    return MenuRow(
        line=line,
        category=clean_name(raw.get("category"), field="category"),
        name=clean_name(raw.get("name")),
        price=parse_money(str(price) if isinstance(price, float) else price, field="price"),
        description=clean_text(raw.get("description"), field="description"),
        station=clean_station(raw.get("station")),
        category_station=clean_station(raw.get("category_station"), field="category_station"),
        available=_flag(raw.get("available")),
        stock=_whole(raw.get("stock"), "stock"),
        prep_time_seconds=_whole(raw.get("prep_time_seconds"), "prep_time_seconds", 86_400),
    )


def _csv_rows(text: str) -> list[tuple[int, Mapping[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    unknown = [h for h in header if h not in FIELDS]
    if unknown or not header:
        wrong = ", ".join(unknown) if unknown else "missing"
        raise InvalidInput(f"line 1: header {wrong} (columns: {', '.join(FIELDS)})")
    rows: list[tuple[int, Mapping[str, Any]]] = []
    for raw in reader:
        if None in raw:
            rows.append((reader.line_num, {"__extra__": raw[None]}))
            continue
        if all(_blank(v) for v in raw.values()):
            continue
        rows.append((reader.line_num, raw))
    return rows


def _document_rows(text: str, kind: str) -> list[tuple[int, Mapping[str, Any]]]:
    try:
        data = json.loads(text) if kind == "json" else yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"line {exc.lineno}: not valid JSON ({exc.msg})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise InvalidInput(f"{where}not valid {kind.upper()}") from None
    if isinstance(data, dict) and isinstance(node, yaml.MappingNode):
        node = next((v for k, v in node.value if k.value == "foods"), None)
        data = data.get("foods")
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise InvalidInput("line 1: expected a list of foods (or an object with a foods list)")
    rows: list[tuple[int, Mapping[str, Any]]] = []
    for item, item_node in zip(data, node.value, strict=True):
        line = item_node.start_mark.line + 1
        rows.append((line, item if isinstance(item, dict) else {"__not_an_object__": item}))
    return rows


def read_menu(text: str, kind: str) -> tuple[list[MenuRow], list[RowProblem]]:
    """Every valid row and every problem (bad rows, and foods named twice) of a menu file.
    A file that cannot be read at all raises InvalidInput."""
    raw_rows = _csv_rows(text) if kind == "csv" else _document_rows(text, kind)
    rows: list[MenuRow] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for line, raw in raw_rows:
        if "__extra__" in raw:
            problems.append(RowProblem(line, "more values than columns"))
            continue
        if "__not_an_object__" in raw:
            problems.append(RowProblem(line, "each food must be an object"))
            continue
        try:
            row = parse_row(line, raw)
        except InvalidInput as error:
            problems.append(RowProblem(line, error.message))
            continue
        first = seen.setdefault(row.name.lower(), line)
        if first != line:
            problems.append(RowProblem(line, f"{row.name!r} is already on line {first}"))
            continue
        rows.append(row)
    if not raw_rows:
        raise InvalidInput("the file lists no foods")
    return rows, problems


def write_menu(rows: list[dict[str, Any]], kind: str) -> str:
    """Rows (dicts with :data:`FIELDS`) in the given format, ready to import again."""
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)
        return buffer.getvalue()
    if kind == "json":
        return json.dumps({"foods": rows}, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump({"foods": rows}, sort_keys=False, allow_unicode=True)


def money_text(value: Decimal) -> str:
    return format_money(value)
