"""``restman foods list|86|restock``: what a restaurant sells and whether it can be ordered."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any

import typer

from restman_cli.output import (
    Column,
    OutputFormat,
    OutputOption,
    emit_record,
    emit_rows,
    examples,
    note,
)
from restman_cli.runtime import OPERATOR, execute, parse_uuid
from restman_cli.table_fit import WideOption
from restman_core.domain.menus import Food
from restman_core.domain.modifiers import ModifierGroup
from restman_core.errors import NotFound
from restman_core.menu_views import option_view
from restman_core.ports.storage import Transaction
from restman_core.views import food_view

if TYPE_CHECKING:
    from restman_core.bootstrap import Platform

app = typer.Typer(
    help="Foods and modifier options: list foods, take a food or an option off the menu (86) "
    "and put it back (restock).",
    no_args_is_help=True,
)

COLUMNS = (
    Column("id", "id"),
    Column("name", "name"),
    Column("price", "price", justify="right"),
    Column("station", "station"),
    Column("is_available", "available"),
    Column("stock_remaining", "stock", justify="right"),
)
FOOD_ID = Annotated[
    str, typer.Argument(help="The id of a food, or of a modifier option (oat milk, extra cheese).")
]


async def _food(platform: Platform, food_id: uuid.UUID) -> Food | ModifierGroup:
    """The food of that id, else the modifier group holding an option of that id."""

    async def work(tx: Transaction) -> Food | ModifierGroup:
        food = await tx.foods.get(food_id)
        if food is not None and not food.is_deleted:
            return food
        group = await tx.modifiers.group_of_option(food_id)
        if group is None or group.is_deleted:
            raise NotFound("No food or modifier option has this id")
        if not any(o.id == food_id for o in group.live_options):
            raise NotFound("The modifier option was deleted")
        return group

    return await platform.db.run(work)


async def _set(
    platform: Platform, wanted: uuid.UUID, available: bool, stock: object = ...
) -> dict[str, Any]:
    """86 or restock a food or an option; answers the food's view, or the option's (with its
    group's name)."""
    found = await _food(platform, wanted)
    if isinstance(found, Food):
        food = await platform.menus.set_availability(
            OPERATOR, found.restaurant_id, found.id, available, stock
        )
        return food_view(food)
    group = await platform.modifiers.set_option_availability(
        OPERATOR, found.restaurant_id, found.id, wanted, available, stock
    )
    option = next(o for o in group.options if o.id == wanted)
    return {**option_view(option), "group_name": group.name}


@app.command("list", epilog=examples("restman foods list --restaurant <id>"))
def list_foods(
    restaurant: Annotated[str, typer.Option(help="The restaurant's id.")],
    output: OutputOption = OutputFormat.TABLE,
    wide: WideOption = False,
) -> None:
    """List a restaurant's foods (deleted ones left out)."""
    restaurant_id = parse_uuid(restaurant, "restaurant id")

    async def work(platform: Platform) -> list[dict[str, Any]]:
        await platform.menus.get_restaurant(OPERATOR, restaurant_id)
        foods = await platform.db.run(lambda tx: tx.foods.list_for(restaurant_id))
        return [food_view(f) for f in foods if not f.is_deleted]

    emit_rows(execute(work), COLUMNS, output, title="Foods", wide=wide)


OPTION_COLUMNS = (
    Column("id", "id"),
    Column("group_name", "group"),
    Column("name", "option"),
    Column("price_delta", "price", justify="right"),
    Column("is_available", "available"),
    Column("stock_remaining", "stock", justify="right"),
)


@app.command("options", epilog=examples("restman foods options --restaurant <id>"))
def list_options(
    restaurant: Annotated[str, typer.Option(help="The restaurant's id.")],
    output: OutputOption = OutputFormat.TABLE,
    wide: WideOption = False,
) -> None:
    """List a restaurant's modifier options by group, 86'd ones included (their ids are what
    ``foods 86`` and ``foods restock`` take)."""
    restaurant_id = parse_uuid(restaurant, "restaurant id")

    async def work(platform: Platform) -> list[dict[str, Any]]:
        groups = await platform.modifiers.list_groups(OPERATOR, restaurant_id)
        return [{**option_view(o), "group_name": g.name} for g in groups for o in g.live_options]

    emit_rows(execute(work), OPTION_COLUMNS, output, title="Modifier options", wide=wide)


@app.command(
    "86",
    epilog=examples("restman foods 86 <food-id>", "restman foods 86 <food-id> -o json"),
)
def eighty_six(food_id: FOOD_ID, output: OutputOption = OutputFormat.TABLE) -> None:
    """Take a food or a modifier option off the menu ("86 it"): it stays listed for staff but
    cannot be ordered."""
    wanted = parse_uuid(food_id, "food or option id")

    async def work(platform: Platform) -> dict[str, Any]:
        return await _set(platform, wanted, False)

    emit_record(execute(work), output, title="86'd")


@app.command(
    "restock",
    epilog=examples(
        "restman foods restock <food-id>",
        "restman foods restock <food-id> --stock 40",
        "restman foods restock <food-id> --untracked",
    ),
)
def restock(
    food_id: FOOD_ID,
    stock: Annotated[
        int | None, typer.Option(min=0, help="Track stock again, starting at this count.")
    ] = None,
    untracked: Annotated[bool, typer.Option(help="Stop tracking stock for this food.")] = False,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Make a food or a modifier option orderable again, optionally setting its stock.

    The stock count is kept when neither --stock nor --untracked is given.
    """
    wanted = parse_uuid(food_id, "food or option id")
    if stock is not None and untracked:
        raise typer.BadParameter("use either --stock or --untracked", param_hint="--stock")

    async def work(platform: Platform) -> dict[str, Any]:
        if untracked:
            return await _set(platform, wanted, True, None)
        if stock is not None:
            return await _set(platform, wanted, True, stock)
        return await _set(platform, wanted, True)

    view = execute(work)
    if view["stock_remaining"] == 0:
        note("warning: stock is 0, so it still cannot be ordered; give --stock N")
    emit_record(view, output, title="Restocked")
