"""Every command the deployment runs is a real `restman` command line: the image's default
command, each compose service's, each Kubernetes container's arguments, and the operator commands
deploy/README.md tells people to run. Each is asked for `--help` through the Typer app, and its
arguments are parsed (without running it), so an unknown command, option or choice fails here
rather than in a container."""

from __future__ import annotations

import importlib
import re
import shlex
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from restman_core.bootstrap_events import WORKER_KINDS
from tests.deploy.manifests import (
    BASE,
    ROOT,
    containers,
    instructions,
    objects,
    restman_services,
)


def deployment_commands() -> list[tuple[str, list[str]]]:
    """(where, arguments after `restman`) for every command the deployment files run."""
    found: list[tuple[str, list[str]]] = []
    [cmd] = instructions("CMD")
    found.append(("Dockerfile:CMD", cmd.exec_form()))
    for name, service in restman_services().items():
        found.append((f"compose:{name}", [str(arg) for arg in service["command"]]))
    for obj in objects(BASE):
        for container in containers(obj):
            found.append((f"kubernetes:{obj['metadata']['name']}", list(container["args"])))
    readme = (ROOT / "deploy" / "README.md").read_text()
    for line in re.findall(r"docker compose exec api restman ([^#\n]+)", readme):
        found.append(("README:exec", shlex.split(line)))
    for line in re.findall(r"docker run [^\n]*restman:\S+ ([a-z][^#\n]*)", readme):
        found.append(("README:run", shlex.split(line)))
    return found


COMMANDS = deployment_commands()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    """The CLI's Typer application (restman_cli.main:app, behind the `restman` script)."""
    module = importlib.import_module("restman_cli.main")
    application = module.app
    assert isinstance(application, typer.Typer)
    return application


def parse_without_running(application: typer.Typer, args: list[str]) -> None:
    """Walk the command groups by name, then parse the leaf command's arguments as the command
    line library does before invoking it: an unknown option, a missing argument or a bad value
    raises its usage error (exit code 2). Typer may bring its own copy of Click, so groups are
    recognised by what they do, not by class."""
    command: Any = typer.main.get_command(application)
    ctx: Any = typer.Context(command, info_name="restman")
    rest = list(args)
    while hasattr(command, "list_commands"):
        assert rest, f"`restman {' '.join(args)}` names a group, not a command"
        sub = command.get_command(ctx, rest[0])
        assert sub is not None, f"`restman {' '.join(args)}`: no command {rest[0]!r}"
        ctx = typer.Context(sub, info_name=rest[0], parent=ctx)
        command, rest = sub, rest[1:]
    with command.make_context(ctx.info_name, rest, parent=ctx.parent):
        pass


def usage_error(error: BaseException) -> bool:
    return getattr(error, "exit_code", None) == 2


def test_the_deployment_runs_every_kind_of_command() -> None:
    heads = {
        tuple(args[:2]) if args[0] in ("worker", "db", "seed") else (args[0],)
        for _, args in COMMANDS
    }
    assert {("serve",), ("db", "upgrade"), ("worker", "relay"), ("doctor",)} <= heads


@pytest.mark.parametrize("args", [args for _, args in COMMANDS], ids=[w for w, _ in COMMANDS])
def test_the_command_exists(app: typer.Typer, args: list[str]) -> None:
    result = CliRunner().invoke(app, [*args, "--help"])
    assert result.exit_code == 0, f"restman {' '.join(args)} --help:\n{result.output}"
    parse_without_running(app, args)


def test_worker_kinds_are_the_pipeline_s_own() -> None:
    """`restman worker` takes free-form kinds and checks them when it starts; check them here."""
    for where, args in COMMANDS:
        if args[0] == "worker":
            assert set(args[1:]) <= {*WORKER_KINDS, "all"}, where


def test_a_wrong_command_is_caught(app: typer.Typer) -> None:
    """The checks above are not a rubber stamp."""
    with pytest.raises(AssertionError):
        parse_without_running(app, ["db", "no-such-command"])
    with pytest.raises(Exception) as raised:  # noqa: PT011 - the CLI library's own UsageError
        parse_without_running(app, ["db", "upgrade", "--no-such-option"])
    assert usage_error(raised.value)
    result: Any = CliRunner().invoke(app, ["no-such-command", "--help"])
    assert result.exit_code != 0
