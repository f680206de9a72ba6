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
from typing import Any

from restman_core.domain.access import Actor
from restman_core.domain.clock import Clock
from restman_core.domain.events import DomainEvent
from restman_core.domain.ids import new_id
from restman_core.domain.menus import Category, Food, Restaurant
from restman_core.domain.modifiers import ModifierGroup
from restman_core.menu_views import group_view
from restman_core.ports.cache import Cache
from restman_core.ports.storage import Database, Transaction
from restman_core.services.access import managed_restaurant
from restman_core.services.menu_common import invalidate_menu, menu_event, record_menu_change
from restman_core.services.menu_rows import (
    MenuEntry,
    MenuImportRow,
    MenuImportSummary,
    RowProblem,
    check_row,
    check_rows,
    inspect_rows,
    restaurant_settings,
)
from restman_core.services.menu_specs import GroupSpec, spec_of
from restman_core.services.modifier_fields import group_from
from restman_core.views import category_view, food_view, restaurant_view

__all__ = [
    "ImportProgress",
    "MenuEntry",
    "MenuImportRow",
    "MenuImportService",
    "MenuImportSummary",
    "RowProblem",
    "check_row",
    "check_rows",
    "inspect_rows",
]

log = logging.getLogger(__name__)

ImportProgress = Callable[[int, int], None]
"""Called with (writes done, writes in total) as an import writes; a retried unit of work
starts again from zero."""


