"""``restman orders list|show|status``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from restman_cli.errors import EXIT_FAILED
from restman_cli.output import (
    Column,
    OutputFormat,
    OutputOption,
    emit_record,
    emit_rows,
    examples,
    note,
)
from restman_cli.runtime import OPERATOR, collect, execute, guarded, parse_moment, parse_uuid
from restman_cli.table_fit import WideOption
from restman_core.domain.order_refs import parse_order_ref
from restman_core.domain.orders import OrderStatus, parse_order_status
from restman_core.views import order_view

if TYPE_CHECKING:
    from restman_core.bootstrap import Platform

app = typer.Typer(help="Orders: list, inspect and move them.", no_args_is_help=True)

COLUMNS = (
    Column("number", "no."),
    Column("id", "id", wide=True),
    Column("status", "status"),
    Column("order_type", "type"),
    Column("table", "table"),
    Column("total_amount", "total", justify="right"),
    Column("restaurant_id", "restaurant", wide=True),
    Column("created_at", "placed at"),
)
ITEM_COLUMNS = (
    Column("food_name", "food"),
    Column("quantity", "qty", justify="right"),
    Column("unit_price", "unit", justify="right"),
    Column("subtotal", "subtotal", justify="right"),
    Column("station", "station"),
    Column("notes", "notes"),
)


def _moment(value: str | None) -> str:
    """A history timestamp to the second, in UTC (the order of events matters here)."""
    return "-" if value is None else value.replace("T", " ")[:19] + " UTC"


HISTORY_COLUMNS = (
    Column("status", "status"),
    Column("changed_at", "at", render=_moment, max_width=23),
    Column("note", "note"),
    Column("actor_id", "by", wide=True),
)


def _status(value: str | None) -> OrderStatus | None:
    return None if value is None else guarded(lambda: parse_order_status(value))


@app.command(
    "list",
    epilog=examples(
        "restman orders list",
        "restman orders list --restaurant <id> --status PLACED",
        "restman orders list --since 2026-01-01 -o csv > orders.csv",
    ),
)
def list_orders(
    restaurant: Annotated[str | None, typer.Option(help="Only this restaurant's orders.")] = None,
    status: Annotated[
        str | None, typer.Option(help="Only orders with this status (PLACED, READY, ...).")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only orders placed at or after this date/time (UTC).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="At most this many.")] = 50,
    output: OutputOption = OutputFormat.TABLE,
    wide: WideOption = False,
) -> None:
    """List orders, newest first."""
    restaurant_id = parse_uuid(restaurant, "restaurant id") if restaurant else None
    wanted_status = _status(status)
    after = parse_moment(since, "--since")

    async def work(platform: Platform) -> list[dict[str, Any]]:
        found = await collect(
            lambda page: platform.orders.list_all_orders(
                OPERATOR, restaurant_id=restaurant_id, status=wanted_status, page=page, since=after
            ),
            limit,
        )
        return [order_view(o, with_items=False) for o in found]

    emit_rows(execute(work), COLUMNS, output, title="Orders", wide=wide)


@app.command("show", epilog=examples("restman orders show <order-id> -o json"))
def show(
    order_id: Annotated[str, typer.Argument(help="The order's id or its number (B408E2).")],
    output: OutputOption = OutputFormat.TABLE,
    wide: WideOption = False,
) -> None:
    """Show an order with its items and status history."""
    guarded(lambda: parse_order_ref(order_id))  # a malformed reference fails before any I/O

    async def work(platform: Platform) -> dict[str, Any]:
        wanted = await platform.orders.resolve_order_ref(OPERATOR, order_id)
        return order_view(await platform.orders.get_order(OPERATOR, wanted))

    view = execute(work)
    emit_record(view, output, title=f"Order {view['number']}")
    if output is OutputFormat.TABLE:
        emit_rows(view["items"], ITEM_COLUMNS, output, title="Items", wide=wide)
        emit_rows(
            view["status_history"], HISTORY_COLUMNS, output, title="Status history", wide=wide
        )


@app.command(
    "status",
    epilog=examples(
        "restman orders status <order-id> ACCEPTED",
        "restman orders status <order-id> CANCELLED --yes",
    ),
)
def change_status(
    order_id: Annotated[str, typer.Argument(help="The order's id or its number (B408E2).")],
    status: Annotated[str, typer.Argument(help="The new status (one legal step, or CANCELLED).")],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Cancel without asking for confirmation.")
    ] = False,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Move an order to a new status. Illegal moves exit with the conflict code (4).

    Cancelling cannot be undone (its tickets are voided and its bill cancelled), so it asks
    for confirmation unless --yes.
    """
    guarded(lambda: parse_order_ref(order_id))  # a malformed reference fails before any I/O
    target = _status(status)
    assert target is not None
    confirm = f"Cancel order {order_id}? This cannot be undone"
    if target is OrderStatus.CANCELLED and not yes and not typer.confirm(confirm, err=True):
        note("nothing changed")
        raise typer.Exit(EXIT_FAILED)

    async def work(platform: Platform) -> dict[str, Any]:
        wanted = await platform.orders.resolve_order_ref(OPERATOR, order_id)
        return order_view(await platform.orders.change_status(OPERATOR, wanted, target))

    emit_record(execute(work), output, title="Order updated")
