"""Files only their owner may read, whatever the umask.

The embedded data directory holds live sign-in codes (``outbox/*.eml``), the SQLite database
with its ``-wal`` and ``-shm`` companions (sessions and codes are hashed, but orders, emails and
the outbox are not), the secret key and the analytics engine. Files created with Python's
defaults get ``0o666 & ~umask``: world-readable under the common umask 022. Every place that
creates one of them goes through these helpers: directories are 0700 and files 0600, and an
existing one made by an older version (or by hand) is tightened when it is next opened.

Only the last directory of a path is tightened: the parents (a home directory, ``/var/lib``)
belong to the operator.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def _tighten(path: Path, mode: int) -> None:
    # A path owned by someone else (a shared mount) cannot be changed by us; what matters then
    # is the owner's setup, and refusing to start would help nobody.
    with contextlib.suppress(PermissionError):
        if path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)


def private_directory(path: Path | str) -> Path:
    """Create ``path`` (and missing parents) if needed and make ``path`` itself 0700."""
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True, mode=DIRECTORY_MODE)
    _tighten(directory, DIRECTORY_MODE)
    return directory


def open_private(path: Path | str, flags: int = os.O_WRONLY | os.O_CREAT | os.O_EXCL) -> int:
    """``os.open`` with mode 0600 (a file that existed is made 0600 too); returns the fd."""
    fd = os.open(path, flags, FILE_MODE)
    with contextlib.suppress(PermissionError):
        os.fchmod(fd, FILE_MODE)
    return fd


def private_file(path: Path | str) -> Path:
    """Make sure ``path`` exists as a 0600 file (created empty when missing), so a program
    that opens it afterwards (SQLite) keeps that mode."""
    target = Path(path)
    os.close(open_private(target, os.O_WRONLY | os.O_CREAT))
    return target


SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_sqlite(path: Path | str) -> None:
    """The SQLite database ``path`` and its directory made private before SQLite opens it.

    SQLite gives its ``-wal``, ``-shm`` and ``-journal`` files the mode of the database file, so
    a 0600 database keeps them 0600; companions left by an older version are tightened."""
    database = Path(path)
    private_directory(database.parent)
    private_file(database)
    for suffix in SQLITE_COMPANIONS:
        companion = database.with_name(database.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            _tighten(companion, FILE_MODE)
