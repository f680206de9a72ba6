"""The CLI through Typer's CliRunner, in-process, on embedded storage by default.

Each test gets its own data directory (RESTMAN_DATA_DIR) and working directory (so no ``.env``
from elsewhere leaks in), with every backend URL unset. ``seeded`` is one demo data set shared
by the read-only tests; tests that change data start from their own empty directory. Every
command closes its platform, so the in-process analytics engine can move between directories.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from restman_cli.main import app

BACKEND_VARIABLES = [
    f"{prefix}{name}"
    for name in ("DATABASE_URL", "REDIS_URL", "KAFKA_BROKERS", "CLICKHOUSE_URL", "SMTP_HOST")
    for prefix in ("", "RESTMAN_")
]


@dataclass
class Cli:
    """Runs ``restman`` commands in a given environment."""

    env: dict[str, str]
    cwd: Path

    def run(self, *args: str, input: str | None = None, **env: str) -> Result:
        previous = Path.cwd()
        os.chdir(self.cwd)
        # Output is captured, as when piped: whatever launched the suite (a terminal, or xdist,
        # which sets COLUMNS in its workers), the tables are drawn as for a pipe unless a test
        # sets COLUMNS itself.
        environment: dict[str, str | None] = {"COLUMNS": None, "LINES": None, **self.env, **env}
        try:
            return CliRunner().invoke(app, list(args), input=input, env=environment)
        finally:
            os.chdir(previous)

    def ok(self, *args: str, **env: str) -> Result:
        """Run and require exit 0 (showing stderr when it fails)."""
        result = self.run(*args, **env)
        assert result.exit_code == 0, (result.exit_code, result.stderr, result.exception)
        return result

    def json(self, *args: str, **env: str) -> Any:
        """Run with ``-o json`` and parse stdout."""
        return json.loads(self.ok(*args, "-o", "json", **env).stdout)


def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in BACKEND_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("RESTMAN_SECRET_KEY", raising=False)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """An empty embedded installation."""
    _clean_environment(monkeypatch)
    return Cli({"RESTMAN_DATA_DIR": str(tmp_path / "data")}, tmp_path)


@pytest.fixture(scope="session")
def seeded_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data directory holding the demo data set (seeded once per run)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _clean_environment(monkeypatch)
        root = tmp_path_factory.mktemp("seeded")
        report = Cli({"RESTMAN_DATA_DIR": str(root / "data")}, root).json("seed", "demo")
        assert report["orders_created"] == 300
        yield root


@pytest.fixture
def seeded(seeded_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The shared demo installation (tests using it must not change it)."""
    _clean_environment(monkeypatch)
    return Cli({"RESTMAN_DATA_DIR": str(seeded_dir / "data")}, seeded_dir)


def restaurant_named(cli: Cli, name: str) -> dict[str, Any]:
    restaurants = cli.json("restaurants", "list")
    return next(r for r in restaurants if r["name"] == name)
