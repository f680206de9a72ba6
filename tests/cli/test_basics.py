"""Help, exit codes, configuration, the schema commands and the doctor, on embedded storage."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
import typer

from restman_cli.errors import (
    EXIT_CONFIGURATION,
    EXIT_FAILED,
    EXIT_INVALID_INPUT,
    EXIT_NOT_FOUND,
    EXIT_USAGE,
)
from restman_cli.main import app
from tests.cli.conftest import Cli
from tests.support.services import TEST_SECRET_KEY
from tests.support.smtp import smtp_server


def _command_paths(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    if _is_group(command):
        for name, sub in command.commands.items():
            paths += _command_paths(sub, (*prefix, name))
    return paths


def test_every_command_has_help_with_examples(cli: Cli) -> None:
    paths = _command_paths(typer.main.get_command(app))
    leaves = [p for p in paths if p and not _is_group(_lookup(p))]
    assert len(leaves) >= 30
    for path in paths:
        result = cli.run(*path, "--help")
        assert result.exit_code == 0, path
        assert "Usage" in result.stdout
        if path in leaves:
            assert "Examples" in result.stdout, path


def _is_group(command: Any) -> bool:
    # Typer ships its own copy of click, so duck typing instead of isinstance.
    return hasattr(command, "commands")


def _lookup(path: tuple[str, ...]) -> Any:
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return command


def test_shell_completion_is_offered(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bash completion script is printed whatever launched the suite: typer's shell
    detection reads the parent processes, so it is switched off and the shell named instead."""
    assert "--install-completion" in cli.run("--help").stdout
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    shown = cli.run("--show-completion", "bash")
    assert shown.exit_code == 0, shown.output
    assert "_RESTMAN_COMPLETE=complete_bash" in shown.stdout
    assert "complete -o default -F" in shown.stdout


def test_usage_errors_exit_2(cli: Cli) -> None:
    assert cli.run("no-such-command").exit_code == EXIT_USAGE
    assert cli.run("orders", "list", "--limit", "0").exit_code == EXIT_USAGE
    assert cli.run("bills", "list").exit_code == EXIT_USAGE


def test_expected_failures_are_one_line_without_traceback(cli: Cli) -> None:
    missing = cli.run("restaurants", "show", "00000000-0000-4000-8000-000000000000")
    assert missing.exit_code == EXIT_NOT_FOUND
    assert missing.stderr.strip() == "error: Restaurant not found"
    assert missing.stdout == ""
    malformed = cli.run("orders", "show", "not-an-id")
    assert malformed.exit_code == EXIT_INVALID_INPUT
    assert malformed.stderr.strip() == (
        "error: 'not-an-id' is neither an order id nor an order number (like B408E2)"
    )


def test_invalid_configuration_exits_10(cli: Cli) -> None:
    result = cli.run("restaurants", "list", RESTMAN_DATABASE_POOL_SIZE="0")
    assert result.exit_code == EXIT_CONFIGURATION
    assert result.stderr.startswith("error: invalid configuration")
    assert "Traceback" not in result.output
    bad_url = cli.run("restaurants", "list", DATABASE_URL="mysql://db/restman")
    assert bad_url.exit_code == EXIT_CONFIGURATION
    assert "not supported" in bad_url.stderr


def test_config_show_names_sources_and_masks_secrets(cli: Cli) -> None:
    (cli.cwd / ".env").write_text("OTP_LENGTH=8\nSMTP_PASSWORD=from-dotenv-secret\n")
    rows = cli.json(
        "config",
        "show",
        RESTMAN_SECRET_KEY="very-secret-key",
        REDIS_URL="redis://app:hunter22@cache:6379/0",
    )
    by_name = {r["name"]: r for r in rows}
    assert by_name["RESTMAN_DATA_DIR"]["source"] == "environment"
    assert by_name["OTP_LENGTH"] == {**by_name["OTP_LENGTH"], "value": 8, "source": ".env"}
    assert by_name["SESSION_EXPIRY_SECONDS"]["source"] == "default"
    assert by_name["RESTMAN_SECRET_KEY"]["value"] == "********"
    assert by_name["SMTP_PASSWORD"] == {**by_name["SMTP_PASSWORD"], "value": "********"}
    assert by_name["REDIS_URL"]["value"] == "redis://app:***@cache:6379/0"
    assert all(r["description"] for r in rows)
    table = cli.ok("config", "show", RESTMAN_SECRET_KEY="very-secret-key").stdout
    assert "very-secret-key" not in table
    assert "from-dotenv-secret" not in table


