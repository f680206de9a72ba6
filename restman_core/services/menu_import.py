"""Menu import and export: a restaurant's foods (and their categories) from and to rows.

A front end reads a file (CSV, JSON, YAML...) into :class:`MenuImportRow` values, one per food,
each with the line it came from, and leaves every rule to this module. An import is
all-or-nothing: every row is checked with the menu's own domain rules first, every bad row is
reported (:class:`~restman_core.errors.InvalidInput` with ``details={"rows": [{"line": n,
"reason": "..."}, ...]}``), and only a clean set of rows is written, in one unit of work with
the same ``menu.*`` outbox events the menu use cases write. Foods are matched to the
restaurant's live foods by name (case-insensitively) and updated, or else created; categories
are matched by name and created when missing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from restman_core.domain.access import Actor
from restman_core.domain.clock import Clock
from restman_core.domain.events import DomainEvent
from restman_core.domain.ids import new_id
from restman_core.domain.menus import (
    Category,
    Food,
    clean_name,
    clean_non_negative_int,
    clean_station,
    clean_text,
)
from restman_core.domain.money import parse_money
from restman_core.errors import InvalidInput
from restman_core.ports.cache import Cache
from restman_core.ports.storage import Database, Transaction
from restman_core.services.access import managed_restaurant
from restman_core.services.menu_common import invalidate_menu, menu_event, record_menu_change
from restman_core.views import category_view, food_view

log = logging.getLogger(__name__)

MAX_STOCK = 1_000_000
MAX_PREP_TIME_SECONDS = 86_400
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})

ImportProgress = Callable[[int, int], None]
"""Called with (writes done, writes in total) as an import writes; a retried unit of work
starts again from zero."""


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


@dataclass(frozen=True, slots=True)
class MenuEntry:
    """One food of a menu, checked: what an import writes and what an export reads.

    ``category_station`` is the station of the category (used when the import creates it)."""

    category: str
    name: str
    price: Decimal
    description: str | None = None
    station: str | None = None
    category_station: str | None = None
    available: bool = True
    stock: int | None = None
    prep_time_seconds: int | None = None


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


def _flag(value: object) -> bool:
    """Availability: true/false, yes/no, y/n or 1/0 (any case); blank means available."""
    if _blank(value):
        return True
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise InvalidInput("available must be true or false", details={"field": "available"})


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
    )


def inspect_rows(rows: Sequence[MenuImportRow]) -> tuple[list[MenuEntry], list[RowProblem]]:
    """Every good row as an entry and every problem, in row order: a bad value, or a food
    named (case-insensitively) like one on an earlier good row."""
    entries: list[MenuEntry] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
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
        entries.append(entry)
    return entries, problems


def check_rows(rows: Sequence[MenuImportRow]) -> list[MenuEntry]:
    """The rows as entries, or InvalidInput listing every bad row in ``details["rows"]``."""
    entries, problems = inspect_rows(rows)
    if problems:
        raise InvalidInput(
            f"{len(problems)} bad row(s); nothing was imported",
            details={"rows": [{"line": p.line, "reason": p.reason} for p in problems]},
        )
    return entries


@dataclass
class _Plan:
    """What an import writes: categories and foods to create, foods to update."""

    new_categories: list[Category] = field(default_factory=list)
    new_foods: list[Food] = field(default_factory=list)
    updated_foods: list[Food] = field(default_factory=list)

    @property
    def writes(self) -> int:
        return len(self.new_categories) + len(self.new_foods) + len(self.updated_foods)


class MenuImportService:
    """Import a restaurant's menu from rows, and export it as rows (owners and admins)."""

    def __init__(self, db: Database, clock: Clock, *, cache: Cache | None = None) -> None:
        self._db = db
        self._clock = clock
        self._cache = cache

    async def import_menu(
        self,
        actor: Actor,
        restaurant_id: uuid.UUID,
        rows: Sequence[MenuImportRow],
        *,
        dry_run: bool = False,
        progress: ImportProgress | None = None,
    ) -> MenuImportSummary:
        """Check every row (InvalidInput listing each bad one, before anything is read), then
        plan and, unless ``dry_run``, write the whole import in one unit of work. A restaurant
        the actor may not manage is NotFound; the menu cache is dropped after the commit."""
        entries = check_rows(rows)

        async def work(tx: Transaction) -> _Plan:
            await managed_restaurant(tx, actor, restaurant_id)
            plan = await self._plan(tx, restaurant_id, entries)
            if not dry_run:
                await self._write(tx, plan, restaurant_id, progress)
            return plan

        plan = await self._db.run(work)
        if not dry_run:
            await self._invalidate(restaurant_id)
        return MenuImportSummary(
            restaurant_id=restaurant_id,
            dry_run=dry_run,
            categories_created=len(plan.new_categories),
            foods_created=len(plan.new_foods),
            foods_updated=len(plan.updated_foods),
        )

    async def export_menu(self, actor: Actor, restaurant_id: uuid.UUID) -> list[MenuEntry]:
        """The restaurant's live foods of live categories as entries that import back unchanged
        (unavailable and out-of-stock ones included). A restaurant the actor may not manage is
        NotFound."""

        async def work(tx: Transaction) -> list[MenuEntry]:
            await managed_restaurant(tx, actor, restaurant_id)
            # Foods of a deleted category are off the menu, so they are not exported either.
            categories = {
                c.id: c for c in await tx.categories.list_for(restaurant_id) if c.is_active
            }
            return [
                MenuEntry(
                    category=categories[f.category_id].name,
                    name=f.name,
                    price=f.price,
                    description=f.description,
                    station=f.station,
                    category_station=categories[f.category_id].station,
                    available=f.is_available,
                    stock=f.stock_remaining,
                    prep_time_seconds=f.prep_time_seconds,
                )
                for f in await tx.foods.list_for(restaurant_id)
                if not f.is_deleted and f.category_id in categories
            ]

        return await self._db.run(work)

    async def _plan(
        self, tx: Transaction, restaurant_id: uuid.UUID, entries: Sequence[MenuEntry]
    ) -> _Plan:
        """Match entries to the restaurant's live categories and foods by name; a new
        category goes after the existing ones, with the station of its first entry."""
        # Only live categories match: a deleted one is never filled again (a new one is made).
        categories = {
            c.name.lower(): c for c in await tx.categories.list_for(restaurant_id) if c.is_active
        }
        foods = {
            f.name.lower(): f for f in await tx.foods.list_for(restaurant_id) if not f.is_deleted
        }
        plan = _Plan()
        now = self._clock.now()
        for entry in entries:
            category = categories.get(entry.category.lower())
            if category is None:
                category = _new_category(entry, restaurant_id, len(categories), now)
                categories[entry.category.lower()] = category
                plan.new_categories.append(category)
            existing = foods.get(entry.name.lower())
            if existing is not None:
                plan.updated_foods.append(_food_from(entry, existing, category.id, now))
            else:
                blank = Food(
                    new_id(), restaurant_id, category.id, entry.name, None, entry.price, True,
                    None, None, None, False, now, now,
                )  # fmt: skip
                plan.new_foods.append(_food_from(entry, blank, category.id, now))
        return plan

    async def _write(
        self,
        tx: Transaction,
        plan: _Plan,
        restaurant_id: uuid.UUID,
        progress: ImportProgress | None,
    ) -> None:
        # The same events, keys and payloads the menu use cases write, so consumers cannot tell
        # an imported food from one created over the API.
        events: list[DomainEvent] = []

        def wrote(kind: str, view: dict[str, Any]) -> None:
            events.append(self._event(kind, restaurant_id, view))
            if progress is not None:
                progress(len(events), plan.writes)

        for category in plan.new_categories:
            await tx.categories.add(category)
            wrote("menu.category_created", category_view(category))
        for food in plan.new_foods:
            await tx.foods.add(food)
            wrote("menu.food_created", food_view(food))
        for food in plan.updated_foods:
            await tx.foods.save(food)
            wrote("menu.food_updated", food_view(food))
        await record_menu_change(tx, events)

    def _event(self, kind: str, restaurant_id: uuid.UUID, view: dict[str, Any]) -> DomainEvent:
        return menu_event(kind, restaurant_id, view, self._clock.now())

    async def _invalidate(self, restaurant_id: uuid.UUID) -> None:
        await invalidate_menu(self._cache, restaurant_id)


def _food_from(entry: MenuEntry, base: Food, category_id: uuid.UUID, now: datetime) -> Food:
    """``base`` with every field the entry carries (an import replaces, it does not merge)."""
    return replace(
        base,
        category_id=category_id,
        name=entry.name,
        description=entry.description,
        price=entry.price,
        is_available=entry.available,
        stock_remaining=entry.stock,
        prep_time_seconds=entry.prep_time_seconds,
        station=entry.station,
        updated_at=now,
    )


def _new_category(
    entry: MenuEntry, restaurant_id: uuid.UUID, position: int, now: datetime
) -> Category:
    """A category named by an entry, placed after the ``position`` existing ones."""
    return Category(
        id=new_id(),
        restaurant_id=restaurant_id,
        name=entry.category,
        description=None,
        display_order=position,
        station=entry.category_station,
        is_active=True,
        created_at=now,
        updated_at=now,
    )
