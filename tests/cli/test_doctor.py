"""``restman doctor``: for every failure it can report, the line's message and hint fit the
installation's configuration (embedded or server, configured or unset), and the command
exits 1. Each failure is real: closed ports, paths that cannot be directories, bad URLs."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from restman_cli.errors import EXIT_FAILED
from tests.cli.conftest import Cli
from tests.support.services import REDIS_TEST_URL, TEST_SECRET_KEY, port_open, require

SERVER_HINT = "start ClickHouse"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _doctor(cli: Cli, **env: str) -> tuple[int, dict[str, dict[str, Any]]]:
    result = cli.run("doctor", "-o", "json", **env)
    assert "Traceback" not in result.output
    return result.exit_code, {c["check"]: c for c in json.loads(result.stdout)}


def _redis_up() -> None:
    host, _, port = REDIS_TEST_URL.removeprefix("redis://").partition("/")[0].partition(":")
    require("Redis", port_open(host, int(port or 6379)), REDIS_TEST_URL)


def test_every_check_passes_on_a_fresh_embedded_installation(cli: Cli) -> None:
    code, checks = _doctor(cli)
    assert code == 0
    assert list(checks) == [
        "configuration",
        "secret_key",
        "database",
        "redis",
        "kafka",
        "events",
        "analytics",
        "mail",
    ]
    assert all(c["verdict"] == "ok" for c in checks.values()), checks
    key_file = Path(cli.env["RESTMAN_DATA_DIR"]).resolve() / "secret.key"
    assert str(key_file) in checks["secret_key"]["detail"]
    assert "shared by every process" in checks["secret_key"]["detail"]


def test_distributed_mode_without_a_secret_key_fails_that_check_only(cli: Cli) -> None:
    _redis_up()
    code, checks = _doctor(cli, REDIS_URL=REDIS_TEST_URL)
    assert code == EXIT_FAILED
    key = checks["secret_key"]
    assert key["verdict"] == "fail"
    assert key["detail"].startswith("RESTMAN_SECRET_KEY is not set: REDIS_URL is set")
    assert "RESTMAN_SECRET_KEY" in key["hint"]
    assert "every host" in key["hint"]
    # The backends are still checked, so one run shows everything that is wrong.
    assert {n: c["verdict"] for n, c in checks.items() if n != "secret_key"} == dict.fromkeys(
        ["configuration", "database", "redis", "kafka", "events", "analytics", "mail"], "ok"
    )


def test_a_configured_key_and_a_previous_key_are_reported(cli: Cli) -> None:
    code, checks = _doctor(
        cli,
        RESTMAN_SECRET_KEY=TEST_SECRET_KEY,
        RESTMAN_SECRET_KEY_PREVIOUS="the-key-before-0123456789abcdef",
    )
    assert code == 0
    detail = checks["secret_key"]["detail"]
    assert "RESTMAN_SECRET_KEY is set" in detail
    assert "RESTMAN_SECRET_KEY_PREVIOUS" in detail
    assert TEST_SECRET_KEY not in json.dumps(checks)


def test_a_short_secret_key_fails_naming_the_setting(cli: Cli) -> None:
    code, checks = _doctor(cli, RESTMAN_SECRET_KEY="short")
    assert code == EXIT_FAILED
    assert checks["secret_key"]["verdict"] == "fail"
    assert "RESTMAN_SECRET_KEY must be at least 16 bytes" in checks["secret_key"]["detail"]


def test_an_unsupported_database_url_is_a_configuration_hint(cli: Cli) -> None:
    code, checks = _doctor(cli, DATABASE_URL="mysql://db/restman")
    assert code == EXIT_FAILED
    database = checks["database"]
    assert database["verdict"] == "fail"
    assert "DATABASE_URL" in database["detail"]
    assert database["hint"].startswith("fix DATABASE_URL")
    # The key cannot be judged without knowing the database; that is not a second failure.
    assert checks["secret_key"]["verdict"] == "warn"
    assert "analytics" not in checks  # not probed: the platform could not be built


def test_an_unreachable_database_server_is_a_server_hint(cli: Cli) -> None:
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/restman"
    code, checks = _doctor(cli, DATABASE_URL=url, RESTMAN_SECRET_KEY=TEST_SECRET_KEY)
    assert code == EXIT_FAILED
    database = checks["database"]
    assert database["verdict"] == "fail"
    assert database["hint"] == "is the database server running, and is DATABASE_URL right?"


def test_a_data_directory_that_is_a_file_is_named(cli: Cli, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    code, checks = _doctor(cli, RESTMAN_DATA_DIR=str(blocker))
    assert code == EXIT_FAILED
    database = checks["database"]
    assert database["verdict"] == "fail"
    assert str(blocker) in database["detail"]
    assert "RESTMAN_DATA_DIR" in database["hint"]


def test_a_broken_embedded_analytics_engine_gets_an_embedded_hint(cli: Cli) -> None:
    data = Path(cli.env["RESTMAN_DATA_DIR"])
    cli.ok("doctor")  # creates the installation
    analytics_dir = data / "analytics"
    if analytics_dir.exists():
        import shutil

        shutil.rmtree(analytics_dir)
    analytics_dir.write_text("a file where the engine's directory should be")
    code, checks = _doctor(cli)
    assert code == EXIT_FAILED
    analytics = checks["analytics"]
    assert analytics["verdict"] == "fail"
    assert str(analytics_dir.resolve()) in analytics["detail"]
    assert "embedded analytics engine" in analytics["hint"]
    assert SERVER_HINT not in analytics["hint"]
    assert "another directory in this process" not in analytics["hint"]


def test_an_unreachable_clickhouse_server_gets_a_server_hint(cli: Cli) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    code, checks = _doctor(cli, CLICKHOUSE_URL=url)
    assert code == EXIT_FAILED
    analytics = checks["analytics"]
    assert analytics["verdict"] == "fail"
    assert url in analytics["detail"]
    assert analytics["hint"].startswith(SERVER_HINT)


def test_a_malformed_clickhouse_url_is_told_to_fix_that_url(cli: Cli) -> None:
    code, checks = _doctor(cli, CLICKHOUSE_URL="ftp://clickhouse:9000")
    assert code == EXIT_FAILED
    analytics = checks["analytics"]
    assert analytics["verdict"] == "fail"
    assert analytics["hint"].startswith("fix CLICKHOUSE_URL")


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("redis://127.0.0.1:{port}/0", "start Redis or fix REDIS_URL"),
        ("redis://127.0.0.1:notaport/0", "fix REDIS_URL"),
    ],
)
def test_redis_failures_get_the_fitting_hint(cli: Cli, url: str, hint: str) -> None:
    redis_url = url.format(port=_closed_port())
    code, checks = _doctor(cli, REDIS_URL=redis_url, RESTMAN_SECRET_KEY=TEST_SECRET_KEY)
    assert code == EXIT_FAILED
    assert checks["redis"]["verdict"] == "fail"
    assert checks["redis"]["hint"].startswith(hint)


def test_an_unreachable_broker_gets_a_broker_hint(cli: Cli) -> None:
    code, checks = _doctor(cli, KAFKA_BROKERS=f"127.0.0.1:{_closed_port()}")
    assert code == EXIT_FAILED
    assert checks["kafka"]["verdict"] == "fail"
    assert checks["kafka"]["hint"].startswith("start the brokers or fix KAFKA_BROKERS")


def test_an_unreachable_mail_relay_names_it(cli: Cli) -> None:
    port = _closed_port()
    code, checks = _doctor(cli, SMTP_HOST="127.0.0.1", SMTP_PORT=str(port))
    assert code == EXIT_FAILED
    assert checks["mail"]["verdict"] == "fail"
    assert f"127.0.0.1:{port}" in checks["mail"]["hint"]


def test_an_embedded_outbox_that_cannot_hold_mail_is_named(cli: Cli) -> None:
    cli.ok("doctor")
    outbox = Path(cli.env["RESTMAN_DATA_DIR"]) / "outbox"
    if outbox.exists():
        outbox.rmdir()
    outbox.write_text("a file where the outbox directory should be")
    code, checks = _doctor(cli)
    assert code == EXIT_FAILED
    assert checks["mail"]["verdict"] == "fail"
    assert str(outbox.resolve()) in checks["mail"]["detail"]
    assert "SMTP_HOST" in checks["mail"]["hint"]


def test_an_embedded_key_file_that_cannot_be_made_names_the_data_directory(
    cli: Cli, tmp_path: Path
) -> None:
    blocker = tmp_path / "also-not-a-directory"
    blocker.write_text("x")
    code, checks = _doctor(cli, RESTMAN_DATA_DIR=str(blocker))
    assert code == EXIT_FAILED
    key = checks["secret_key"]
    assert key["verdict"] == "fail"
    assert str(blocker / "secret.key") in key["detail"]
    assert "RESTMAN_DATA_DIR" in key["hint"]
    assert "every host" not in key["hint"]
