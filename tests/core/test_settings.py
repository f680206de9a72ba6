"""Settings: the original's variable names, RESTMAN_-prefixed ones, a .env file, blank URLs,
and secrets that never show up when settings are printed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import AliasChoices, ValidationError

from restman_core.bootstrap import database_url
from restman_core.config import Settings, load_settings


def env_names() -> set[str]:
    names: set[str] = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(str(choice) for choice in alias.choices)
        elif isinstance(alias, str):
            names.add(alias)
    return names


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No RestMan variable from the outside, and a working directory without a .env file."""
    for name in env_names():
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults_are_the_embedded_setup() -> None:
    settings = load_settings()
    assert settings.database_url is None
    assert settings.redis_url is None
    assert settings.kafka_brokers is None
    assert settings.data_dir == Path(".restman")
    assert settings.sqlite_path == Path(".restman/restman.db")
    assert database_url(settings) == f"sqlite:///{Path('.restman/restman.db').resolve()}"
    assert (settings.smtp_port, settings.otp_length, settings.default_tax_rate) == (
        587,
        6,
        Decimal("0.10"),
    )


def test_the_original_variable_names_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    original = {
        "DATABASE_URL": "postgresql://app@db:5432/restman",
        "REDIS_URL": "redis://cache:6379/0",
        "KAFKA_BROKERS": "k1:9092,k2:9092",
        "CLICKHOUSE_URL": "http://ch:8123",
        "SMTP_HOST": "smtp.example.com",
        "SMTP_PORT": "2525",
        "SMTP_USERNAME": "mailer",
        "SMTP_PASSWORD": "hunter2",
        "SMTP_FROM": "orders@example.com",
        "OTP_EXPIRY_SECONDS": "600",
        "OTP_LENGTH": "8",
        "SESSION_EXPIRY_SECONDS": "3600",
        "MENU_CACHE_TTL_SECONDS": "0",
    }
    for name, value in original.items():
        monkeypatch.setenv(name, value)
    s = load_settings()
    assert s.database_url == "postgresql://app@db:5432/restman"
    assert database_url(s) == "postgresql://app@db:5432/restman"
    assert (s.redis_url, s.kafka_brokers, s.clickhouse_url) == (
        "redis://cache:6379/0",
        "k1:9092,k2:9092",
        "http://ch:8123",
    )
    assert (s.smtp_host, s.smtp_port, s.smtp_username, s.smtp_from) == (
        "smtp.example.com",
        2525,
        "mailer",
        "orders@example.com",
    )
    assert s.smtp_password is not None
    assert s.smtp_password.get_secret_value() == "hunter2"
    assert (s.otp_expiry_seconds, s.otp_length, s.session_expiry_seconds) == (600, 8, 3600)
    assert s.menu_cache_ttl_seconds == 0


def test_restman_prefixed_names_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RESTMAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RESTMAN_DEFAULT_TAX_RATE", "0.0825")
    monkeypatch.setenv("RESTMAN_DATABASE_URL", "cockroachdb://root@crdb:26257/restman")
    monkeypatch.setenv("RESTMAN_OTP_LENGTH", "4")
    monkeypatch.setenv("RESTMAN_RETENTION_DAYS", "30")
    s = load_settings()
    assert s.data_dir == tmp_path / "data"
    assert s.sqlite_path == tmp_path / "data" / "restman.db"
    assert s.default_tax_rate == Decimal("0.0825")
    assert s.database_url == "cockroachdb://root@crdb:26257/restman"
    assert (s.otp_length, s.retention_days) == (4, 30)


def test_dotenv_file_is_read_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, clean_environment: Path
) -> None:
    (clean_environment / ".env").write_text(
        "DATABASE_URL=sqlite:///from-dotenv.db\nOTP_LENGTH=7\nRESTMAN_DATA_DIR=dotenv-data\n"
        "SMTP_PORT=1025\n"
    )
    s = load_settings()
    assert (s.database_url, s.otp_length, s.data_dir) == (
        "sqlite:///from-dotenv.db",
        7,
        Path("dotenv-data"),
    )
    monkeypatch.setenv("SMTP_PORT", "465")
    assert load_settings().smtp_port == 465
    # Keyword overrides (what programs pass) win over both.
    assert load_settings(smtp_port=25).smtp_port == 25


@pytest.mark.parametrize(
    "name", ["DATABASE_URL", "REDIS_URL", "KAFKA_BROKERS", "CLICKHOUSE_URL", "SMTP_HOST"]
)
def test_blank_urls_mean_unset(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "   ")
    s = load_settings()
    assert getattr(s, name.lower()) is None
    if name == "DATABASE_URL":
        assert database_url(s).startswith("sqlite:///")


def test_secrets_are_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", "hunter2-smtp")
    monkeypatch.setenv("RESTMAN_SECRET_KEY", "k3y-that-signs")
    s = load_settings()
    for text in (repr(s), str(s), f"{s}", repr(s.model_dump())):
        assert "hunter2-smtp" not in text
        assert "k3y-that-signs" not in text
    assert s.secret_key is not None
    assert s.secret_key.get_secret_value() == "k3y-that-signs"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OTP_LENGTH", "3"),
        ("SMTP_PORT", "70000"),
        ("RESTMAN_DEFAULT_TAX_RATE", "1.5"),
        ("OTP_LENGTH", "six"),
    ],
)
def test_impossible_values_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        load_settings()


def test_every_setting_is_documented() -> None:
    undocumented = [n for n, f in Settings.model_fields.items() if not f.description]
    assert undocumented == []
