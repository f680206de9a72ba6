"""The secret key that keys every stored code and session: one per installation, required in
distributed mode, created once per embedded data directory, and rotatable.

Everything runs through ``bootstrap`` with real settings and real stores (SQLite, PostgreSQL),
signing in with codes read from the mail the platform really wrote."""

from __future__ import annotations

import email
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from restman_core.adapters.sql import migrate
from restman_core.bootstrap import Platform, bootstrap
from restman_core.config import Settings
from restman_core.errors import ConfigurationError, Unauthorized
from tests.core.databases import fresh_database, in_thread, unreachable_reason
from tests.support.services import require

KEY_A = "key-a-0123456789abcdef0123456789"
KEY_B = "key-b-fedcba9876543210fedcba9876"
CODE_LINE = re.compile(r"^\s+(\d{4,10})\s*$", re.MULTILINE)


def _settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": None,
        "redis_url": None,
        "kafka_brokers": None,
        "smtp_host": None,
        "clickhouse_url": f"chdb://{data_dir}/analytics",
        "secret_key": None,
        "secret_key_previous": None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@asynccontextmanager
async def _platform(data_dir: Path, **overrides: Any) -> AsyncIterator[Platform]:
    platform = await bootstrap(_settings(data_dir, **overrides))
    try:
        yield platform
    finally:
        await platform.close()


def _last_code(outbox: Path, address: str) -> str:
    """The code in the newest mail the embedded mailer wrote to ``address``."""
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns, reverse=True):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        if address in str(message["To"]):
            body = message.get_body(("plain",))
            assert body is not None
            match = CODE_LINE.search(str(body.get_content()))
            assert match, "no code in the sign-in mail"
            return match.group(1)
    raise AssertionError(f"no mail to {address} in {outbox}")


async def _sign_in(platform: Platform, address: str) -> str:
    await platform.auth.request_code(address)
    code = _last_code(platform.settings.mail_outbox_dir, address)
    return (await platform.auth.verify_code(address, code)).token


async def test_a_session_and_a_code_made_under_the_old_key_survive_a_rotation(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    async with _platform(data, secret_key=KEY_A) as before:
        token = await _sign_in(before, "ann@example.com")
        await before.auth.request_code("bob@example.com")  # verified only after the rotation
        pending_code = _last_code(before.settings.mail_outbox_dir, "bob@example.com")

    async with _platform(data, secret_key=KEY_B, secret_key_previous=KEY_A) as rotated:
        assert (await rotated.auth.authenticate(token)).actor.user_id is not None
        bob = await rotated.auth.verify_code("bob@example.com", pending_code)
        fresh = await _sign_in(rotated, "cat@example.com")
        await rotated.auth.authenticate(fresh)

    async with _platform(data, secret_key=KEY_B) as previous_dropped:
        with pytest.raises(Unauthorized):
            await previous_dropped.auth.authenticate(token)
        # Sessions opened after the rotation are hashed with the new key, even the one whose
        # code was issued under the old key, so dropping the old key leaves them alone.
        await previous_dropped.auth.authenticate(bob.token)
        await previous_dropped.auth.authenticate(fresh)


async def test_a_code_made_under_the_old_key_is_refused_once_the_old_key_is_gone(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    async with _platform(data, secret_key=KEY_A) as before:
        await before.auth.request_code("dan@example.com")
        code = _last_code(before.settings.mail_outbox_dir, "dan@example.com")
    async with _platform(data, secret_key=KEY_B) as after:
        with pytest.raises(Unauthorized):
            await after.auth.verify_code("dan@example.com", code)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"database_url": "postgresql://app@db.invalid:5432/restman"}, "DATABASE_URL is post"),
        ({"database_url": "cockroachdb://root@crdb.invalid:26257/r"}, "DATABASE_URL is cockroach"),
        ({"redis_url": "redis://cache.invalid:6379/0"}, "REDIS_URL is set"),
    ],
)
async def test_distributed_mode_refuses_to_start_without_a_secret_key(
    tmp_path: Path, overrides: dict[str, str], reason: str
) -> None:
    data = tmp_path / "data"
    with pytest.raises(ConfigurationError) as refused:
        await bootstrap(_settings(data, **overrides))
    message = refused.value.message
    assert message.startswith("RESTMAN_SECRET_KEY is not set: ")
    assert reason in message
    assert "\n" not in message
    # Refused before anything was touched: no data directory, no key file of its own.
    assert not data.exists()


async def test_a_short_configured_key_is_refused_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="RESTMAN_SECRET_KEY_PREVIOUS must be at least"):
        await bootstrap(_settings(tmp_path, secret_key=KEY_A, secret_key_previous="short"))


def test_processes_sharing_a_data_directory_create_and_share_one_key(tmp_path: Path) -> None:
    data = tmp_path / "data"
    program = (
        "import sys\n"
        "from restman_core.bootstrap_keys import secret_keys\n"
        "from restman_core.config import Settings\n"
        "print(secret_keys(Settings(_env_file=None, data_dir=sys.argv[1])).current.decode())\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESTMAN_", "DATABASE_"))}
    env.pop("REDIS_URL", None)
    # Started together, so that they race to create the key file.
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", program, str(data)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
            start_new_session=True,
        )
        for _ in range(6)
    ]
    keys: set[str] = set()
    for process in processes:
        try:
            out, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert process.returncode == 0, err
        keys.add(out.strip())
    assert len(keys) == 1, keys
    key_file = data / "secret.key"
    assert keys == {key_file.read_text().strip()}
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in data.iterdir()] == ["secret.key"], "temporary files were left"


@pytest.fixture(scope="module")
def shared_postgres() -> Callable[[], Any]:
    reason = unreachable_reason()

    def use() -> Any:
        require("PostgreSQL", reason is None, reason or "")
        return fresh_database("keys")

    return use


@pytest.mark.postgres
async def test_two_hosts_sharing_postgres_and_the_key_accept_each_others_sessions(
    tmp_path: Path, shared_postgres: Callable[[], Any]
) -> None:
    with shared_postgres() as url:
        in_thread(migrate.upgrade, url)
        shared = {"database_url": url, "secret_key": KEY_A}
        async with (
            _platform(tmp_path / "host1", **shared) as host1,
            _platform(tmp_path / "host2", **shared) as host2,
        ):
            token = await _sign_in(host1, "eve@example.com")
            assert (await host2.auth.authenticate(token)).user_id == (
                await host1.auth.authenticate(token)
            ).user_id
            await host2.auth.request_code("fay@example.com")
            code = _last_code(host2.settings.mail_outbox_dir, "fay@example.com")
            await host1.auth.verify_code("fay@example.com", code)