def test_db_commands_on_embedded_storage(cli: Cli) -> None:
    history = cli.json("db", "history")
    head = history[0]["revision"]
    assert cli.json("db", "current")["current"] is None
    upgraded = cli.json("db", "upgrade")
    assert upgraded["current"] == head
    assert upgraded["at_head"] is True
    declined = cli.run("db", "downgrade", "base", input="n\n")
    assert declined.exit_code == EXIT_FAILED
    assert cli.json("db", "current")["current"] == head
    assert cli.json("db", "downgrade", "base", "--yes")["current"] is None
    assert cli.run("db", "upgrade", "nonexistent").exit_code == EXIT_INVALID_INPUT


def test_doctor_passes_on_embedded_backends(cli: Cli) -> None:
    result = cli.ok("doctor")
    lines = result.stdout.strip().splitlines()
    assert [line.split()[2] for line in lines] == [
        "configuration",
        "secret_key",
        "database",
        "redis",
        "kafka",
        "events",
        "analytics",
        "mail",
    ]
    assert all("ok" in line for line in lines)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_doctor_fails_with_a_clear_line_when_redis_is_down(cli: Cli) -> None:
    port = _closed_port()
    key = {"RESTMAN_SECRET_KEY": TEST_SECRET_KEY}
    result = cli.run("doctor", REDIS_URL=f"redis://127.0.0.1:{port}/0", **key)
    assert result.exit_code == EXIT_FAILED
    redis_line = next(line for line in result.stdout.splitlines() if " redis " in line)
    assert "FAIL" in redis_line
    assert "hint" in redis_line
    assert "REDIS_URL" in redis_line
    checks = json.loads(
        cli.run("doctor", "-o", "json", REDIS_URL=f"redis://127.0.0.1:{port}/0", **key).stdout
    )
    verdicts = {c["check"]: c["verdict"] for c in checks}
    assert verdicts["redis"] == "fail"
    assert verdicts["database"] == "ok"


def test_doctor_reports_invalid_configuration(cli: Cli) -> None:
    result = cli.run("doctor", OTP_LENGTH="99")
    assert result.exit_code == EXIT_FAILED
    assert "configuration" in result.stdout
    assert "FAIL" in result.stdout


def test_examples_directory_is_importable(cli: Cli) -> None:
    examples = Path(__file__).resolve().parents[2] / "examples"
    assert (examples / "menu.csv").is_file()
    assert (examples / "menu.yaml").is_file()


def test_doctor_connects_to_the_mail_relay(cli: Cli) -> None:
    with smtp_server(credentials={"relay-user": "relay-pass"}) as relay:
        relay_env = {
            "SMTP_HOST": relay.host,
            "SMTP_PORT": str(relay.port),
            "SMTP_USERNAME": "relay-user",
        }
        good = cli.json("doctor", SMTP_PASSWORD="relay-pass", **relay_env)
        assert {c["check"]: c["verdict"] for c in good}["mail"] == "ok"
        assert relay.logins == [("relay-user", True)]
        assert relay.deliveries == []
        bad = cli.run("doctor", "-o", "json", SMTP_PASSWORD="wrong-pass", **relay_env)
        assert bad.exit_code == EXIT_FAILED
        mail = next(c for c in json.loads(bad.stdout) if c["check"] == "mail")
        assert mail["verdict"] == "fail"
        assert "wrong-pass" not in bad.stdout


def test_launchers_are_mounted_and_report_bad_input(cli: Cli) -> None:
    commands = cli.ok("--help").stdout
    for launcher in ("serve", "worker", "kitchen"):
        assert f" {launcher} " in commands
    result = cli.run("worker", "bogus")
    assert result.exit_code == EXIT_CONFIGURATION
    assert result.stderr.strip().splitlines()[-1].startswith("error: Unknown worker kind")
