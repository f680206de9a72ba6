"""``restman config show``: the effective configuration and where each value came from.

The rows are built by :mod:`restman_cli.config_table`, imported when the command runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from restman_cli.output import Column, OutputFormat, OutputOption, emit_rows, examples
from restman_cli.runtime import settings_or_exit
from restman_cli.table_fit import WideOption

app = typer.Typer(help="Configuration.", no_args_is_help=True)


@app.command(
    "show",
    epilog=examples(
        "restman config show", "restman config show -o json", "restman config show --changed"
    ),
)
def show(
    output: OutputOption = OutputFormat.TABLE,
    wide: WideOption = False,
    changed: Annotated[
        bool, typer.Option(help="Only settings that do not have their default value.")
    ] = False,
) -> None:
    """Show the effective configuration, secrets masked, with the source of each value."""
    from restman_cli.config_table import COLUMNS, cell, default_env_file, effective_settings

    settings = settings_or_exit()
    rows = effective_settings(settings, default_env_file())
    if changed:
        rows = [r for r in rows if r["source"] != "default"]
    columns = COLUMNS
    if output is OutputFormat.TABLE:
        columns = (Column("name", "variable"), Column("value", "value", render=cell), *COLUMNS[2:])
    emit_rows(rows, columns, output, title="Configuration", wide=wide)
