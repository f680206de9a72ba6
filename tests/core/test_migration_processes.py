"""Processes migrating one embedded SQLite file at once (``restman serve --workers N`` starts N
that each migrate) take turns under the file's migration lock: one waits for the lock before it
reads the version, so it finds what the one before it ran done. (Without the lock, a worker of
the stress check failed to start: "duplicate column name".)"""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path

from restman_core.adapters.sql import migrate
from restman_core.adapters.sql.urls import sqlite_url
from tests.support.processes import Child
from tests.support.services import wait_for_sync

UPGRADE = "import sys; from restman_core.adapters.sql import migrate; migrate.upgrade(sys.argv[1])"


def _migrator(url: str, log: Path) -> Child:
    return Child([sys.executable, "-c", UPGRADE, url], log=log)


def _blocked_flock_of(pid: int) -> bool:
    """Whether ``pid`` waits for a flock (a ``->`` line of /proc/locks)."""
    lines = Path("/proc/locks").read_text().splitlines()
    return any("->" in line and "FLOCK" in line and f" {pid} " in f" {line} " for line in lines)


def test_an_upgrade_waits_for_the_one_holding_the_lock(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "restman.db")
    lock_path = migrate.migration_lock_path(url)
    assert lock_path == tmp_path / "restman.db.migrating"
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with _migrator(url, tmp_path / "upgrade.log") as child:
            wait_for_sync(
                lambda: child.running() and _blocked_flock_of(child.pid),
                what="the upgrade waiting for the migration lock",
                timeout=60,
            )
            assert migrate.current_revision(url) is None  # it ran nothing while waiting
            fcntl.flock(fd, fcntl.LOCK_UN)
            assert child.process is not None
            assert child.process.wait(timeout=120) == 0, child.output()[-3000:]
    finally:
        os.close(fd)
    assert migrate.current_revision(url) == migrate.head_revision()
    assert lock_path.stat().st_mode & 0o777 == 0o600


def test_other_databases_have_no_migration_lock() -> None:
    assert migrate.migration_lock_path("sqlite:///:memory:") is None
    assert migrate.migration_lock_path("postgresql://postgres@127.0.0.1/test") is None
