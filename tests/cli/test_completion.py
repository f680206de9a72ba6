"""Shell completion names its shell: it installs and prints for the shell asked for, never for
the one the tests happen to run under (SHELL says bash to prove it), and says where it wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from restman_cli.errors import EXIT_USAGE
from tests.cli.conftest import Cli

BASH_PARENT = {"SHELL": "/bin/bash", "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}


def test_install_completion_zsh_installs_zsh_and_says_so(cli: Cli, tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = cli.ok("--install-completion", "zsh", HOME=str(home), **BASH_PARENT)
    script = home / ".zfunc" / "_restman"
    assert f"zsh completion installed in {script}" in result.stderr
    assert "compdef" in script.read_text()
    assert "fpath+=~/.zfunc" in (home / ".zshrc").read_text()
    assert not (home / ".bashrc").exists()


def test_completion_install_writes_only_the_named_shell(cli: Cli, tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = cli.ok("completion", "fish", "--install", HOME=str(home), **BASH_PARENT)
    script = home / ".config" / "fish" / "completions" / "restman.fish"
    assert f"fish completion installed in {script}" in result.stderr
    assert "_RESTMAN_COMPLETE=complete_fish" in script.read_text()
    assert sorted(p.name for p in home.iterdir()) == [".config"]


@pytest.mark.parametrize(
    ("shell", "marker"),
    [("bash", "complete -o"), ("zsh", "compdef"), ("fish", "complete --command restman")],
)
def test_completion_prints_the_script_of_the_named_shell(cli: Cli, shell: str, marker: str) -> None:
    result = cli.ok("completion", shell, **BASH_PARENT)
    assert marker in result.stdout
    assert f"complete_{shell}" in result.stdout


def test_a_shell_must_be_named(cli: Cli) -> None:
    assert cli.run("--install-completion", **BASH_PARENT).exit_code == EXIT_USAGE
    assert cli.run("completion", "tcsh", **BASH_PARENT).exit_code == EXIT_USAGE


def test_completing_a_word_still_works(cli: Cli) -> None:
    result = cli.run(
        _RESTMAN_COMPLETE="complete_bash", COMP_WORDS="restman orders s", COMP_CWORD="2"
    )
    assert result.stdout.split() == ["show", "status"]
