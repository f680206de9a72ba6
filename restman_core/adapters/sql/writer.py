"""SQLite's single writer: every unit of work of a process runs on one connection, several
units commit together (group commit), and writers queue instead of polling.

SQLite has one write lock per file. With a pool of connections each beginning ``BEGIN
IMMEDIATE``, concurrent units wait for a free connection, then sleep in SQLite's busy handler
until the lock is free, and the lock changes hands once per unit. Here a unit of work is a
request put on a queue; one task (the writer) takes every request waiting, begins one
transaction, runs each unit inside a ``SAVEPOINT`` of its own and commits them all with one
``COMMIT``. A unit's caller gets its result only once that commit has succeeded.

Guarantees, unit by unit, as with a transaction of its own:

- **Atomicity.** A unit that raises is rolled back to its savepoint (``ROLLBACK TO``): none of
  its writes stay, the other units of the group are untouched, and its caller gets its error.
- **Isolation.** Units of one group run one after the other on one connection, so each sees
  exactly the units committed or run before it: a serial order, like SQLite's own single
  writer. A unit must not wait on another unit's result (it would wait for ever: the writer is
  busy running it), so starting a unit of work from inside one is refused.
- **Durability.** Results are delivered after ``COMMIT``. When the commit itself fails, every
  unit of the group is rolled back and runs again (or fails with
  :class:`~restman_core.errors.Unavailable` once its retry budget is spent).
- **Several processes.** Each process has its own writer; they take turns on the file lock.
  ``BEGIN IMMEDIATE`` waits for another process in SQLite's busy handler, on a worker thread
  (:mod:`restman_core.adapters.sql.inline_sqlite`), so the event loop keeps serving meanwhile.
  A group holds at most :data:`MAX_GROUP` units so that the lock changes hands regularly.

Retries follow :meth:`SqlDatabase.run`'s rules (:mod:`restman_core.adapters.sql.failures`): a
unit that raises :class:`RetryUnit` or hits a locked file runs again in a later group, after a
jittered backoff, within :data:`MAX_ATTEMPTS` attempts and :data:`RETRY_BUDGET_SECONDS`.

Units of the event pipeline's hot path (the relay, the kitchen's consumer: see
:func:`urgent_units`) go in a lane of their own: a group is made of those alone whenever one
waits, before any other unit queued. Under a flood of placements such a unit then waits for the
group already running, not for the whole queue and a full group of placements committed with
it, so an order reaches the kitchen's display after a few short groups rather than after one
full group per pipeline stage. The lane is bounded by the pipeline's own pace (its units batch
what they find), so the other units are never starved.

Statements run inline on the event loop's thread (no thread hop per statement): a unit's
statements are short, and the writer holds the lock while they run, so none waits. The price is
that a unit that awaits something slow outside the database holds up the units queued behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import sqlite3
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from restman_core.adapters.sql.failures import (
    MAX_ATTEMPTS,
    RETRY_BUDGET_SECONDS,
    backoff_delay,
    classify,
)
from restman_core.adapters.sql.inline_sqlite import InlineConnection, open_inline
from restman_core.adapters.sql.retry import RetryUnit
from restman_core.adapters.sql.transaction import SqlTransaction
from restman_core.adapters.sql.unit_steps import run_in_context
from restman_core.adapters.sql.wal_checkpoints import WalCheckpointer
from restman_core.errors import Unavailable
from restman_core.ports.storage import Transaction

T = TypeVar("T")
log = logging.getLogger(__name__)

MAX_GROUP = 64
"""Units committed together at most: enough to amortise the commit, few enough that another
process waiting for the file lock gets it within a few milliseconds."""

QUEUE_TIMEOUT_SECONDS = 10.0
"""How long a unit may wait for the writer before it starts: past that the caller gets
:class:`~restman_core.errors.Unavailable` and the unit never runs (the pool's timeout, before)."""

_SAVEPOINT = "restman_unit"
"""Each unit's savepoint: units run one at a time, so one name serves them all."""

_INSIDE_UNIT: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "restman_inside_sqlite_unit", default=False
)

_URGENT: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "restman_urgent_sqlite_units", default=False
)

Work = Callable[[Transaction], Awaitable[Any]]


@contextlib.contextmanager
def urgent_units() -> Iterator[None]:
    """Units of work started inside the block (and in tasks it creates) go in the writer's
    urgent lane (see the module docstring): for the pipeline's stages between a placement and
    the kitchen's display, whose units are few and short. Elsewhere (PostgreSQL) it changes
    nothing."""
    token = _URGENT.set(True)
    try:
        yield
    finally:
        _URGENT.reset(token)


class NestedUnitOfWork(RuntimeError):
    """A unit of work started another one: on SQLite's single writer that would wait for
    itself. Pass the transaction down instead."""


@dataclass(slots=True)
class _Request:
    work: Work
    future: asyncio.Future[Any]
    context: contextvars.Context
    deadline: float
    urgent: bool = False
    attempts: int = 0
    started: bool = False
    abandoned: bool = False
    wrote_outbox: bool = False
    outcome: list[Any] = field(default_factory=list)


