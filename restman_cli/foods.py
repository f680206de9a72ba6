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
from restman_core.errors import NotFound
from restman_core.ports.storage import Transaction
from restman_core.views import food_view

if TYPE_CHECKING:
    from restman_core.bootstrap import Platform

app = typer.Typer(
    help="Foods: list them, take them off the menu (86) and put them back (restock).",
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
FOOD_ID = Annotated[str, typer.Argument(help="The food's id.")]


async def _food(platform: Platform, food_id: uuid.UUID) -> Food:
    async def work(tx: Transaction) -> Food:
        food = await tx.foods.get(food_id)
        if food is None or food.is_deleted:
            raise NotFound("Food not found")
        return food

    return await platform.db.run(work)


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


@app.command(
    "86",
    epilog=examples("restman foods 86 <food-id>", "restman foods 86 <food-id> -o json"),
)
def eighty_six(food_id: FOOD_ID, output: OutputOption = OutputFormat.TABLE) -> None:
    """Take a food off the menu ("86 it"): it stays listed for staff but cannot be ordered."""
    wanted = parse_uuid(food_id, "food id")

    async def work(platform: Platform) -> dict[str, Any]:
        food = await _food(platform, wanted)
        updated = await platform.menus.set_availability(
            OPERATOR, food.restaurant_id, food.id, False
        )
        return food_view(updated)

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
    """Make a food orderable again, optionally setting its stock.

    The stock count is kept when neither --stock nor --untracked is given.
    """
    wanted = parse_uuid(food_id, "food id")
    if stock is not None and untracked:
        raise typer.BadParameter("use either --stock or --untracked", param_hint="--stock")

    async def work(platform: Platform) -> dict[str, Any]:
        food = await _food(platform, wanted)
        if untracked:
            updated = await platform.menus.set_availability(
                OPERATOR, food.restaurant_id, food.id, True, None
            )
        elif stock is not None:
            updated = await platform.menus.set_availability(
                OPERATOR, food.restaurant_id, food.id, True, stock
            )
        else:
            updated = await platform.menus.set_availability(
                OPERATOR, food.restaurant_id, food.id, True
            )
        return food_view(updated)

    view = execute(work)
    if view["stock_remaining"] == 0:
        note("warning: stock is 0, so the food still cannot be ordered; give --stock N")
    emit_record(view, output, title="Restocked")
