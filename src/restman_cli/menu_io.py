"""``restman menu import|export``: a restaurant's menu from and to a file.

The file format is described in :mod:`restman_cli.menu_format` (and in the README); examples
live in ``examples/menu.csv`` and ``examples/menu.yaml``. An import is all-or-nothing: every
row is checked first, every bad row is reported with its line number, and only a file without
problems is written, in one transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress

from restman_cli import menu_format
from restman_cli.errors import EXIT_INVALID_INPUT, fail
from restman_cli.output import OutputFormat, OutputOption, emit_record, examples, note, stderr
from restman_cli.runtime import OPERATOR, execute, guarded, parse_uuid
from restman_core.bootstrap import Platform
from restman_core.domain.clock import Clock
from restman_core.domain.events import DomainEvent
from restman_core.domain.ids import new_id
from restman_core.domain.menus import Category, Food
from restman_core.errors import NotFound
from restman_core.ports.storage import Transaction
from restman_core.services.menus import menu_cache_key
from restman_core.views import category_view, food_view

app = typer.Typer(help="Menus: import them from files and export them.", no_args_is_help=True)

PROGRESS_FROM_ROWS = 200


@dataclass
class ImportPlan:
    """What an import does: categories and foods to create, foods to update."""

    new_categories: list[Category] = field(default_factory=list)
    new_foods: list[Food] = field(default_factory=list)
    updated_foods: list[Food] = field(default_factory=list)

    def summary(self, restaurant_id: uuid.UUID, dry_run: bool) -> dict[str, Any]:
        return {
            "restaurant_id": str(restaurant_id),
            "dry_run": dry_run,
            "categories_created": len(self.new_categories),
            "foods_created": len(self.new_foods),
            "foods_updated": len(self.updated_foods),
        }


def _food_from(row: menu_format.MenuRow, base: Food, category_id: uuid.UUID, clock: Clock) -> Food:
    return replace(
        base,
        category_id=category_id,
        name=row.name,
        description=row.description,
        price=row.price,
        is_available=row.available,
        stock_remaining=row.stock,
        prep_time_seconds=row.prep_time_seconds,
        station=row.station,
        updated_at=clock.now(),
    )


def _new_category(
    row: menu_format.MenuRow, restaurant_id: uuid.UUID, position: int, clock: Clock
) -> Category:
    now = clock.now()
    return Category(
        id=new_id(),
        restaurant_id=restaurant_id,
        name=row.category,
        description=None,
        display_order=position,
        station=row.category_station,
        is_active=True,
        created_at=now,
        updated_at=now,
    )


def _new_food(
    row: menu_format.MenuRow, restaurant_id: uuid.UUID, category_id: uuid.UUID, clock: Clock
) -> Food:
    now = clock.now()
    blank = Food(
        new_id(), restaurant_id, category_id, row.name, None, row.price, True, None, None, None,
        False, now, now,
    )  # fmt: skip
    return _food_from(row, blank, category_id, clock)


async def _plan(
    tx: Transaction, restaurant_id: uuid.UUID, rows: list[menu_format.MenuRow], clock: Clock
) -> ImportPlan:
    """Match rows to the restaurant's categories (by name) and live foods (by name)."""
    if await tx.restaurants.get(restaurant_id) is None:
        raise NotFound("Restaurant not found")
    categories = {c.name.lower(): c for c in await tx.categories.list_for(restaurant_id)}
    foods = {f.name.lower(): f for f in await tx.foods.list_for(restaurant_id) if not f.is_deleted}
    plan = ImportPlan()
    for row in rows:
        category = categories.get(row.category.lower())
        if category is None:
            category = _new_category(row, restaurant_id, len(categories), clock)
            categories[row.category.lower()] = category
            plan.new_categories.append(category)
        existing = foods.get(row.name.lower())
        if existing is not None:
            plan.updated_foods.append(_food_from(row, existing, category.id, clock))
        else:
            plan.new_foods.append(_new_food(row, restaurant_id, category.id, clock))
    return plan


def _event(kind: str, restaurant_id: uuid.UUID, view: dict[str, Any], clock: Clock) -> DomainEvent:
    # The same events, keys and payloads the menu use cases write, so consumers cannot tell an
    # imported food from one created over the API.
    return DomainEvent(
        event_type=kind,
        key=restaurant_id,
        occurred_at=clock.now(),
        payload={"restaurant_id": str(restaurant_id), **view},
    )


