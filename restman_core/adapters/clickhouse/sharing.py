"""One embedded analytics store shared by every process on the machine.

The chdb engine locks its data directory for as long as a session is open, and hosts one
session per process. RestMan therefore never keeps an embedded session open: every call
(one report query, one batch of inserts, the schema) runs in a **short session**:

1. take this process's engine lock (threads and event loops of one process take turns, and a
   session on another directory never overlaps, since chdb's session is process-global);
2. take an exclusive ``fcntl.flock`` on ``<directory>.lock`` beside the engine directory
   (``<data>/analytics.lock`` by default), waiting up to ``lock_timeout_seconds``;
3. open the engine on the directory, do the work, note the parts merged away, close it
   (closing frees chdb's own lock), delete those parts' directories;
4. release both locks.

So any number of processes (API workers, ``restman worker``, every CLI command) read and write
the same facts, and a reader sees every batch committed before its session began. The cost is
the session start, about 30 ms per call on the development machine against about 1 ms for a
query on a session held open (``bench/analytics_sharing.py`` measures the ratio); the analytics
consumer writes in batches, so the cost per fact stays small. A process that finds the file
lock busy polls it; a process with more calls queued pauses briefly after releasing it, so
another process waiting for the store gets its turn instead of starving.

A flock is released by the kernel when its process dies, so a crashed holder never wedges the
others. The lock is advisory: a program that opens the directory without taking it (an older
RestMan, a hand-started chdb) makes sessions fail, which is reported as Unavailable.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from clickhouse_connect.driver.client import Client

from restman_core.errors import Unavailable
from restman_core.private_files import open_private, private_directory

T = TypeVar("T")

# chdb's embedded session is global to the process, whatever directory it is on.
_ENGINE_LOCK = threading.Lock()
# After a session, a process with more work queued waits this long before taking the file lock
# again: enough for a process polling the lock (every POLL_MAX_SECONDS at most) to take it.
COURTESY_SECONDS = 0.003
POLL_MIN_SECONDS = 0.0005
POLL_MAX_SECONDS = 0.002


def lock_path_for(directory: str) -> Path:
    """The file every process locks before opening the engine on ``directory``."""
    return Path(os.path.abspath(directory.rstrip("/")) + ".lock")


class SharedEmbeddedEngine:
    """Runs work on the embedded engine at ``directory`` in short, cross-process locked
    sessions. ``open_client`` opens the engine (blocking); every method here is blocking and is
    meant to run in a worker thread. Raises Unavailable when the lock is not obtained within
    ``lock_timeout_seconds`` or the engine cannot be opened."""

    def __init__(
        self,
        directory: str,
        open_client: Callable[[], Client],
        *,
        lock_timeout_seconds: float = 60.0,
    ) -> None:
        self.directory = directory
        self.lock_path = lock_path_for(directory)
        self._open_client = open_client
        self._lock_timeout = lock_timeout_seconds
        self._queued = 0
        self._queued_lock = threading.Lock()

    def run(self, work: Callable[[Client], T]) -> T:
        """Open a session, run ``work`` on it, close it; the result of ``work``."""
        with self._queued_lock:
            self._queued += 1
        try:
            with _ENGINE_LOCK, self._file_lock():
                client = self._open_client()
                outdated: list[str] = []
                try:
                    result = work(client)
                    outdated = self._outdated_parts(client)
                finally:
                    client.close()
                self._remove(outdated)
                return result
        finally:
            with self._queued_lock:
                self._queued -= 1
                others_queued = self._queued > 0
            if others_queued:
                # Back-to-back sessions of one process would otherwise retake the lock before a
                # polling process wakes up; this pause is paid only under load.
                time.sleep(COURTESY_SECONDS)

    def _outdated_parts(self, client: Client) -> list[str]:
        """Directories of parts merged away. The engine deletes them from a background task
        that never gets to run in sessions this short, and every part on disk is loaded at the
        next open, so without this the session start grows with every insert (measured: 40 ms
        to 300 ms over 150 batches)."""
        rows = client.query(
            "SELECT path FROM system.parts WHERE active = 0 AND _state = 'Outdated'"
        ).result_rows
        return [str(path) for (path,) in rows]

    def _remove(self, paths: list[str]) -> None:
        # Runs after the session closed and before the file lock is released, so no engine has
        # the directory open; only paths inside it are touched.
        root = Path(self.directory).resolve()
        for path in paths:
            part = Path(path).resolve()
            if part.is_relative_to(root) and part != root:
                shutil.rmtree(part, ignore_errors=True)

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        private_directory(self.lock_path.parent)
        fd = open_private(self.lock_path, os.O_RDWR | os.O_CREAT)
        try:
            self._acquire(fd)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _acquire(self, fd: int) -> None:
        # Polled rather than blocking so that a holder that never lets go ends in Unavailable
        # (a 503 naming the store) instead of a request that hangs.
        deadline = time.monotonic() + self._lock_timeout
        pause = POLL_MIN_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise Unavailable(
                        f"the embedded analytics store is busy: another process has held "
                        f"{self.lock_path} for more than {self._lock_timeout:g} s"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, POLL_MAX_SECONDS)
