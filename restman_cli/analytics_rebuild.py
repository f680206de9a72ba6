"""``restman analytics rebuild``: truncate the analytics store and re-project every fact from the
SQL truth (orders with their items, bills, kitchen tickets), so the reports equal SQL again. It
works the same on the embedded engine and on a ClickHouse server."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from restman_cli.errors import EXIT_FAILED
from restman_cli.output import OutputFormat, OutputOption, emit_record, examples
from restman_cli.runtime import OPERATOR, execute

if TYPE_CHECKING:
    from restman_core.bootstrap import Platform


def rebuild(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Re-project every analytics fact from SQL (the store is emptied first). Asks unless --yes."""
    from dataclasses import asdict

    from restman_core.bootstrap_ops import rebuild_analytics_now

    if not yes and not typer.confirm("Empty the analytics store and rebuild it?", err=True):
        typer.echo("nothing changed", err=True)
        raise typer.Exit(EXIT_FAILED)

    async def work(platform: Platform) -> dict[str, Any]:
        return asdict(await rebuild_analytics_now(platform, OPERATOR))

    emit_record(execute(work), output, title="Rebuilt")


def register(analytics: typer.Typer) -> None:
    """Add ``rebuild`` to ``restman analytics``."""
    analytics.command("rebuild", epilog=examples("restman analytics rebuild --yes -o json"))(
        rebuild
    )
