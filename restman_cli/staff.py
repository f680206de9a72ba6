"""``restman staff add|remove|list``: a restaurant's kitchen staff.

Adding an email without an account records an invitation (the account joins when it signs up);
the rules live in the core's staff use cases.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from restman_cli.errors import EXIT_FAILED, EXIT_USAGE, fail
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
from restman_core.domain.users import normalise_email
from restman_core.views import user_view

if TYPE_CHECKING:
    from restman_core.bootstrap import Platform

app = typer.Typer(help="Kitchen staff of a restaurant.", no_args_is_help=True)

RESTAURANT = Annotated[str, typer.Option(help="The restaurant's id.")]
EMAIL = Annotated[str, typer.Argument(help="The staff member's email address.")]
COLUMNS = (
    Column("email", "email"),
    Column("role", "role"),
    Column("is_active", "active"),
    Column("id", "id", wide=True),
)


@app.command(
    "add",
    epilog=examples(
        "restman staff add grill@example.com --restaurant <id>",
        "restman staff add customer@example.com --restaurant <id> --yes",
    ),
)
def add(
    email: EMAIL,
    restaurant: RESTAURANT,
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help="Turn a customer account into staff without asking."),
    ] = False,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Add an account to a restaurant's kitchen staff, or invite the email.

    An email without an account is invited and joins when it signs up. A customer account
    becomes kitchen staff, which changes what it can do and ends its sessions: that asks for
    confirmation, or needs --yes when there is no terminal to ask on (refused with exit 2).
    """
    restaurant_id = parse_uuid(restaurant, "restaurant id")
    if not yes and _is_customer(email):
        _confirm_promotion(email)

    async def work(platform: Platform) -> dict[str, Any]:
        added = await platform.staff.add_staff(OPERATOR, restaurant_id, email)
        return {
            "restaurant_id": str(added.restaurant_id),
            "email": added.email,
            "invited": added.invited,
            "changed": added.changed,
            "user": user_view(added.user) if added.user is not None else None,
        }

    emit_record(execute(work), output, title="Staff")


def _is_customer(email: str) -> bool:
    """Whether the email belongs to a customer account (which staff add would convert)."""
    from restman_core.domain.access import Role

    async def work(platform: Platform) -> bool:
        user = await platform.db.run(lambda tx: tx.users.get_by_email(normalise_email(email)))
        return user is not None and user.role is Role.CUSTOMER

    return execute(work)


def _confirm_promotion(email: str) -> None:
    question = (
        f"{email} is a customer account: make it kitchen staff and end its sessions? "
        "It will no longer be able to order with this account"
    )
    if not sys.stdin.isatty():
        fail(
            f"{email} is a customer account; making it kitchen staff ends its sessions. "
            "Run again with --yes to confirm (no terminal to ask on)",
            EXIT_USAGE,
        )
    if not typer.confirm(question, err=True):
        note("nothing changed")
        raise typer.Exit(EXIT_FAILED)


@app.command("remove", epilog=examples("restman staff remove grill@example.com --restaurant <id>"))
def remove(email: EMAIL, restaurant: RESTAURANT, output: OutputOption = OutputFormat.TABLE) -> None:
    """Remove a member from the kitchen staff, or withdraw the email's pending invitation."""
    restaurant_id = parse_uuid(restaurant, "restaurant id")

    async def work(platform: Platform) -> dict[str, Any]:
        address = normalise_email(email)
        user = await platform.db.run(lambda tx: tx.users.get_by_email(address))
        if user is None:
            await platform.staff.withdraw_invitation(OPERATOR, restaurant_id, address)
            return {"restaurant_id": str(restaurant_id), "email": address, "removed": "invitation"}
        await platform.staff.remove_staff(OPERATOR, restaurant_id, user.id)
        return {"restaurant_id": str(restaurant_id), "email": address, "removed": "member"}

    emit_record(execute(work), output, title="Staff")


@app.command("list", epilog=examples("restman staff list --restaurant <id> -o json"))
def list_staff(
    restaurant: RESTAURANT, output: OutputOption = OutputFormat.TABLE, wide: WideOption = False
) -> None:
    """List a restaurant's kitchen staff."""
    restaurant_id = parse_uuid(restaurant, "restaurant id")

    async def work(platform: Platform) -> list[dict[str, Any]]:
        return [user_view(u) for u in await platform.staff.list_staff(OPERATOR, restaurant_id)]

    emit_rows(execute(work), COLUMNS, output, title="Staff", wide=wide)
