"""`restman --help` and shell completion must not load the heavy parts of the platform.

A structural check, not a timing test (speed is measured in bench/cli_start.py): importing the
command tree in a fresh interpreter leaves SQLAlchemy, Alembic, Litestar, pydantic and the
bootstrap unloaded (and the metrics and YAML libraries); each command imports them when
it runs.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "sqlalchemy",
    "alembic",
    "litestar",
    "pydantic",
    "restman_core.bootstrap",
    "restman_core.maintenance",
    "restman_core.config",
    "restman_core.adapters",
    "prometheus_client",
    "yaml",
)

PROBE = """
import json, sys
import restman_cli.main
heavy = {heavy!r}
loaded = [m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy)]
print(json.dumps(sorted(loaded)))
"""


def _loaded_after(statement: str) -> list[str]:
    code = statement + "\n" + PROBE.format(heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def test_importing_the_command_tree_loads_nothing_heavy() -> None:
    assert _loaded_after("") == []


def test_building_the_click_tree_for_help_loads_nothing_heavy() -> None:
    # What --help and completion do: turn the Typer app into click commands and describe them.
    statement = (
        "import typer.main, restman_cli.main as m\n"
        "group = typer.main.get_command(m.app)\n"
        "import click\n"
        "ctx = click.Context(group)\n"
        "[group.get_command(ctx, n).get_short_help_str() for n in group.list_commands(ctx)]"
    )
    assert _loaded_after(statement) == []
