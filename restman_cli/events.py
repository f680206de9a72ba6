"""``restman events reconcile``: find committed events whose effect is missing in a consumer,
re-apply them, and report what was repaired per consumer.

The same reconciler runs on a schedule inside ``restman worker reconciler`` (and ``all``); this
command runs it once, now, beside it if need be (re-applying is idempotent). Exit 1 when some
event failed again (a poison event: see the dead letters).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any

import typer

from restman_cli import events_dead_letters
from restman_cli.errors import EXIT_FAILED
from restman_cli.output import Column, OutputFormat, OutputOption, emit_rows, examples
from restman_cli.runtime import execute

if TYPE_CHECKING:
    from restman_core.bootstrap import Platform

app = typer.Typer(help="The event pipeline: reconcile, replay, dead letters.")

COLUMNS = (
    Column("consumer", "consumer"),
    Column("missing", "missing", justify="right"),
    Column("repaired", "repaired", justify="right"),
    Column("failed", "failed", justify="right"),
    Column("checked_through", "checked through", justify="right"),
)


@app.command(
    "reconcile",
    epilog=examples(
        "restman events reconcile",
        "restman events reconcile --full --grace 0 -o json",
    ),
)
def reconcile(
    grace: Annotated[
        float | None,
        typer.Option(
            min=0,
            help="Leave events published less than this many seconds ago to their consumers "
            "(default RESTMAN_RECONCILE_GRACE_SECONDS).",
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Check the whole retention window, not only what came since the last run.",
        ),
    ] = False,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Re-apply every committed event a consumer has not applied; one row per consumer."""

    async def work(platform: Platform) -> list[dict[str, Any]]:
        from restman_core.bootstrap_events import reconcile_now

        report = await reconcile_now(platform, grace_seconds=grace, full=full)
        return [asdict(c) for c in report.consumers]

    rows = execute(work)
    emit_rows(rows, COLUMNS, output, title="Reconciled")
    if any(row["failed"] for row in rows):
        raise typer.Exit(EXIT_FAILED)


events_dead_letters.register(app)
