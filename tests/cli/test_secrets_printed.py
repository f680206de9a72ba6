"""Secrets never reach the terminal through a URL: not in its userinfo, not in its query."""

from __future__ import annotations

import pytest

from restman_cli.serve import describe
from restman_core.config import load_settings
from restman_core.redaction import mask_url
from tests.cli.conftest import Cli

SECRET = "hunter2-very-secret"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://app:x@db:5432/r", "postgresql://app:***@db:5432/r"),
        (
            f"postgresql://app@db/r?sslmode=require&password={SECRET}",
            "postgresql://app@db/r?sslmode=require&password=***",
        ),
        (f"redis://cache:6379/0?token={SECRET}", "redis://cache:6379/0?token=***"),
        (
            f"https://ch:8443/?sasl_password={SECRET}&Secret=2",
            "https://ch:8443/?sasl_password=***&Secret=***",
        ),
        (f"https://ch/?api_key={SECRET}", "https://ch/?api_key=***"),
        ("sqlite:///var/lib/restman.db", "sqlite:///var/lib/restman.db"),
    ],
)
def test_mask_url_hides_userinfo_passwords_and_secret_parameters(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_config_show_masks_passwords_in_query_parameters(cli: Cli) -> None:
    env = {
        "DATABASE_URL": f"postgresql://app@db:5432/restman?password={SECRET}",
        "REDIS_URL": f"redis://cache:6379/0?password={SECRET}",
        "CLICKHOUSE_URL": f"https://u:{SECRET}@ch:8443/?token={SECRET}",
    }
    rows = cli.json("config", "show", **env)
    by_name = {r["name"]: r["value"] for r in rows}
    assert by_name["DATABASE_URL"] == "postgresql://app@db:5432/restman?password=***"
    assert by_name["CLICKHOUSE_URL"] == "https://u:***@ch:8443/?token=***"
    for output in ("table", "csv", "json"):
        assert SECRET not in cli.ok("config", "show", "-o", output, **env).stdout


def test_the_serve_banner_masks_passwords_in_query_parameters() -> None:
    settings = load_settings(
        database_url=f"postgresql://app@db/restman?sslpassword={SECRET}",
        redis_url=f"redis://:{SECRET}@cache:6379/0",
        clickhouse_url=f"https://ch:8443/?password={SECRET}",
        secret_key="k" * 32,
    )
    banner = "\n".join(describe(settings))
    assert SECRET not in banner
    assert "sslpassword=***" in banner
    assert "password=***" in banner