async def _write(tx: Transaction, plan: ImportPlan, restaurant_id: uuid.UUID, clock: Clock) -> None:
    events = []
    steps = len(plan.new_categories) + len(plan.new_foods) + len(plan.updated_foods)
    with Progress(console=stderr(), transient=True, disable=steps < PROGRESS_FROM_ROWS) as bar:
        task = bar.add_task("importing", total=steps)
        for category in plan.new_categories:
            await tx.categories.add(category)
            events.append(
                _event("menu.category_created", restaurant_id, category_view(category), clock)
            )
            bar.advance(task)
        for food in plan.new_foods:
            await tx.foods.add(food)
            events.append(_event("menu.food_created", restaurant_id, food_view(food), clock))
            bar.advance(task)
        for food in plan.updated_foods:
            await tx.foods.save(food)
            events.append(_event("menu.food_updated", restaurant_id, food_view(food), clock))
            bar.advance(task)
    await tx.outbox.add(events)


def _read_checked(path: Path, kind: str | None) -> list[menu_format.MenuRow]:
    """The file's rows, or an exit with every problem listed on stderr (exit 6)."""
    if not path.is_file():
        fail(f"{path} does not exist", EXIT_INVALID_INPUT)
    chosen = guarded(lambda: menu_format.format_of(path, kind))
    text = path.read_text(encoding="utf-8-sig")
    rows, problems = guarded(lambda: menu_format.read_menu(text, chosen))
    if problems:
        for problem in problems:
            typer.echo(f"{path.name}: {problem}", err=True)
        fail(f"{len(problems)} bad row(s) in {path.name}; nothing was imported", EXIT_INVALID_INPUT)
    return rows


@app.command(
    "import",
    epilog=examples(
        "restman menu import examples/menu.csv --restaurant <id> --dry-run",
        "restman menu import examples/menu.yaml --restaurant <id>",
    ),
)
def import_menu(
    file: Annotated[Path, typer.Argument(help="CSV, JSON or YAML file (see the README).")],
    restaurant: Annotated[str, typer.Option(help="The restaurant's id.")],
    dry_run: Annotated[bool, typer.Option(help="Check and report; change nothing.")] = False,
    file_format: Annotated[
        str | None, typer.Option("--format", help="csv, json or yaml (default: by extension).")
    ] = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Import foods (and their categories) into a restaurant's menu: all rows or none.

    Every row is checked first; each bad row is reported with its line number and then
    nothing is changed. Foods are matched by name: a known name is updated, a new one
    created; categories are matched by name and created when missing.
    """
    restaurant_id = parse_uuid(restaurant, "restaurant id")
    rows = _read_checked(file, file_format)

    async def work(platform: Platform) -> dict[str, Any]:
        async def unit(tx: Transaction) -> ImportPlan:
            plan = await _plan(tx, restaurant_id, rows, platform.clock)
            if not dry_run:
                await _write(tx, plan, restaurant_id, platform.clock)
            return plan

        plan = await platform.db.run(unit)
        if not dry_run:
            await platform.cache.delete(menu_cache_key(restaurant_id))
        return plan.summary(restaurant_id, dry_run)

    summary = execute(work)
    if dry_run:
        note(f"{len(rows)} row(s) are valid; dry run, nothing was changed")
    emit_record(summary, output, title="Menu import")


def _export_rows(platform: Platform, restaurant_id: uuid.UUID) -> Any:
    async def unit(tx: Transaction) -> list[dict[str, Any]]:
        categories = {c.id: c for c in await tx.categories.list_for(restaurant_id)}
        return [
            {
                "category": categories[f.category_id].name,
                "name": f.name,
                "price": menu_format.money_text(f.price),
                "description": f.description,
                "station": f.station,
                "category_station": categories[f.category_id].station,
                "available": f.is_available,
                "stock": f.stock_remaining,
                "prep_time_seconds": f.prep_time_seconds,
            }
            for f in await tx.foods.list_for(restaurant_id)
            if not f.is_deleted and f.category_id in categories
        ]

    return platform.db.run(unit)


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

    async def work(platform: Platform) -> list[dict[str, Any]]:
        await platform.menus.get_restaurant(OPERATOR, restaurant_id)
        rows: list[dict[str, Any]] = await _export_rows(platform, restaurant_id)
        return rows

    text = menu_format.write_menu(execute(work), file_format.lower())
    if file is None:
        typer.echo(text, nl=False)
    else:
        file.write_text(text, encoding="utf-8")
        note(f"wrote {file}")
