"""Running a coroutine in a context of its own from the calling task, without a task of its own.

The SQLite writer runs each unit of work in its caller's context (its contextvars: the request's
log fields, the unit's own flag). A task per unit does that, but a task starts only at the next
turn of the event loop, and its caller resumes only at the turn after it ends: under load a
turn is every ready request's work, so a group of units took two turns per unit, and a unit of
the pipeline's urgent lane waited as long for turns as a placement's group took to run. Units
are inline SQLite statements and almost never suspend, so :func:`run_in_context` steps the
coroutine itself: one that never suspends runs to its end at once, and one that does waits for
what it awaits exactly as a task would (cancelling the writer's task cancels what the unit
awaits, as cancelling a task does).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Coroutine
from typing import Any, TypeVar, cast

T = TypeVar("T")


async def run_in_context(coro: Coroutine[Any, Any, T], context: contextvars.Context) -> T:
    """Run ``coro`` to its end with ``context`` current at each of its steps, and return its
    result (or raise what it raises), as ``await asyncio.create_task(coro, context=context)``
    would, but with no turn of the event loop for a coroutine that never suspends. Only
    asyncio futures (and bare yields) may be awaited by ``coro``, as inside any task."""
    error: BaseException | None = None
    while True:
        try:
            if error is None:
                yielded = context.run(coro.send, None)
            else:
                thrown, error = error, None
                yielded = context.run(coro.throw, thrown)
        except StopIteration as stop:
            return cast(T, stop.value)
        if yielded is None:  # a bare yield (asyncio.sleep(0)): one turn of the loop
            try:
                await asyncio.sleep(0)
            except BaseException as exc:  # handed to the coroutine, as a task does
                error = exc
            continue
        if not asyncio.isfuture(yielded):
            coro.close()
            raise RuntimeError(f"a unit of work yielded {yielded!r}, not a future")
        yielded._asyncio_future_blocking = False  # as a task takes it over
        error = await _until_done(yielded)


async def _until_done(future: asyncio.Future[Any]) -> BaseException | None:
    """Wait for ``future`` without taking its outcome (the coroutine that awaits it reads it
    when resumed). If this task is cancelled meanwhile, ``future`` is cancelled so that the
    coroutine sees the cancellation where it waits; when it cannot be (it is done), the
    cancellation is returned, to be thrown into the coroutine."""
    waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def wake(_: asyncio.Future[Any]) -> None:
        if not waiter.done():
            waiter.set_result(None)

    future.add_done_callback(wake)
    try:
        await waiter
    except BaseException as exc:  # this task cancelled
        future.remove_done_callback(wake)
        if future.cancel():
            return None
        return exc
    return None
