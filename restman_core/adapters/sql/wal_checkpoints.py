"""WAL checkpoints of the single writer's SQLite file, on a thread of their own.

By default SQLite checkpoints inside the ``COMMIT`` that takes the write-ahead log past 1,000
pages: that commit copies the log back into the database file and fsyncs it. The single writer
commits a whole group of units at once, so every unit of that group, and every unit queued
behind it, waited for the fsync; on a machine whose disk is busy one took hundreds of
milliseconds. Here the writer's connection checkpoints on its own only as a safety net
(:data:`WRITER_AUTOCHECKPOINT_PAGES`, when the thread below cannot keep up), and after a commit
the writer asks :class:`WalCheckpointer` for a checkpoint, which runs a ``PASSIVE`` one (it
waits for no reader or writer) on a connection of its own on a thread, at most one at a time
and at most once per :data:`CHECKPOINT_INTERVAL_SECONDS`. Durability does not change: a
committed unit is in the log (``synchronous=NORMAL``), and a checkpoint only moves it into the
database file.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

CHECKPOINT_INTERVAL_SECONDS = 0.5
"""At most one checkpoint per this long: under a steady load the log then stays a few
megabytes, and an idle server (no commits) checkpoints nothing."""

WRITER_AUTOCHECKPOINT_PAGES = 20_000
"""The writer's own automatic checkpoint, far past what the thread lets the log reach: only if
checkpoints keep failing does a commit checkpoint, and the log stays bounded."""

JOIN_TIMEOUT_SECONDS = 30.0


class WalCheckpointer:
    """Checkpoints the log of the SQLite file at ``path`` when asked (see the module)."""

    def __init__(self, path: Path, *, interval: float = CHECKPOINT_INTERVAL_SECONDS) -> None:
        self._path = path
        self._interval = interval
        self._thread: threading.Thread | None = None
        self._last = float("-inf")
        self.checkpoints = 0
        self.failures = 0

    def after_commit(self) -> None:
        """A commit went into the log: start a checkpoint unless one runs or one started less
        than the interval ago. Never blocks."""
        now = time.monotonic()
        if now - self._last < self._interval:
            return
        if self._thread is not None and self._thread.is_alive():
            return
        self._last = now
        self._thread = threading.Thread(
            target=self._checkpoint, name="sqlite-checkpoint", daemon=True
        )
        self._thread.start()

    def join(self) -> None:
        """Wait for a checkpoint still running (closing the database): blocking, so call it
        off the event loop."""
        thread = self._thread
        if thread is not None:
            thread.join(JOIN_TIMEOUT_SECONDS)

    def _checkpoint(self) -> None:
        try:
            conn = sqlite3.connect(self._path, isolation_level=None)
            try:
                conn.execute("PRAGMA busy_timeout=0")
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            finally:
                conn.close()
        except sqlite3.Error as exc:  # the next commit asks again; the writer's net stays
            self.failures += 1
            log.warning("a WAL checkpoint of %s failed: %s", self._path, exc)
            return
        self.checkpoints += 1


def checkpointer_for(database: str | None) -> WalCheckpointer | None:
    """A checkpointer for the SQLite file ``database`` (a URL's database part); None for an
    in-memory database, which has no log."""
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return WalCheckpointer(Path(database))
