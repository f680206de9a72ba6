"""The ``restman`` command: one Typer application, one sub-command group per noun.

Commands talk to the configured database and backends directly through ``restman_core`` (not
over HTTP); configuration comes from the environment and ``.env`` exactly as for the API. Data
goes to stdout, diagnostics to stderr; failures exit with the codes documented in
:mod:`restman_cli.errors`. Shell completion: ``restman completion SHELL [--install]``
(:mod:`restman_cli.completion`).

Registering a command group: ``app.add_typer(module.app, name=...)`` below, one line per group.
Every module imported here is loaded for ``--help`` and each Tab completion, so a command module
imports only typer, :mod:`restman_cli.output` and light parts of the core at module level; the
bootstrap, the settings, maintenance, ``bootstrap_events``, drivers and pydantic are imported
inside the function that runs the command (``Platform`` under ``TYPE_CHECKING``).
``tests/cli/test_fast_start.py`` fails when a module breaks that rule.
"""

from __future__ import annotations

import inspect

import typer

from restman_cli import (
    analytics,
    bills,
    completion,
    config_show,
    db,
    doctor,
    events,
    foods,
    launch,
    menu_io,
    orders,
    restaurants,
    seed,
    staff,
    tickets,
    users,
)
from restman_cli.output import examples

app = typer.Typer(
    name="restman",
    help="RestMan operator tool: run, migrate, seed and administer a RestMan platform.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    epilog=examples(
        "restman doctor",
        "restman db upgrade",
        "restman seed demo",
        "restman orders list --status PLACED -o json",
        "restman completion zsh --install",
    ),
)
app.add_typer(db.app, name="db")
app.add_typer(seed.app, name="seed")
app.add_typer(menu_io.app, name="menu")
app.add_typer(users.app, name="users")
app.add_typer(staff.app, name="staff")
app.add_typer(restaurants.app, name="restaurants")
app.add_typer(foods.app, name="foods")
app.add_typer(orders.app, name="orders")
app.add_typer(tickets.app, name="tickets")
app.add_typer(bills.app, name="bills")
app.add_typer(analytics.app, name="analytics")
app.add_typer(events.app, name="events")
app.add_typer(config_show.app, name="config")
app.command("doctor", epilog=doctor.EXAMPLES)(doctor.doctor)
launch.register(app)
completion.register(app)


def _reflow(text: str) -> str:
    """Docstring paragraphs as single lines, so --help wraps them to the terminal's width."""
    return "\n\n".join(" ".join(p.split()) for p in text.split("\n\n"))


def _reflow_help(typer_app: typer.Typer) -> None:
    for command in typer_app.registered_commands:
        doc = inspect.getdoc(command.callback) if command.callback else None
        if command.help is None and doc:
            command.help = _reflow(doc)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _reflow_help(group.typer_instance)


_reflow_help(app)


def run() -> None:
    """Entry point of the ``restman`` console script."""
    app(prog_name="restman")
