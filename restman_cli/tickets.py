"""``restman tickets list``: the kitchen's tickets, oldest first, as the kitchen sees them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from restman_cli.output import Column, OutputFormat, OutputOption, emit_rows, examples
from restman_cli.runtime import OPERATOR, execute, guarded, parse_uuid
from restman_cli.table_fit import WideOption
from restman_core.domain.kitchen import OPEN_TICKET_STATUSES, TicketStatus, parse_ticket_status
from restman_core.ports.storage import Page
from restman_core.views import ticket_view

if TYPE_CHECKING:
    from restman_core.bootstrap import Platform

app = typer.Typer(help="Kitchen tickets.", no_args_is_help=True)


def _items(items: list[dict[str, Any]]) -> str:
    return ", ".join(
        f"{i['quantity']}x {i['food_name']}" + (" ✓" if i["done"] else "") for i in items
    )


def items_text(items: list[dict[str, Any]]) -> str:
    """A ticket's items as people write them: ``2× Margherita (no onions); 1× Fries ✓``
    (✓: done). The CSV form; JSON keeps the list."""
    return "; ".join(
        f"{i['quantity']}× {i['food_name']}"
        + (f" ({i['notes']})" if i.get("notes") else "")
        + (" ✓" if i.get("done") else "")
        for i in items
    )


COLUMNS = (
    Column("order_number", "order"),
    Column("station", "station"),
    Column("status", "status"),
    Column("items", "items", render=_items, csv=items_text),
    Column("table", "table"),
    Column("created_at", "opened at"),
    Column("id", "id", wide=True),
)


@app.command(
    "list",
    epilog=examples(
        "restman tickets list --open",
        "restman tickets list --restaurant <id> --station grill",
        "restman tickets list --status READY -o json",
    ),
)
def list_tickets(
    restaurant: Annotated[str | None, typer.Option(help="Only this restaurant's tickets.")] = None,
    station: Annotated[str | None, typer.Option(help="Only this station (grill, bar...).")] = None,
    status: Annotated[
        list[str] | None, typer.Option(help="Only these statuses (repeat the option).")
    ] = None,
    open_only: Annotated[
        bool, typer.Option("--open", help="Only tickets still in the kitchen.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=200, help="At most this many.")] = 200,
    output: OutputOption = OutputFormat.TABLE,
    wide: WideOption = False,
) -> None:
    """List kitchen tickets, oldest first."""
    restaurant_id = parse_uuid(restaurant, "restaurant id") if restaurant else None
    statuses: frozenset[TicketStatus] | None = None
    if status:
        statuses = frozenset(guarded(lambda: [parse_ticket_status(s) for s in status]))
    if open_only:
        statuses = (statuses or OPEN_TICKET_STATUSES) & OPEN_TICKET_STATUSES

    async def work(platform: Platform) -> list[dict[str, Any]]:
        found = await platform.kitchen.list_tickets(
            OPERATOR,
            restaurant_id=restaurant_id,
            statuses=statuses,
            station=station.lower() if station else None,
            page=Page(limit=limit),
        )
        return [ticket_view(t) for t in found]

    emit_rows(execute(work), COLUMNS, output, title="Tickets", wide=wide)
