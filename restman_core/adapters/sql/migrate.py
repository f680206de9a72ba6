"""Run the schema migrations from code (the CLI's ``restman db ...`` and the test suite).

Alembic's commands are synchronous and its environment starts its own event loop, so these
functions are synchronous too; call them from a thread when inside a running loop.

An embedded database is migrated by every process that opens it (``restman serve --workers N``
starts N at once). On SQLite Alembic commits each migration on its own, so a lock taken per
transaction is not enough: a process that read the version before another's migrations ran
would then run one of them again ("duplicate column name", and that worker fails to start).
So one process at a time migrates an SQLite file, under an exclusive ``flock`` beside it, and
each reads the version only once it holds it.
"""

from __future__ import annotations

import fcntl
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
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


def migration_lock_path(url: str) -> Path | None:
    """The file whose lock one migrating process holds, for an SQLite file at ``url`` (None for
    other databases and for an in-memory SQLite)."""
    sync_url = async_url(url)
    database = sync_url.database or ""
    if sync_url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    path = Path(database)
    return path.with_name(path.name + ".migrating")


@contextmanager
def _one_migrator(url: str) -> Iterator[None]:
    """Hold the migration lock of an SQLite file at ``url`` for the block (see the module)."""
    lock_path = migration_lock_path(url)
    if lock_path is None:
        yield
        return
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released by the kernel if this process dies
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision``; processes upgrading one SQLite file at
    once take turns, and each finds the migrations the one before it ran done."""
    with _one_migrator(url):
        command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Take the database at ``url`` down to ``revision`` (``base`` empties it)."""
    with _one_migrator(url):
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
