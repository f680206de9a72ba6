"""Rows of a menu file, checked: one food per row with the line it came from, every value
checked with the menu's own rules, and every problem reported against its line. Used by
:mod:`restman_core.services.menu_import`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from restman_core.domain.menus import (
    clean_name,
    clean_non_negative_int,
    clean_station,
    clean_tax_rate,
    clean_text,
)
from restman_core.domain.money import parse_money
from restman_core.domain.schedule import WeeklyHours, clean_timezone
from restman_core.errors import InvalidInput
from restman_core.services.menu_specs import (
    GroupSpec,
    parse_allergens,
    parse_hours_text,
    parse_modifiers,
)

MAX_STOCK = 1_000_000
MAX_PREP_TIME_SECONDS = 86_400
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})


@dataclass(frozen=True, slots=True)
class MenuImportRow:
    """One food as a file gave it, unchecked: text, numbers, booleans or None per field.

    ``line`` is where the row starts in its file; problems are reported against it."""

    line: int
    category: object = None
    name: object = None
    price: object = None
    description: object = None
    station: object = None
    category_station: object = None
    available: object = None
    stock: object = None
    prep_time_seconds: object = None
    allergens: object = None
    modifiers: object = None
    category_hours: object = None
    tax_rate: object = None
    opening_hours: object = None
    timezone: object = None
    prices_include_tax: object = None


@dataclass(frozen=True, slots=True)
class MenuEntry:
    """One food of a menu, checked: what an import writes and what an export reads.

    ``category_station`` is the station of the category (used when the import creates it);
    ``tax_rate`` the food's own rate (None: the restaurant's). ``opening_hours``, ``timezone``
    and ``prices_include_tax`` are the restaurant's, stated on any row (None: not stated
    there); rows that state one must agree, and an export states them on its first row."""

    category: str
    name: str
    price: Decimal
    description: str | None = None
    station: str | None = None
    category_station: str | None = None
    available: bool = True
    stock: int | None = None
    prep_time_seconds: int | None = None
    allergens: tuple[str, ...] = ()
    modifiers: tuple[GroupSpec, ...] = ()
    category_hours: WeeklyHours | None = None
    tax_rate: Decimal | None = None
    opening_hours: WeeklyHours | None = None
    timezone: str | None = None
    prices_include_tax: bool | None = None

    def restaurant_settings(self) -> dict[str, object]:
        """The restaurant settings this row states, by field name."""
        stated = {
            "opening_hours": self.opening_hours,
            "timezone": self.timezone,
            "prices_include_tax": self.prices_include_tax,
        }
        return {name: value for name, value in stated.items() if value is not None}


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why the row at ``line`` was rejected."""

    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class MenuImportSummary:
    """What an import did (or, on a dry run, would do)."""

    restaurant_id: uuid.UUID
    dry_run: bool
    categories_created: int
    foods_created: int
    foods_updated: int
    modifier_groups_created: int = 0
    modifier_groups_updated: int = 0
    restaurant_updated: bool = False


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _whole(value: object, field: str, maximum: int) -> int | None:
    """A whole number in 0..maximum; text formats give it as digits, blank means none."""
    if _blank(value):
        return None
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise InvalidInput(
                f"{field} must be a whole number", details={"field": field}
            ) from None
    return clean_non_negative_int(value, field=field, maximum=maximum)


def _flag(value: object, field: str = "available") -> bool:
    """A yes/no field: true/false, yes/no, y/n or 1/0 (any case); blank means true."""
    if _blank(value):
        return True
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise InvalidInput(f"{field} must be true or false", details={"field": field})


def _rate(value: object) -> Decimal | None:
    """A food's tax rate, 0..1 with at most four places (``0.20``); blank means none."""
    return None if _blank(value) else clean_tax_rate(str(value).strip(), field="tax_rate")