@dataclass
class _Plan:
    """What an import writes: categories and foods to create, foods to update."""

    new_categories: list[Category] = field(default_factory=list)
    updated_categories: list[Category] = field(default_factory=list)
    new_groups: list[ModifierGroup] = field(default_factory=list)
    updated_groups: list[ModifierGroup] = field(default_factory=list)
    new_foods: list[Food] = field(default_factory=list)
    updated_foods: list[Food] = field(default_factory=list)
    updated_restaurant: Restaurant | None = None

    @property
    def writes(self) -> int:
        return (self.updated_restaurant is not None) + sum(
            len(part)
            for part in (
                self.new_categories,
                self.updated_categories,
                self.new_groups,
                self.updated_groups,
                self.new_foods,
                self.updated_foods,
            )
        )


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
            restaurant = await managed_restaurant(tx, actor, restaurant_id)
            plan = await self._plan(tx, restaurant_id, entries)
            plan.updated_restaurant = _restaurant_from(entries, restaurant, self._clock.now())
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
            modifier_groups_created=len(plan.new_groups),
            modifier_groups_updated=len(plan.updated_groups),
            restaurant_updated=plan.updated_restaurant is not None,
        )

    async def export_menu(self, actor: Actor, restaurant_id: uuid.UUID) -> list[MenuEntry]:
        """The restaurant's live foods of live categories as entries that import back unchanged
        (unavailable and out-of-stock ones included), the first stating the restaurant's
        opening hours, time zone and whether its prices include tax. A restaurant the actor
        may not manage is NotFound."""

        async def work(tx: Transaction) -> list[MenuEntry]:
            restaurant = await managed_restaurant(tx, actor, restaurant_id)
            # Foods of a deleted category are off the menu, so they are not exported either.
            categories = {
                c.id: c for c in await tx.categories.list_for(restaurant_id) if c.is_active
            }
            groups = {g.id: g for g in await tx.modifiers.list_for(restaurant_id)}
            entries = [
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
                    allergens=f.allergens,
                    modifiers=tuple(
                        spec_of(groups[g]) for g in f.modifier_group_ids if g in groups
                    ),
                    category_hours=categories[f.category_id].available_hours,
                    tax_rate=f.tax_rate,
                )
                for f in await tx.foods.list_for(restaurant_id)
                if not f.is_deleted and f.category_id in categories
            ]
            if entries:
                entries[0] = replace(
                    entries[0],
                    opening_hours=restaurant.opening_hours,
                    timezone=restaurant.timezone,
                    prices_include_tax=restaurant.prices_include_tax,
                )
            return entries

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
        group_ids = await self._plan_groups(tx, restaurant_id, entries, plan, now)
        changed_hours: set[uuid.UUID] = set()
        for entry in entries:
            category = categories.get(entry.category.lower())
            if category is None:
                category = _new_category(entry, restaurant_id, len(categories), now)
                categories[entry.category.lower()] = category
                plan.new_categories.append(category)
            elif (
                entry.category_hours is not None
                and category.available_hours != entry.category_hours
                and category.id not in changed_hours
            ):
                category = replace(category, available_hours=entry.category_hours, updated_at=now)
                categories[entry.category.lower()] = category
                changed_hours.add(category.id)
                plan.updated_categories.append(category)
            groups = tuple(group_ids[g.name.casefold()] for g in entry.modifiers)
            existing = foods.get(entry.name.lower())
            if existing is not None:
                plan.updated_foods.append(_food_from(entry, existing, category.id, now, groups))
            else:
                blank = Food(
                    new_id(), restaurant_id, category.id, entry.name, None, entry.price, True,
                    None, None, None, False, now, now,
                )  # fmt: skip
                plan.new_foods.append(_food_from(entry, blank, category.id, now, groups))
        return plan

    async def _plan_groups(
        self,
        tx: Transaction,
        restaurant_id: uuid.UUID,
        entries: Sequence[MenuEntry],
        plan: _Plan,
        now: datetime,
    ) -> dict[str, uuid.UUID]:
        """Every group the entries name, matched to the restaurant's live groups by name
        (their options by name too, so option ids survive a round trip): changed ones are
        updated, missing ones created. Answers each group's id by case-folded name."""
        existing = {g.name.casefold(): g for g in await tx.modifiers.list_for(restaurant_id)}
        wanted: dict[str, GroupSpec] = {}
        for entry in entries:
            for spec in entry.modifiers:
                wanted.setdefault(spec.name.casefold(), spec)
        ids: dict[str, uuid.UUID] = {}
        for key, spec in wanted.items():
            current = existing.get(key)
            if current is None:
                group = group_from(spec.fields(), None, restaurant_id, True, now)
                plan.new_groups.append(group)
            elif spec_of(current) != spec:
                fields = spec.fields()
                by_name = {o.name.casefold(): o.id for o in current.live_options}
                for option in fields["options"]:
                    if option["name"].casefold() in by_name:
                        option["id"] = str(by_name[option["name"].casefold()])
                group = group_from(fields, current, restaurant_id, True, now)
                plan.updated_groups.append(group)
            else:
                group = current
            ids[key] = group.id
        return ids

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

        if plan.updated_restaurant is not None:
            await tx.restaurants.save(plan.updated_restaurant)
            wrote("restaurant.updated", restaurant_view(plan.updated_restaurant))
        for category in plan.new_categories:
            await tx.categories.add(category)
            wrote("menu.category_created", category_view(category))
        for category in plan.updated_categories:
            await tx.categories.save(category)
            wrote("menu.category_updated", category_view(category))
        for group in plan.new_groups:
            await tx.modifiers.add(group)
            wrote("menu.modifier_group_created", group_view(group))
        for group in plan.updated_groups:
            await tx.modifiers.save(group)
            wrote("menu.modifier_group_updated", group_view(group))
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


def _food_from(
    entry: MenuEntry,
    base: Food,
    category_id: uuid.UUID,
    now: datetime,
    groups: tuple[uuid.UUID, ...] = (),
) -> Food:
    """``base`` with every field the entry carries (an import replaces, it does not merge),
    attached to ``groups`` in the entry's order."""
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
        modifier_group_ids=groups,
        allergens=entry.allergens,
        tax_rate=entry.tax_rate,
    )


def _restaurant_from(
    entries: Sequence[MenuEntry], restaurant: Restaurant, now: datetime
) -> Restaurant | None:
    """The restaurant with the settings the entries state, or None when they change nothing
    (a setting no row states stays as it is)."""
    stated = restaurant_settings(entries)
    changed = {k: v for k, v in stated.items() if getattr(restaurant, k) != v}
    if not changed:
        return None
    return replace(restaurant, **changed, updated_at=now)  # type: ignore[arg-type]


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
        available_hours=entry.category_hours,
    )
