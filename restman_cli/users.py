"""``restman users ...``: administrators, accounts and their sessions.

The rules (who may be promoted, that deactivating ends every session) live in the core's
account and sign-in use cases; these commands call them as the platform operator.
"""

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
from restman_cli.runtime import OPERATOR, execute, guarded
from restman_cli.table_fit import WideOption
from restman_core.domain.access import Role
from restman_core.domain.clock import format_timestamp
from restman_core.errors import InvalidInput
from restman_core.views import user_view

if TYPE_CHECKING:
    from restman_core.bootstrap import Platform

app = typer.Typer(help="User accounts: admins, listing, deactivation, sessions, tokens.")
sessions_app = typer.Typer(help="Sessions of an account.", no_args_is_help=True)
app.add_typer(sessions_app, name="sessions")

EMAIL = Annotated[str, typer.Argument(help="The account's email address.")]
COLUMNS = (
    Column("email", "email"),
    Column("role", "role"),
    Column("is_active", "active"),
    Column("created_at", "created at"),
    Column("last_sign_in_at", "last sign-in"),
    Column("id", "id", wide=True),
)
ROLES = {"customer": Role.CUSTOMER, "owner": Role.OWNER, "kitchen": Role.KITCHEN}


def _role(value: str | None) -> Role | None:
    if value is None:
        return None

    def parse() -> Role:
        text = value.strip().lower()
        try:
            return ROLES.get(text) or Role(text)
        except ValueError:
            raise InvalidInput("role must be user, rest, kitch or admin") from None

    return guarded(parse)


@app.command("create-admin", epilog=examples("restman users create-admin ops@example.com"))
def create_admin(email: EMAIL, output: OutputOption = OutputFormat.TABLE) -> None:
    """Create an administrator, or promote an existing account (its sessions end)."""

    async def work(platform: Platform) -> dict[str, Any]:
        return user_view(await platform.accounts.create_admin(OPERATOR, email))

    emit_record(execute(work), output, title="Administrator")


@app.command(
    "list",
    epilog=examples("restman users list", "restman users list --role kitch -o json"),
)
def list_users(
    role: Annotated[
        str | None, typer.Option(help="Only this role: user, rest, kitch or admin.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="At most this many.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many first.")] = 0,
    output: OutputOption = OutputFormat.TABLE,
    wide: WideOption = False,
) -> None:
    """List accounts, oldest first."""
    wanted = _role(role)

    async def work(platform: Platform) -> list[dict[str, Any]]:
        found = await platform.accounts.list_users(
            OPERATOR, role=wanted, limit=limit, offset=offset
        )
        return [user_view(u) for u in found]

    emit_rows(execute(work), COLUMNS, output, title="Users", wide=wide)


@app.command(
    "deactivate",
    epilog=examples("restman users deactivate ann@example.com --yes"),
)
def deactivate(
    email: EMAIL,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Deactivate an account: it can no longer sign in and every session ends at once."""
    if not yes and not typer.confirm(f"Deactivate {email} and end its sessions?", err=True):
        note("nothing changed")
        raise typer.Exit(EXIT_FAILED)

    async def work(platform: Platform) -> dict[str, Any]:
        return user_view(await platform.accounts.deactivate_user(OPERATOR, email))

    emit_record(execute(work), output, title="Deactivated")


@app.command("reactivate", epilog=examples("restman users reactivate ann@example.com"))
def reactivate(email: EMAIL, output: OutputOption = OutputFormat.TABLE) -> None:
    """Let a deactivated account sign in again."""

    async def work(platform: Platform) -> dict[str, Any]:
        return user_view(await platform.accounts.reactivate_user(OPERATOR, email))

    emit_record(execute(work), output, title="Reactivated")


@sessions_app.command(
    "revoke", epilog=examples("restman users sessions revoke ann@example.com --yes")
)
def revoke_sessions(
    email: EMAIL,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """End every session of an account (it must sign in again)."""
    if not yes and not typer.confirm(f"End every session of {email}?", err=True):
        note("nothing changed")
        raise typer.Exit(EXIT_FAILED)

    async def work(platform: Platform) -> dict[str, Any]:
        count = await platform.accounts.revoke_sessions(OPERATOR, email)
        return {"email": email.strip().lower(), "sessions_revoked": count}

    emit_record(execute(work), output, title="Sessions revoked")


@app.command(
    "token",
    epilog=examples(
        "restman users token grill@example.com",
        "restman users token grill@example.com --hours 12 -o json",
    ),
)
def token(
    email: EMAIL,
    hours: Annotated[
        float | None,
        typer.Option(min=0.1, help="Lifetime in hours (default: the session lifetime)."),
    ] = None,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Issue a session token for a kitchen terminal (no sign-in code needed).

    The token is printed once: store it now (restman kitchen --token ...).
    """

    async def work(platform: Platform) -> dict[str, Any]:
        lifetime = round(hours * 3600) if hours is not None else None
        signed = await platform.auth.issue_token(OPERATOR, email, lifetime_seconds=lifetime)
        return {
            "token": signed.token,
            "session_id": str(signed.session.id),
            "expires_at": format_timestamp(signed.session.expires_at),
            "user": user_view(signed.user),
        }

    view = execute(work)
    if output is OutputFormat.TABLE:
        typer.echo(view["token"])
        note(f"session for {view['user']['email']} until {view['expires_at']}; shown only once")
    else:
        emit_record(view, output)