def check_row(row: MenuImportRow) -> MenuEntry:
    """One row checked with the menu's domain rules; InvalidInput names the first problem."""
    if _blank(row.price):
        raise InvalidInput("price is required", details={"field": "price"})
    return MenuEntry(
        category=clean_name(row.category, field="category"),
        name=clean_name(row.name),
        price=parse_money(row.price, field="price"),
        description=clean_text(row.description, field="description", multiline=True),
        station=clean_station(row.station),
        category_station=clean_station(row.category_station, field="category_station"),
        available=_flag(row.available),
        stock=_whole(row.stock, "stock", MAX_STOCK),
        prep_time_seconds=_whole(row.prep_time_seconds, "prep_time_seconds", MAX_PREP_TIME_SECONDS),
        allergens=parse_allergens(row.allergens),
        modifiers=parse_modifiers(row.modifiers),
        category_hours=parse_hours_text(row.category_hours),
        tax_rate=_rate(row.tax_rate),
        opening_hours=parse_hours_text(row.opening_hours, field="opening_hours"),
        timezone=None if _blank(row.timezone) else clean_timezone(str(row.timezone).strip()),
        prices_include_tax=(
            None
            if _blank(row.prices_include_tax)
            else _flag(row.prices_include_tax, "prices_include_tax")
        ),
    )


def inspect_rows(rows: Sequence[MenuImportRow]) -> tuple[list[MenuEntry], list[RowProblem]]:
    """Every good row as an entry and every problem, in row order: a bad value, a food named
    (case-insensitively) like one on an earlier good row, a modifier group given otherwise
    than on an earlier row, category hours other than an earlier row's for that category, or a
    restaurant setting other than an earlier row's."""
    entries: list[MenuEntry] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    groups: dict[str, tuple[int, GroupSpec]] = {}
    hours: dict[str, tuple[int, WeeklyHours]] = {}
    settings: dict[str, tuple[int, object]] = {}
    for row in rows:
        try:
            entry = check_row(row)
        except InvalidInput as error:
            problems.append(RowProblem(row.line, error.message))
            continue
        first = seen.setdefault(entry.name.lower(), row.line)
        if first != row.line:
            problems.append(RowProblem(row.line, f"{entry.name!r} is already on line {first}"))
            continue
        clash = _clash(entry, row.line, groups, hours) or _settings_clash(entry, row.line, settings)
        if clash:
            problems.append(RowProblem(row.line, clash))
            continue
        entries.append(entry)
    return entries, problems


def _clash(
    entry: MenuEntry,
    line: int,
    groups: dict[str, tuple[int, GroupSpec]],
    hours: dict[str, tuple[int, WeeklyHours]],
) -> str | None:
    """Why the entry disagrees with an earlier row about a shared group or category hours;
    None when it agrees (and what it states is remembered for the rows after it)."""
    for group in entry.modifiers:
        first = groups.setdefault(group.name.casefold(), (line, group))
        if first[1] != group:
            return f"modifier group {group.name!r} differs from line {first[0]}"
    if entry.category_hours is not None:
        stated = hours.setdefault(entry.category.casefold(), (line, entry.category_hours))
        if stated[1] != entry.category_hours:
            return f"category_hours of {entry.category!r} differ from line {stated[0]}"
    return None


def _settings_clash(
    entry: MenuEntry, line: int, settings: dict[str, tuple[int, object]]
) -> str | None:
    """Why the entry states a restaurant setting otherwise than an earlier row; None when it
    agrees (what it states is remembered)."""
    for name, value in entry.restaurant_settings().items():
        first = settings.setdefault(name, (line, value))
        if first[1] != value:
            return f"{name} differs from line {first[0]}"
    return None


def restaurant_settings(entries: Sequence[MenuEntry]) -> dict[str, object]:
    """The restaurant settings the (checked, agreeing) entries state, by field name."""
    stated: dict[str, object] = {}
    for entry in entries:
        for name, value in entry.restaurant_settings().items():
            stated.setdefault(name, value)
    return stated


def check_rows(rows: Sequence[MenuImportRow]) -> list[MenuEntry]:
    """The rows as entries, or InvalidInput listing every bad row in ``details["rows"]``."""
    entries, problems = inspect_rows(rows)
    if problems:
        raise InvalidInput(
            f"{len(problems)} bad row(s); nothing was imported",
            details={"rows": [{"line": p.line, "reason": p.reason} for p in problems]},
        )
    return entries
