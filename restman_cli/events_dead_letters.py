"""``restman events dead-letters list|show|replay|purge`` and ``restman events replay``.

Dead letters are the events a consumer gave up on (the SQL ``dead_letters`` table, in both
modes). ``replay`` hands one to its consumer's handler again: exit 0 when it was applied (the
dead letter is gone), 1 when it failed again (it stays, with attempts + 1). ``events replay``
re-runs a consumer's handler over the log from a ``log_seq``; handlers skip what they applied
before, so it is safe at any time. The core is imported when a command runs, not before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from restman_cli.errors import EXIT_FAILED
from restman_cli.output import Column, OutputFormat, OutputOption, emit_record, emit_rows, examples
from restman_cli.runtime import OPERATOR, execute

if TYPE_CHECKING:
    from restman_core.bootstrap import Platform

app = typer.Typer(help="Events a consumer gave up on: list, show, replay, purge.")

COLUMNS = (
    Column("id", "id"),
    Column("event_type", "event"),
    Column("log_seq", "log seq", justify="right"),
    Column("attempts", "attempts", justify="right"),
    Column("failed_at", "failed at"),
    Column("last_error", "last error"),
)
REPLAY_COLUMNS = (
    Column("consumer", "consumer"),
    Column("from_seq", "from", justify="right"),
    Column("read", "read", justify="right"),
    Column("handled", "handled", justify="right"),
    Column("failed", "failed", justify="right"),
    Column("through_seq", "through", justify="right"),
)
LetterId = Annotated[str, typer.Argument(help="The dead letter's id: <consumer>:<event id>.")]


@app.command("list", epilog=examples("restman events dead-letters list --consumer billing"))
def list_letters(
    consumer: Annotated[str | None, typer.Option(help="Only this consumer's.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="At most this many.")] = 50,
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Dead letters, newest first."""
    from restman_core.bootstrap_ops import dead_letter_service
    from restman_core.views import dead_letter_view

    async def work(platform: Platform) -> list[dict[str, Any]]:
        letters = await dead_letter_service(platform).list(OPERATOR, consumer=consumer, limit=limit)
        return [dead_letter_view(letter) for letter in letters]

    emit_rows(execute(work), COLUMNS, output, title="Dead letters")


@app.command("show", epilog=examples("restman events dead-letters show billing:<event-id>"))
def show(letter_id: LetterId, output: OutputOption = OutputFormat.TABLE) -> None:
    """One dead letter; ``-o json`` includes the whole event."""
    from restman_core.bootstrap_ops import dead_letter_service
    from restman_core.ports.dead_letters import parse_letter_id
    from restman_core.views import dead_letter_view

    async def work(platform: Platform) -> dict[str, Any]:
        consumer, event_id = parse_letter_id(letter_id)
        return dead_letter_view(
            await dead_letter_service(platform).show(OPERATOR, consumer, event_id)
        )

    emit_record(execute(work), output, title="Dead letter")


@app.command("replay", epilog=examples("restman events dead-letters replay billing:<event-id>"))
def replay(letter_id: LetterId, output: OutputOption = OutputFormat.TABLE) -> None:
    """Hand the event to its consumer's handler again; exit 1 when it fails again."""
    from restman_core.bootstrap_ops import dead_letter_service
    from restman_core.ports.dead_letters import parse_letter_id
    from restman_core.views import dead_letter_view

    async def work(platform: Platform) -> dict[str, Any]:
        consumer, event_id = parse_letter_id(letter_id)
        outcome = await dead_letter_service(platform).replay(OPERATOR, consumer, event_id)
        return {"replayed": outcome.replayed, **dead_letter_view(outcome.letter)}

    record = execute(work)
    emit_record(record, output, title="Replayed" if record["replayed"] else "Failed again")
    if not record["replayed"]:
        raise typer.Exit(EXIT_FAILED)


@app.command("purge", epilog=examples("restman events dead-letters purge billing:<id> --yes"))
def purge(
    letter_id: LetterId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """DESTRUCTIVE: forget a dead letter (its effect stays missing). Asks unless --yes."""
    from restman_core.bootstrap_ops import dead_letter_service
    from restman_core.ports.dead_letters import parse_letter_id

    if not yes and not typer.confirm(f"Purge dead letter {letter_id}?", err=True):
        typer.echo("nothing changed", err=True)
        raise typer.Exit(EXIT_FAILED)

    async def work(platform: Platform) -> None:
        consumer, event_id = parse_letter_id(letter_id)
        await dead_letter_service(platform).purge(OPERATOR, consumer, event_id)

    execute(work)
    typer.echo(f"purged {letter_id}", err=True)


def replay_log(
    consumer: Annotated[str, typer.Option("--consumer", help="kitchen, billing, orders, ...")],
    from_seq: Annotated[int, typer.Option("--from", min=0, help="The first log_seq to replay.")],
    output: OutputOption = OutputFormat.TABLE,
) -> None:
    """Run a consumer's handler again over the log from a log_seq (safe: handlers skip what
    they applied before); exit 1 when some event failed."""
    from dataclasses import asdict

    from restman_core.bootstrap_ops import replay_events

    async def work(platform: Platform) -> dict[str, Any]:
        return asdict(await replay_events(platform, OPERATOR, consumer, from_seq))

    row = execute(work)
    emit_rows([row], REPLAY_COLUMNS, output, title="Replayed")
    if row["failed"]:
        raise typer.Exit(EXIT_FAILED)


def register(events: typer.Typer) -> None:
    """Add ``dead-letters`` and ``replay`` to ``restman events``."""
    events.add_typer(app, name="dead-letters")
    events.command(
        "replay",
        epilog=examples("restman events replay --consumer analytics --from 1 -o json"),
    )(replay_log)
