"""The static checks the project is held to run as part of the suite: formatting, lint, strict
typing and the import contracts of docs/architecture.md section 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.parametrize(
    "command",
    [
        ("ruff", "format", "--check", "."),
        ("ruff", "check", "."),
        ("mypy",),
        ("lint-imports",),
    ],
    ids=["ruff-format", "ruff-lint", "mypy-strict", "import-contracts"],
)
def test_static_check_passes(command: tuple[str, ...]) -> None:
    result = _run(*command)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"


def test_no_wait_for_in_the_project() -> None:
    """``asyncio.wait_for`` returns its result when a cancellation arrives together with it
    (Python 3.11), so a cancelled worker runs on; the project uses ``asyncio.timeout``."""
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("restman_core", "restman_api", "restman_cli", "restman_tui")
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "asyncio.wait_for(" in line
    ]
    assert not found, found
