"""``restman restaurants list|show|create|hours``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from restman_cli.output import Column, OutputFormat, OutputOption, emit_record, emit_rows, examples
from restman_cli.runtime import OPERATOR, execute, parse_uuid, user_by_email
from restman_cli.table_fit import WideOption
from restman_core.ports.storage import Page, Transaction
from restman_core.views import category_view, food_view, restaurant_view

if TYPE_CHECKING:
    from restman_core.bootstrap import Platform

app = typer.Typer(
    help="Restaurants: list, inspect and create them, and set their opening hours.",
    no_args_is_help=True,
)

COLUMNS = (
    Column("id", "id"),
    Column("name", "name"),
    Column("owner_id", "owner", wide=True),
    Column("address", "address"),
    Column("tax_rate", "tax", justify="right"),
    Column("is_active", "active"),
)


@app.command(
    "list",
    epilog=examples("restman restaurants list", "restman restaurants list --active -o json"),
)
def list_restaurants(
    output: OutputOption = OutputFormat.TABLE,
    wide: WideOption = False,
    active: Annotated[bool, typer.Option(help="Only restaurants that are open.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=200, help="At most this many.")] = 200,
) -> None:
    """List restaurants, newest first (inactive ones too unless --active)."""

    async def work(platform: Platform) -> list[dict[str, Any]]:
        if active:
            found = await platform.menus.list_restaurants(Page(limit=limit))
        else:
            found = (await platform.menus.my_restaurants(OPERATOR))[:limit]
        return [restaurant_view(r) for r in found]

    emit_rows(execute(work), COLUMNS, output, title="Restaurants", wide=wide)


@app.command(
    "show",
    epilog=examples(
        "restman restaurants show 3f0c6a52-1d7e-4c55-9a43-0f6f8f3f9e11",
        "restman restaurants show 3f0c6a52-1d7e-4c55-9a43-0f6f8f3f9e11 -o json",
    ),
)
def show(
    restaurant_id: Annotated[str, typer.Argument(help="The restaurant's id.")],
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Show a restaurant with its categories and foods (deleted foods left out)."""
    wanted = parse_uuid(restaurant_id, "restaurant id")

    async def work(platform: Platform) -> dict[str, Any]:
        restaurant = await platform.menus.get_restaurant(OPERATOR, wanted)

        async def menu(tx: Transaction) -> list[dict[str, Any]]:
            foods = [f for f in await tx.foods.list_for(wanted) if not f.is_deleted]
            return [
                {
                    **category_view(c),
                    "foods": [food_view(f) for f in foods if f.category_id == c.id],
                }
                for c in await tx.categories.list_for(wanted)
            ]

        return {**restaurant_view(restaurant), "categories": await platform.db.run(menu)}

    view = execute(work)
    emit_record(view, output, title=view["name"])
    if output is OutputFormat.TABLE:
        foods = [{**f, "category": c["name"]} for c in view["categories"] for f in c["foods"]]
        emit_rows(
            foods,
            (
                Column("category", "category"),
                Column("name", "food"),
                Column("price", "price", justify="right"),
                Column("station", "station"),
                Column("is_available", "available"),
                Column("stock_remaining", "stock", justify="right"),
                Column("id", "id"),
            ),
            output,
            title="Foods",
        )


@app.command(
    "create",
    epilog=examples(
        'restman restaurants create "Harbour Grill" --owner owner@example.com',
        'restman restaurants create "Cafe Nord" --owner ann@example.com --tax-rate 0.07 -o json',
    ),
)
def create(
    name: Annotated[str, typer.Argument(help="The restaurant's name.")],
    owner: Annotated[str, typer.Option(help="Email of the owning user (role rest or admin).")],
    address: Annotated[str | None, typer.Option(help="Street address.")] = None,
    phone: Annotated[str | None, typer.Option(help="Phone number.")] = None,
    description: Annotated[str | None, typer.Option(help="A short description.")] = None,
    tax_rate: Annotated[
        str | None, typer.Option(help="Tax rate, 0.10 for 10% (default: the platform's).")
    ] = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Create a restaurant owned by an existing owner."""
    fields: dict[str, Any] = {
        "name": name,
        "address": address,
        "phone": phone,
        "description": description,
    }
    if tax_rate is not None:
        fields["tax_rate"] = tax_rate

    async def work(platform: Platform) -> dict[str, Any]:
        user = await platform.db.run(lambda tx: user_by_email(tx, owner))
        created = await platform.menus.create_restaurant(user.as_actor(), fields)
        return restaurant_view(created)

    emit_record(execute(work), output, title="Restaurant created")


@app.command(
    "hours",
    epilog=examples(
        "restman restaurants hours <id>",
        'restman restaurants hours <id> --timezone Europe/Paris --set "mon 11:00-15:00, '
        '18:00-23:00; fri 18:00-02:00"',
        "restman restaurants hours <id> --always-open",
    ),
)
def hours(
    restaurant: Annotated[str, typer.Argument(help="The restaurant's id.")],
    timezone: Annotated[
        str | None, typer.Option(help="IANA time zone the hours are in (Europe/Paris).")
    ] = None,
    set_hours: Annotated[
        str | None,
        typer.Option(
            "--set",
            help="Weekly hours, 'mon 11:00-15:00, 18:00-23:00; fri 18:00-02:00' (an end "
            "before its start runs past midnight; days left out are closed).",
        ),
    ] = None,
    always_open: Annotated[bool, typer.Option(help="Remove the hours: always open.")] = False,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Show a restaurant's time zone and opening hours, or change them (orders outside the
    hours are refused with when it next opens)."""
    from restman_core.domain.clock import format_timestamp
    from restman_core.domain.schedule import is_open, next_opening
    from restman_core.services.menu_specs import format_hours, parse_hours_text

    restaurant_id = parse_uuid(restaurant, "restaurant id")
    if set_hours is not None and always_open:
        raise typer.BadParameter("use either --set or --always-open", param_hint="--set")
    fields: dict[str, Any] = {}
    if timezone is not None:
        fields["timezone"] = timezone
    if always_open:
        fields["opening_hours"] = None

    async def work(platform: Platform) -> dict[str, Any]:
        if set_hours is not None:
            week = parse_hours_text(set_hours, field="opening_hours")
            fields["opening_hours"] = week.as_json() if week else None
        found = await platform.menus.get_restaurant(OPERATOR, restaurant_id)
        if fields:
            found = await platform.menus.update_restaurant(
                OPERATOR, restaurant_id, fields, replace_all=False
            )
        now = platform.clock.now()
        opens = next_opening(found.opening_hours, found.timezone, now)
        return {
            "id": str(found.id),
            "name": found.name,
            "timezone": found.timezone,
            "opening_hours": format_hours(found.opening_hours) or "always open",
            "is_open_now": is_open(found.opening_hours, found.timezone, now),
            "next_opening_at": format_timestamp(opens) if opens else None,
        }

    emit_record(execute(work), output, title="Opening hours")
