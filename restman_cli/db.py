"""``restman db upgrade|downgrade|current|history``: the schema, through Alembic.

The embedded SQLite database is migrated automatically whenever RestMan starts; PostgreSQL and
CockroachDB are migrated explicitly with ``restman db upgrade`` (run it after every release).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from restman_cli.errors import EXIT_FAILED
from restman_cli.output import Column, OutputFormat, OutputOption, emit_record, emit_rows, examples
from restman_cli.output import note as say
from restman_cli.runtime import guarded, run_async, settings_or_exit
from restman_core.redaction import mask_url

if TYPE_CHECKING:
    from restman_core import maintenance

app = typer.Typer(help="The database schema: migrate it and see where it stands.")

YES = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def _state_view(state: maintenance.SchemaState, url: str) -> dict[str, Any]:
    return {
        "database": mask_url(url),
        "current": state.current,
        "head": state.head,
        "at_head": state.at_head,
    }


@app.command(
    "upgrade",
    epilog=examples(
        "restman db upgrade", "DATABASE_URL=postgresql://db/restman restman db upgrade"
    ),
)
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Migrate the database up to the newest schema (or to REVISION)."""
    from restman_core import maintenance
    from restman_core.bootstrap import database_url

    settings = settings_or_exit()
    url = guarded(lambda: database_url(settings))
    say(f"migrating {mask_url(url)} to {revision} ...")
    state = run_async(maintenance.upgrade(settings, revision))
    emit_record(_state_view(state, url), output, title="Schema")


@app.command(
    "downgrade",
    epilog=examples("restman db downgrade base --yes", "restman db downgrade 0001"),
)
def downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision; 'base' removes every table.")],
    yes: YES = False,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """DESTRUCTIVE: migrate the database down to REVISION.

    Drops what later migrations added, with its data. Asks for confirmation unless --yes.
    """
    from restman_core import maintenance
    from restman_core.bootstrap import database_url

    settings = settings_or_exit()
    url = guarded(lambda: database_url(settings))
    if not yes and not typer.confirm(
        f"Downgrade {mask_url(url)} to {revision}? Data may be lost", err=True
    ):
        say("nothing changed")
        raise typer.Exit(EXIT_FAILED)
    state = run_async(maintenance.downgrade(settings, revision))
    emit_record(_state_view(state, url), output, title="Schema")


@app.command("current", epilog=examples("restman db current", "restman db current -o json"))
def current(output: OutputOption = OutputFormat.TABLE) -> None:
    """Show the database's schema revision and whether it is the newest."""
    from restman_core import maintenance
    from restman_core.bootstrap import database_url

    settings = settings_or_exit()
    url = guarded(lambda: database_url(settings))
    state = run_async(maintenance.schema_state(settings))
    emit_record(_state_view(state, url), output, title="Schema")


@app.command("history", epilog=examples("restman db history"))
def history(output: OutputOption = OutputFormat.TABLE) -> None:
    """List every schema migration of this release, newest first."""
    from restman_core import maintenance

    rows = [
        {"revision": r.revision, "down_revision": r.down_revision, "message": r.message}
        for r in guarded(maintenance.history)
    ]
    columns = (
        Column("revision", "revision"),
        Column("down_revision", "follows"),
        Column("message", "message"),
    )
    emit_rows(rows, columns, output, title="Migrations")
