"""``restman bills list|show|refund``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from restman_cli.bill_text import bill_lines
from restman_cli.output import (
    Column,
    OutputFormat,
    OutputOption,
    emit_record,
    emit_rows,
    examples,
    stdout,
)
from restman_cli.runtime import OPERATOR, collect, execute, guarded, parse_uuid, user_by_email
from restman_cli.table_fit import WideOption
from restman_core.domain.order_refs import parse_order_ref
from restman_core.views import bill_view
from restman_core.views_billing import bill_book_view

if TYPE_CHECKING:
    from restman_core.bootstrap import Platform

app = typer.Typer(help="Bills: a restaurant's or a customer's, and one order's.")

COLUMNS = (
    Column("order_id", "order"),
    Column("status", "status"),
    Column("subtotal", "subtotal", justify="right"),
    Column("tax_amount", "tax", justify="right"),
    Column("tip_amount", "tip", justify="right"),
    Column("total_amount", "total", justify="right"),
    Column("payment_method", "paid by"),
    Column("generated_at", "generated at"),
)


@app.command(
    "list",
    epilog=examples(
        "restman bills list --restaurant <id>", "restman bills list --customer ann@example.com"
    ),
)
def list_bills(
    restaurant: Annotated[str | None, typer.Option(help="A restaurant's bills.")] = None,
    customer: Annotated[str | None, typer.Option(help="A customer's bills (by email).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="At most this many.")] = 50,
    output: OutputOption = OutputFormat.TABLE,
    wide: WideOption = False,
) -> None:
    """List bills, newest first, of one restaurant or one customer."""
    if (restaurant is None) == (customer is None):
        raise typer.BadParameter("give exactly one of --restaurant or --customer")
    restaurant_id = parse_uuid(restaurant, "restaurant id") if restaurant else None

    async def work(platform: Platform) -> list[dict[str, Any]]:
        if restaurant_id is not None:
            await platform.menus.get_restaurant(OPERATOR, restaurant_id)
            found = await collect(
                lambda page: platform.billing.bills_of_restaurant(OPERATOR, restaurant_id, page),
                limit,
            )
        else:
            assert customer is not None
            user = await platform.db.run(lambda tx: user_by_email(tx, customer))
            found = await collect(
                lambda page: platform.billing.bills_of_user(OPERATOR, user.id, page), limit
            )
        return [bill_view(b) for b in found]

    emit_rows(execute(work), COLUMNS, output, title="Bills", wide=wide)


@app.command("show", epilog=examples("restman bills show <order-id>"))
def show(
    order_id: Annotated[str, typer.Argument(help="The id or number (B408E2) of the bill's order.")],
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Show the whole bill of an order: lines, taxes per rate, discounts, service charge,
    split parts, payments and refunds (JSON: the shape of the HTTP API's bill)."""
    guarded(lambda: parse_order_ref(order_id))  # a malformed reference fails before any I/O

    async def work(platform: Platform) -> dict[str, Any]:
        wanted = await platform.orders.resolve_order_ref(OPERATOR, order_id)
        return bill_book_view(await platform.billing.get_book(OPERATOR, wanted))

    emit_bill(execute(work), output)


def emit_bill(bill: dict[str, Any], output: OutputFormat) -> None:
    if output is OutputFormat.TABLE:
        for line in bill_lines(bill):
            stdout().print(Text(line), soft_wrap=True)
        return
    emit_record(bill, output, title="Bill")


@app.command(
    "refund",
    epilog=examples(
        'restman bills refund B408E2 --amount 5.00 --reason "cold soup"',
        'restman bills refund <order-id> --item <item-id> --reason "corked" --yes',
    ),
)
def refund(
    order_id: Annotated[str, typer.Argument(help="The id or number (B408E2) of the bill's order.")],
    reason: Annotated[str, typer.Option(help="Why the money goes back (required).")],
    amount: Annotated[
        str | None, typer.Option(help="How much to give back (at most what was paid).")
    ] = None,
    item: Annotated[
        list[str] | None,
        typer.Option(help="An order item to refund (repeat for several); instead of --amount."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Give money back on a paid bill, by amount or by items, never more than was paid. Shows
    what would be refunded and asks unless --yes; prints the bill afterwards."""
    guarded(lambda: parse_order_ref(order_id))
    if (amount is None) == (not item):
        raise typer.BadParameter("give exactly one of --amount or --item")
    what = f"{amount}" if amount is not None else f"{len(item or [])} item(s)"
    if not yes and not typer.confirm(f"Refund {what} on order {order_id}?", err=True):
        raise typer.Exit(1)
    body: dict[str, Any] = {"reason": reason}
    if amount is not None:
        body["amount"] = amount
    else:
        body["item_ids"] = list(item or [])

    async def work(platform: Platform) -> dict[str, Any]:
        wanted = await platform.orders.resolve_order_ref(OPERATOR, order_id)
        change = await platform.money.refund(OPERATOR, wanted, body)
        return bill_book_view(change.book)

    emit_bill(execute(work), output)
