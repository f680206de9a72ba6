"""Every error class of the core has its own exit code, documented in the README, and a command
that meets one prints exactly one line on stderr (no traceback).

The hierarchy is walked (``__subclasses__``, recursively), so a new error class without an entry
in restman_cli.errors.EXIT_CODES fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import restman_core.bootstrap  # noqa: F401  (imports every module that may define an error class)
from restman_cli import errors as cli_errors
from restman_cli.errors import EXIT_CODES, EXIT_FAILED, reported_errors
from restman_core.errors import RateLimited, RestmanError
from tests.support.hierarchy import error_classes, instance_of

README = Path(__file__).resolve().parents[2] / "README.md"


def documented_exit_codes() -> dict[int, str]:
    """The README's exit-code table: code -> meaning."""
    rows = re.findall(r"^\| (\d+) \| (.+?) \|$", README.read_text(), re.MULTILINE)
    return {int(code): meaning for code, meaning in rows}


def _run(error: RestmanError) -> tuple[int, str]:
    """Exit code and stderr of a real Typer command that meets ``error``."""
    app = typer.Typer()

    @app.command()
    def fails() -> None:
        with reported_errors():
            raise error

    result = CliRunner().invoke(app, [])
    assert not isinstance(result.exception, RestmanError), "the error escaped untranslated"
    return result.exit_code, result.stderr


@pytest.mark.parametrize("kind", error_classes(), ids=lambda kind: kind.__name__)
def test_every_core_error_class_has_its_own_exit_code(kind: type[RestmanError]) -> None:
    assert kind in EXIT_CODES, f"{kind.__name__} has no entry in restman_cli.errors.EXIT_CODES"
    code = EXIT_CODES[kind]
    assert code in documented_exit_codes(), f"exit code {code} is not in README's table"
    if kind is not RestmanError:
        assert code != EXIT_FAILED, f"{kind.__name__} deserves an exit code of its own"


@pytest.mark.parametrize("kind", error_classes(), ids=lambda kind: kind.__name__)
def test_a_command_meeting_an_error_exits_with_its_code_and_one_line(
    kind: type[RestmanError],
) -> None:
    code, stderr = _run(instance_of(kind, f"the database said no ({kind.__name__})"))
    assert code == EXIT_CODES[kind]
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"error: the database said no ({kind.__name__})")
    if issubclass(kind, RateLimited):
        assert "retry after 7 s" in lines[0]


def test_every_exit_code_constant_is_documented() -> None:
    constants = {
        name: value
        for name, value in vars(cli_errors).items()
        if name.startswith("EXIT_") and isinstance(value, int)
    }
    assert len(constants) >= 12
    documented = documented_exit_codes()
    missing = {name: value for name, value in constants.items() if value not in documented}
    assert not missing, f"exit codes missing from README's table: {missing}"
    assert len(set(constants.values())) == len(constants), "two meanings share one exit code"
