"""``restman serve``, ``restman worker`` and ``restman kitchen``: long-running processes.

Each comes from its own part of RestMan (the API, the event pipeline, the kitchen display) and is
registered only when that part is installed; it is imported when the command runs, so a missing
or broken optional part never stops the other commands from working.
"""

from __future__ import annotations

import importlib
from importlib.util import find_spec
from typing import Annotated, Any

import typer

from restman_cli.errors import EXIT_CONFIGURATION, fail, reported_errors
from restman_cli.output import examples


def _available(module: str) -> bool:
    try:
        return find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _entry(module: str, attribute: str) -> Any:
    return getattr(importlib.import_module(module), attribute)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
) -> None:
    """Run the HTTP API (and, with embedded backends, the in-process event consumers)."""
    with reported_errors():
        _entry("restman_cli.serve", "serve")(host, port, workers, reload)


def worker(
    kinds: Annotated[
        list[str] | None,
        typer.Argument(
            help="relay, kitchen, billing, orders, notifications, analytics, scheduler or all "
            "(the default)."
        ),
    ] = None,
) -> None:
    """Run event pipeline workers in this process until SIGTERM or SIGINT."""
    with reported_errors():
        _entry("restman_cli.worker", "run_workers")(kinds or ["all"])


def kitchen(
    api: Annotated[str | None, typer.Option(help="Base URL of the RestMan API.")] = None,
    restaurant: Annotated[str | None, typer.Option(help="The restaurant's id.")] = None,
    station: Annotated[str | None, typer.Option(help="Only this station's tickets.")] = None,
    token: Annotated[
        str | None, typer.Option(help="A session token (see `restman users token`).")
    ] = None,
    expo: Annotated[
        bool,
        typer.Option("--expo", help="The expediter's board: whole orders, sent out by number."),
    ] = False,
) -> None:
    """Open the kitchen display (a terminal ticket board) against a running API."""
    run_kitchen = _entry("restman_tui", "run_kitchen")
    config_error = _entry("restman_tui.config", "KitchenConfigError")
    try:
        run_kitchen(api=api, restaurant=restaurant, station=station, token=token, expo=expo)
    except config_error as error:
        fail(str(error), EXIT_CONFIGURATION)


def register(app: typer.Typer) -> None:
    """Add each launcher whose part of RestMan is installed."""
    if _available("restman_cli.serve"):
        app.command(
            "serve", epilog=examples("restman serve", "restman serve --host 0.0.0.0 --port 8080")
        )(serve)
    if _available("restman_cli.worker"):
        app.command("worker", epilog=examples("restman worker", "restman worker kitchen billing"))(
            worker
        )
    if _available("restman_tui"):
        app.command(
            "kitchen",
            epilog=examples(
                "restman kitchen --api http://127.0.0.1:8000 --restaurant <id> --station grill"
            ),
        )(kitchen)