class SqliteWriter:
    """Runs units of work for one event loop on one connection of ``engine`` (an engine whose
    connections are :class:`InlineConnection`, see :func:`open_writer_engine`)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        max_group: int = MAX_GROUP,
        queue_timeout: float = QUEUE_TIMEOUT_SECONDS,
        on_outbox_commit: Callable[[], None] | None = None,
        checkpointer: WalCheckpointer | None = None,
    ) -> None:
        self._engine = engine
        # Checkpoints the log off the commit's path (see wal_checkpoints).
        self._checkpointer = checkpointer
        # Called after a group committed a unit that used the outbox (the relay's wake-up).
        self._on_outbox_commit = on_outbox_commit
        self._max_group = max_group
        self._queue_timeout = queue_timeout
        self._queue: deque[_Request] = deque()
        self._urgent: deque[_Request] = deque()
        self._wake = asyncio.Event()
        self._conn: AsyncConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.groups = 0
        self.units = 0

    async def run(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """Queue ``work`` and return its result once its group committed (see the module
        docstring). A caller cancelled meanwhile does not cancel the unit: it still commits or
        rolls back with its group, and the caller ends cancelled even when the group commits
        at that very moment. A unit still queued after the queue timeout is dropped unrun and
        its caller gets Unavailable."""
        if _INSIDE_UNIT.get():
            raise NestedUnitOfWork("a unit of work cannot start another unit of work")
        if self._closed:
            raise Unavailable("The database is closed")
        loop = asyncio.get_running_loop()
        request = _Request(
            work=work,
            future=loop.create_future(),
            context=contextvars.copy_context(),
            deadline=loop.time() + RETRY_BUDGET_SECONDS,
            urgent=_URGENT.get(),
        )
        self._enqueue(request)
        if self._task is None:
            self._task = asyncio.create_task(self._serve(), name="sqlite-writer")
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that
        # arrives as the unit's result does, and a worker cancelled then would run on for ever.
        try:
            async with asyncio.timeout(self._queue_timeout):
                return cast(T, await asyncio.shield(request.future))
        except TimeoutError:
            if not request.started:
                request.abandoned = True
                raise Unavailable("The database is busy; try again shortly") from None
        return cast(T, await asyncio.shield(request.future))

    async def close(self) -> None:
        """Finish the units already queued, then release the connection."""
        self._closed = True
        self._wake.set()
        task, self._task = self._task, None
        if task is not None:
            await task
        if self._checkpointer is not None:
            await asyncio.to_thread(self._checkpointer.join)
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):
                await conn.close()

    async def release_connection(self) -> None:
        """Close the writer and its connection without waiting for its task: for a writer of
        another event loop, whose task this loop cannot await. Units it still runs fail with
        the connection; none is queued once the database closes."""
        self._closed = True
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()

    def _enqueue(self, request: _Request) -> None:
        (self._urgent if request.urgent else self._queue).append(request)
        self._wake.set()

    async def _serve(self) -> None:
        while True:
            if not self._queue and not self._urgent:
                if self._closed:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            # The urgent lane alone while it has units: they commit without the others.
            queue = self._urgent or self._queue
            group: list[_Request] = []
            while queue and len(group) < self._max_group:
                request = queue.popleft()
                if not request.abandoned:
                    group.append(request)
            if not group:
                continue
            try:
                await self._run_group(group)
            except BaseException as exc:  # the writer itself is cancelled (the loop ends)
                for request in group:
                    _fail(request, Unavailable("The database writer stopped"))
                if not isinstance(exc, Exception):
                    raise
                log.exception("the SQLite writer failed on a group; it goes on")
                continue
            if self._queue and not self._urgent:
                # Units run without a turn of the loop, so the tasks this commit woke (the
                # relay above all) get one now: their units then go first, not after the next
                # group of placements.
                await asyncio.sleep(0)

    async def _connection(self) -> AsyncConnection:
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            self._conn = await self._engine.connect()
        return self._conn

    async def _run_group(self, group: list[_Request]) -> None:
        try:
            conn = await self._connection()
            raw = await conn.get_raw_connection()
            inline = cast(InlineConnection, raw.driver_connection)
            await inline.begin_immediate()
        except Exception as exc:  # sqlite3's own errors too: the lock is taken outside SQLAlchemy
            self._retry_or_fail(group, _as_dbapi(exc))
            return
        done: list[_Request] = []
        answered: set[int] = set()
        try:
            outer = await conn.begin()
            for request in group:
                if await self._run_unit(conn, inline, request):
                    done.append(request)
                answered.add(id(request))
            await outer.commit()
        except Exception as exc:
            # Outside any one unit (a savepoint or the commit failed): nothing of the group
            # stays, and every unit not already answered runs again or fails.
            await self._abandon(conn)
            again = [r for r in group if r in done or id(r) not in answered]
            self._retry_or_fail(again, _as_dbapi(exc))
            return
        self.groups += 1
        self.units += len(done)
        if self._checkpointer is not None and inline.wrote:  # an idle relay's poll writes none
            self._checkpointer.after_commit()
        if self._on_outbox_commit is not None and any(r.wrote_outbox for r in done):
            self._on_outbox_commit()
        for request in done:
            if not request.future.done():
                request.future.set_result(request.outcome[0])

    async def _run_unit(
        self, conn: AsyncConnection, inline: InlineConnection, request: _Request
    ) -> bool:
        """Run one unit in its savepoint; True when it is to be committed, False when it failed:
        it is then rolled back to its savepoint and answered (or queued again) here. A failure
        of the savepoint statements themselves propagates: the group's transaction is then
        unsafe. The savepoint is the driver's own (SQLAlchemy's outer transaction, which the
        unit's statements run in, is the group's and is untouched by it)."""
        if request.abandoned:  # its caller gave up while it waited in this group
            return False
        request.attempts += 1
        request.started = True
        inline.savepoint(_SAVEPOINT)
        tx = SqlTransaction(conn)
        try:
            # Stepped from this task, in the caller's context: no turn of the loop per unit.
            outcome = await run_in_context(_inside(request.work, tx), request.context)
        except Exception as exc:
            inline.rollback_to(_SAVEPOINT)
            if isinstance(exc, DBAPIError | RetryUnit):
                self._retry_or_fail([request], exc)
            else:
                _fail(request, exc)
            return False
        inline.release(_SAVEPOINT)
        request.outcome[:] = [outcome]
        request.wrote_outbox = tx.used_outbox
        return True

    async def _abandon(self, conn: AsyncConnection) -> None:
        """Roll the group back after a failure outside any one unit, and drop a connection
        that cannot even do that."""
        try:
            await conn.rollback()
        except Exception:
            log.warning("the SQLite writer could not roll back; reconnecting", exc_info=True)
            with contextlib.suppress(Exception):
                await conn.invalidate()
            self._conn = None

    def _retry_or_fail(self, requests: list[_Request], exc: BaseException) -> None:
        error = classify(exc) if isinstance(exc, DBAPIError | RetryUnit) else exc
        loop = asyncio.get_running_loop()
        for request in requests:
            if error is not None:
                _fail(request, error)
                continue
            delay = backoff_delay(request.attempts)
            if request.attempts >= MAX_ATTEMPTS or loop.time() + delay > request.deadline:
                log.warning("a unit of work gave up after %d attempts", request.attempts)
                _fail(request, Unavailable("The database is busy; try again shortly"))
                continue
            log.debug("retrying unit of work after %s (attempt %d)", exc, request.attempts)
            loop.call_later(delay, self._enqueue, request)


async def _inside(work: Work, tx: Transaction) -> Any:
    _INSIDE_UNIT.set(True)
    return await work(tx)


def _fail(request: _Request, error: BaseException) -> None:
    request.abandoned = True  # answered: a retry already scheduled must not run it again
    if not request.future.done():
        request.future.set_exception(error)


def _as_dbapi(exc: BaseException) -> BaseException:
    """sqlite3's errors raised outside SQLAlchemy (taking the lock) as SQLAlchemy's, so that
    one classification applies."""
    if isinstance(exc, sqlite3.Error):
        return DBAPIError.instance(None, None, exc, sqlite3.Error)
    return exc


_RUNNERS: weakref.WeakKeyDictionary[AsyncEngine, weakref.WeakMethod[Callable[..., Any]]] = (
    weakref.WeakKeyDictionary()
)


def register_runner(engine: AsyncEngine, run: Callable[[Work], Awaitable[Any]]) -> None:
    """Make ``run`` (a bound ``SqlDatabase.run``) the way writes on ``engine`` are run by
    adapters that only hold the engine (the sign-in state's short transactions): on SQLite a
    write beside the writer would take the file lock from it and wait in the busy handler."""
    _RUNNERS[engine] = weakref.WeakMethod(run)


def runner_for(engine: AsyncEngine) -> Callable[[Work], Awaitable[Any]] | None:
    """The writer's ``run`` registered for ``engine``, if any (see :func:`register_runner`)."""
    ref = _RUNNERS.get(engine)
    return None if ref is None else ref()


def open_writer_engine(url: Any) -> AsyncEngine:
    """An engine of :class:`InlineConnection` on the SQLite file of ``url`` (a SQLAlchemy URL
    with the ``sqlite+aiosqlite`` driver), for one :class:`SqliteWriter` per event loop."""
    path = Path(url.database or "")

    async def connect() -> InlineConnection:
        # Opening may wait on the file (the journal-mode check): off the event loop.
        return await asyncio.to_thread(open_inline, path)

    # No pool: each writer holds its one connection for its life, and the writer of an event
    # loop that ended (a CLI command, a test) must not keep a pooled slot from the next one.
    return create_async_engine(url, async_creator=connect, poolclass=NullPool)
