"""Shell completion with the shell always named: nothing is guessed from the parent process.

``restman completion SHELL`` prints the script for that shell (to source it or put it where the
shell looks); ``restman completion SHELL --install`` writes it to that shell's usual place and
says, on stderr, which shell it installed for and where. The root options
``--install-completion SHELL`` and ``--show-completion SHELL`` take the shell as their value,
so ``--install-completion zsh`` installs zsh completion (Typer's own flags detected the parent
shell and ignored the word after them). The scripts are Typer's; completing a word runs
``restman`` with ``_RESTMAN_COMPLETE`` set, as before.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from typer import _completion_shared as shared
from typer._completion_classes import completion_init

from restman_cli.output import examples

PROG_NAME = "restman"
COMPLETE_VAR = "_RESTMAN_COMPLETE"


class Shell(StrEnum):
    """The shells completion is available for."""

    BASH = "bash"
    ZSH = "zsh"
    FISH = "fish"
    POWERSHELL = "powershell"


SHELL_HELP = "bash, zsh, fish or powershell."


def script(shell: Shell) -> str:
    """The completion script of ``restman`` for ``shell``."""
    return shared.get_completion_script(
        prog_name=PROG_NAME, complete_var=COMPLETE_VAR, shell=shell.value
    )


def install(shell: Shell) -> None:
    """Install completion for ``shell`` (and only that shell) and say so on stderr."""
    name, path = shared.install(shell=shell.value, prog_name=PROG_NAME, complete_var=COMPLETE_VAR)
    typer.echo(f"{name} completion installed in {path}", err=True)
    typer.echo(f"it takes effect in new {name} sessions (or after: exec {name})", err=True)


def completion(
    shell: Annotated[Shell, typer.Argument(case_sensitive=False, help=SHELL_HELP)],
    install_it: Annotated[
        bool, typer.Option("--install", help="Write it where that shell looks, and say where.")
    ] = False,
) -> None:
    """Print the completion script for SHELL, or install it with --install."""
    if install_it:
        install(shell)
    else:
        typer.echo(script(shell))


def _install_option(value: Shell | None) -> None:
    if value is not None:
        install(value)
        raise typer.Exit()


def _show_option(value: Shell | None) -> None:
    if value is not None:
        typer.echo(script(value))
        raise typer.Exit()


def root_options(
    install_completion: Annotated[
        Shell | None,
        typer.Option(
            "--install-completion",
            metavar="SHELL",
            case_sensitive=False,
            callback=_install_option,
            is_eager=True,
            expose_value=False,
            help=f"Install completion for SHELL ({SHELL_HELP[:-1]}) and say where.",
        ),
    ] = None,
    show_completion: Annotated[
        Shell | None,
        typer.Option(
            "--show-completion",
            metavar="SHELL",
            case_sensitive=False,
            callback=_show_option,
            is_eager=True,
            expose_value=False,
            help="Print the completion script for SHELL.",
        ),
    ] = None,
) -> None:
    """RestMan operator tool: run, migrate, seed and administer a RestMan platform."""


def register(app: typer.Typer) -> None:
    """Add ``restman completion`` and the root ``--install-completion``/``--show-completion``
    (the app is built with ``add_completion=False``, so Typer's guessing flags are absent)."""
    # Typer registers its completion classes (what answers ``_RESTMAN_COMPLETE``) only when it
    # adds its own flags; without them, they are registered here.
    completion_init()
    app.callback()(root_options)
    app.command(
        "completion",
        epilog=examples(
            "restman completion zsh --install",
            "restman completion bash > ~/.local/share/bash-completion/completions/restman",
            "restman --install-completion fish",
        ),
    )(completion)
