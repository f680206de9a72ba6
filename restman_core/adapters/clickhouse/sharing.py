"""One embedded analytics store shared by every process on the machine.

The chdb engine locks its data directory for as long as a session is open, and hosts one
session per process. RestMan therefore opens the engine only while a process has calls to make
and lets go of it as soon as another process wants it:

1. a call takes this process's engine lock (threads and event loops of one process take turns,
   and a session on another directory is closed first, since chdb's session is process-global);
2. if this process has no session open, it takes an exclusive ``fcntl.flock`` on
   ``<directory>.lock`` beside the engine directory (``<data>/analytics.lock`` by default),
   waiting up to ``lock_timeout_seconds``, and opens the engine on the directory;
3. the work runs on the open session, which then **stays open** for the calls that follow;
4. the session is closed (closing frees chdb's own lock; the parts merged away are deleted),
   and the file lock released, when another process is waiting for it, when a call fails, when
   the store is closed, or once idle if the store was given an idle limit (see below).

A process waiting for the file lock says so by holding a shared ``flock`` on
``<directory>.lock.waiting``; the holder checks that file after every call and, while idle,
every ``WATCH_SECONDS``, so a waiting process gets the store within one call of the holder's
and a process with a stream of calls (the analytics consumer) never starves the others. A
reader sees every batch committed before its session began: sessions never overlap.

A session is kept open for as long as no other process waits for the store, by default: the
session start costs a report more than the report itself on a big store (below), an idle open
session costs next to nothing (measured: 0.14 s of CPU in 20 s idle, on a store of 10,000,000
items), and a waiting process is served within ``WATCH_SECONDS`` anyway. So an owner's reports
pay the session start once per run of the API process, or once after another process (a CLI
command, a worker) had the store, not once per quiet moment. A store opened with
``idle_seconds`` lets go once idle: no call for ``idle_seconds``, or for ``HOLD_FACTOR`` times
the last gap between two calls when that is longer (a gap longer than ``MAX_HOLD_SECONDS /
HOLD_FACTOR`` is no stream and counts for nothing).

The session start costs 20 ms on an empty store and about 300 ms on the 10,000,000-item bench
store (some 600 parts: it loads every part's metadata), against about 1 ms for a small query on
an open session (``bench/analytics_sharing.py`` measures the ratio).

A flock is released by the kernel when its process dies, so a crashed holder never wedges the
others. The lock is advisory: a program that opens the directory without taking it (an older
RestMan, a hand-started chdb) makes sessions fail, which is reported as Unavailable.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from clickhouse_connect.driver.client import Client

from restman_core.errors import Unavailable
from restman_core.private_files import open_private, private_directory

T = TypeVar("T")

# chdb's embedded session is global to the process, whatever directory it is on; reentrant so
# that closing the session from inside a call (after a failure) needs no second lock.
_ENGINE_LOCK = threading.RLock()
# After releasing the store to a waiting process, a process with more work queued waits this
# long before taking the file lock again: enough for a process polling the lock (every
# POLL_MAX_SECONDS at most) to take it.
COURTESY_SECONDS = 0.003
POLL_MIN_SECONDS = 0.0005
POLL_MAX_SECONDS = 0.002
# How often an idle open session looks for waiting processes and for its idle deadline.
WATCH_SECONDS = 0.005
# With an idle limit, an idle session is held this many times the last gap between calls when
# that is longer than the limit; longer gaps than MAX_HOLD_SECONDS / HOLD_FACTOR count for
# nothing.
HOLD_FACTOR = 3.0
MAX_HOLD_SECONDS = 30.0
# How long a closing session waits for its merges to give up before it lists the parts they
# merged away.
MERGE_STOP_SECONDS = 2.0


def lock_path_for(directory: str) -> Path:
    """The file every process locks before opening the engine on ``directory``."""
    return Path(os.path.abspath(directory.rstrip("/")) + ".lock")


class _Process:
    """The one engine of this process whose session is open (``None``: none is)."""

    holder: SharedEmbeddedEngine | None = None


class SharedEmbeddedEngine:
    """Runs work on the embedded engine at ``directory`` in cross-process locked sessions that
    stay open while calls keep coming (see the module). ``open_client`` opens the engine
    (blocking); every method here is blocking and is meant to run in a worker thread. Raises
    Unavailable when the lock is not obtained within ``lock_timeout_seconds`` or the engine
    cannot be opened."""

    def __init__(
        self,
        directory: str,
        open_client: Callable[[], Client],
        *,
        lock_timeout_seconds: float = 60.0,
        idle_seconds: float | None = None,
    ) -> None:
        self.directory = directory
        self.lock_path = lock_path_for(directory)
        self.waiting_path = Path(f"{self.lock_path}.waiting")
        self._open_client = open_client
        self._lock_timeout = lock_timeout_seconds
        self._idle = idle_seconds
        self._queued = 0
        self._queued_lock = threading.Lock()
        self._client: Client | None = None
        self._lock_fd: int | None = None
        # Kept open while a session is: the probe for waiting processes runs every few ms.
        self._waiting_fd: int | None = None
        self._last_call = 0.0
        self._gap = 0.0  # between the last two calls, end to start
        self._generation = 0
        self.sessions = 0  # sessions opened so far (a figure for tests and benchmarks)

    @property
    def session_open(self) -> bool:
        return self._client is not None

    def run(self, work: Callable[[Client], T]) -> T:
        """Run ``work`` on the open session, opening one first if needed; its result."""
        with self._queued_lock:
            self._queued += 1
        yielded = False
        try:
            with _ENGINE_LOCK:
                if self._last_call:
                    # A gap too long for a stream of calls is not one: it holds nothing longer.
                    gap = time.monotonic() - self._last_call
                    self._gap = gap if gap * HOLD_FACTOR <= MAX_HOLD_SECONDS else 0.0
                client = self._session()
                try:
                    result = work(client)
                except BaseException:
                    # The session's state after a failed call is unknown: start afresh.
                    self._release()
                    raise
                self._last_call = time.monotonic()
                if self._others_waiting():
                    self._release()
                    yielded = True
                return result
        finally:
            with self._queued_lock:
                self._queued -= 1
                others_queued = self._queued > 0
            if yielded and others_queued:
                # Without this pause the next call of this process would retake the lock
                # before the waiting process wakes up.
                time.sleep(COURTESY_SECONDS)

    def close(self) -> None:
        """Close the session if one is open and release the store; later calls open anew."""
        with _ENGINE_LOCK:
            self._release()

    def _session(self) -> Client:
        """The open session, opened (with the file lock taken) if there is none. Called with
        the engine lock held."""
        if self._client is not None:
            return self._client
        if _Process.holder is not None:
            _Process.holder._release()
        private_directory(self.lock_path.parent)
        fd = open_private(self.lock_path, os.O_RDWR | os.O_CREAT)
        try:
            self._acquire(fd)
            try:
                self._client = self._open_client()
            except BaseException:
                fcntl.flock(fd, fcntl.LOCK_UN)
                raise
        except BaseException:
            os.close(fd)
            raise
        self._lock_fd = fd
        self._last_call = time.monotonic()
        self._generation += 1
        self.sessions += 1
        _Process.holder = self
        threading.Thread(
            target=self._watch, args=(self._generation,), name="restman-analytics-idle", daemon=True
        ).start()
        return self._client

    def _release(self) -> None:
        """Close the session, delete the parts it merged away, release the file lock. Called
        with the engine lock held; nothing to do without a session."""
        client, fd = self._client, self._lock_fd
        if client is None or fd is None:
            return
        self._client, self._lock_fd = None, None
        if _Process.holder is self:
            _Process.holder = None
        try:
            outdated: list[str] = []
            try:
                outdated = self._outdated_parts(client)
            finally:
                client.close()
            self._remove(outdated)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
            if self._waiting_fd is not None:
                os.close(self._waiting_fd)
                self._waiting_fd = None

    def _watch(self, generation: int) -> None:
        """While session ``generation`` is open: close it once another process waits for the
        store, or once idle when the store has an idle limit."""
        while True:
            time.sleep(WATCH_SECONDS)
            if not _ENGINE_LOCK.acquire(blocking=False):
                continue  # a call is running; it checks for waiters itself
            try:
                if self._client is None or self._generation != generation:
                    return
                hold = self._hold()
                idle = hold is not None and time.monotonic() - self._last_call >= hold
                if idle or self._others_waiting():
                    with contextlib.suppress(Exception):
                        self._release()
                    return
            finally:
                _ENGINE_LOCK.release()

    def _hold(self) -> float | None:
        """How long an idle open session is kept (see the module); ``None``: until another
        process waits for the store."""
        if self._idle is None:
            return None
        return max(self._idle, HOLD_FACTOR * self._gap)

    def _others_waiting(self) -> bool:
        """True when another process holds the waiting file (it waits for the store). Called
        with the engine lock held while a session is open."""
        fd = self._waiting_fd
        if fd is None:
            fd = self._waiting_fd = open_private(self.waiting_path, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False

    def _outdated_parts(self, client: Client) -> list[str]:
        """Directories of parts merged away. The engine deletes them from a background task
        that may not get to run before the session closes, and every part on disk is loaded at
        the next open, so without this the session start grows with every insert (measured:
        40 ms to 300 ms over 150 batches of one session each). Merges are stopped first (for
        this session only: the next one merges again), so none finishing while the session
        closes leaves parts that this list misses. Stopping only asks a running merge to give
        up, and one about to commit its part still does: so the list is read once no merge is
        running (at most :data:`MERGE_STOP_SECONDS`; a part a later merge leaves behind is
        deleted at the next close)."""
        client.command("SYSTEM STOP MERGES")
        deadline = time.monotonic() + MERGE_STOP_SECONDS
        while time.monotonic() < deadline:
            (running,) = client.query("SELECT count() FROM system.merges").result_rows[0]
            if not running:
                break
            time.sleep(WATCH_SECONDS)
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

    def _acquire(self, fd: int) -> None:
        # Polled rather than blocking so that a holder that never lets go ends in Unavailable
        # (a 503 naming the store) instead of a request that hangs. While polling, a shared
        # lock on the waiting file tells the holder to let go.
        with contextlib.suppress(BlockingIOError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        waiting = open_private(self.waiting_path, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(waiting, fcntl.LOCK_SH)
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
        finally:
            os.close(waiting)


def _forget_in_child() -> None:
    # A forked child inherits the parent's session object and lock descriptor but not its
    # engine: it forgets both (closing its copy of the descriptor leaves the parent's lock),
    # and gets a fresh engine lock (the parent's may be held by a thread the child lacks).
    global _ENGINE_LOCK
    _ENGINE_LOCK = threading.RLock()
    holder = _Process.holder
    _Process.holder = None
    if holder is not None:
        for fd in (holder._lock_fd, holder._waiting_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        holder._client, holder._lock_fd, holder._waiting_fd = None, None, None


def _release_at_exit() -> None:
    holder = _Process.holder
    if holder is not None:
        with contextlib.suppress(Exception):
            holder.close()


os.register_at_fork(after_in_child=_forget_in_child)
atexit.register(_release_at_exit)
