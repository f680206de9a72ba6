"""``restman worker <relay|kitchen|billing|orders|notifications|analytics|scheduler|all>``:
run pipeline workers in this process until SIGTERM or SIGINT.

Several kinds may be named at once. In embedded mode (no KAFKA_BROKERS) ``restman serve`` runs
all of them in-process; this command is for running them as separate processes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from restman_core.bootstrap import bootstrap
from restman_core.bootstrap_events import WORKER_KINDS, PipelineOptions, build_workers
from restman_core.config import Settings, load_settings

log = logging.getLogger(__name__)

app = typer.Typer(help="Run event pipeline workers.", no_args_is_help=True)


async def serve_workers(
    kinds: list[str], settings: Settings | None = None, options: PipelineOptions | None = None
) -> None:
    """Bootstrap, run the workers until a signal, shut down gracefully, close the platform."""
    platform = await bootstrap(settings)
    try:
        workers = await build_workers(platform, kinds, options)
        log.info("running workers: %s", ", ".join(workers.names))
        await workers.run_until_signal()
    finally:
        await platform.close()


def run_workers(
    kinds: list[str], settings: Settings | None = None, options: PipelineOptions | None = None
) -> None:
    """Blocking entry point: run ``kinds`` (``all`` for every kind) until SIGTERM/SIGINT."""
    settings = settings or load_settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    asyncio.run(serve_workers(kinds, settings, options))


@app.command("worker")
def worker_command(
    kinds: Annotated[
        list[str], typer.Argument(help=f"Worker kinds: {', '.join(WORKER_KINDS)} or all.")
    ],
) -> None:
    """Run the named workers until SIGTERM or SIGINT."""
    run_workers(kinds)
