"""The embedded data directory is the owner's alone, whatever the umask: the directory and its
sub-directories 0700, the files that hold secrets or data 0600 (sign-in codes in .eml files,
the SQLite database with its -wal and -shm, the secret key, lock files)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from restman_core.bootstrap import bootstrap
from restman_core.config import load_settings
from restman_core.private_files import private_directory

WORLD_READABLE_UMASK = 0o022


@pytest.fixture
def common_umask() -> Iterator[None]:
    """The umask most systems ship with, which makes default files world-readable."""
    previous = os.umask(WORLD_READABLE_UMASK)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("common_umask")
async def test_the_data_directory_and_its_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    platform = await bootstrap(load_settings(data_dir=data, secret_key=None))
    try:
        await platform.auth.request_code("diner@example.com")
        await platform.analytics()
        await platform.process_events()
    finally:
        await platform.close()
    assert _mode(data) == 0o700
    for directory in ("outbox", "analytics"):
        assert _mode(data / directory) == 0o700, directory
    [eml] = (data / "outbox").glob("*.eml")
    private = [eml, data / "restman.db", data / "secret.key", data / "analytics.lock"]
    private += [data / "restman.db-wal", data / "restman.db-shm"]
    shown = {p.name: oct(_mode(p)) for p in private if p.exists()}
    assert all(p.exists() for p in private[:4]), shown
    assert shown == {name: oct(0o600) for name in shown}, shown
    # Nothing directly in the data directory is readable by others.
    loose = {p.name: oct(_mode(p)) for p in data.iterdir() if _mode(p) & 0o077}
    assert loose == {}


@pytest.mark.usefixtures("common_umask")
async def test_files_left_readable_by_an_older_version_are_tightened(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "restman.db").touch(mode=0o644)
    (data / "restman.db").chmod(0o644)
    platform = await bootstrap(load_settings(data_dir=data, secret_key=None))
    await platform.close()
    assert _mode(data) == 0o700
    assert _mode(data / "restman.db") == 0o600


def test_only_the_last_directory_of_a_path_is_tightened(tmp_path: Path) -> None:
    parent = tmp_path / "home"
    parent.mkdir(mode=0o755)
    parent.chmod(0o755)
    private_directory(parent / "restman")
    assert _mode(parent) == 0o755
    assert _mode(parent / "restman") == 0o700
