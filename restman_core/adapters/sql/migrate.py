"""Run the schema migrations from code (the CLI's ``restman db ...`` and the test suite).

Alembic's commands are synchronous and its environment starts its own event loop, so these
functions are synchronous too; call them from a thread when inside a running loop.
"""

from __future__ import annotations

import io
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from restman_core.adapters.sql.urls import async_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str, output: io.StringIO | None = None) -> Config:
    config = Config(stdout=output or io.StringIO())
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision``."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Take the database at ``url`` down to ``revision`` (``base`` empties it)."""
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def history() -> list[tuple[str, str | None, str]]:
    """(revision, down revision, message) from newest to oldest."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [
        (
            str(rev.revision),
            rev.down_revision if isinstance(rev.down_revision, str) else None,
            rev.doc or "",
        )
        for rev in script.walk_revisions()
    ]


def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at (None when never migrated)."""
    sync_url = async_url(url)
    driver = {
        "sqlite": "sqlite",
        "postgresql": "postgresql+psycopg",
        "cockroachdb": "cockroachdb+psycopg",
    }[sync_url.get_backend_name()]
    engine = create_engine(sync_url.set(drivername=driver))
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
