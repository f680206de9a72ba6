"""In-process wake-ups around the outbox of one database, so that an event does not wait for
each stage's poll on its way from a commit to a kitchen display.

Two signals: ``written`` when a unit of work of this process that may have added outbox rows
has committed (the relay reads at once instead of at its next poll), and ``numbered`` when this
process's relay has numbered rows (the log advanced: a kitchen stream reads at once). They are
only hints: every stage still polls, so a change committed by another process, or a signal
lost to a race, is picked up at the poll as before. On SQLite the single writer raises
``written``; on PostgreSQL nothing does, and the relay runs in a worker process anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref


class LogSignal:
    """Listeners are events held by their owners (a relay, a ticket feed); a listener whose
    owner is gone is dropped."""

    def __init__(self) -> None:
        self._written: weakref.WeakSet[asyncio.Event] = weakref.WeakSet()
        self._numbered: weakref.WeakSet[asyncio.Event] = weakref.WeakSet()

    def on_written(self) -> asyncio.Event:
        """An event set whenever :meth:`written` is called (its owner clears it)."""
        event = asyncio.Event()
        self._written.add(event)
        return event

    def on_numbered(self) -> asyncio.Event:
        """An event set whenever :meth:`numbered` is called (its owner clears it)."""
        event = asyncio.Event()
        self._numbered.add(event)
        return event

    def written(self) -> None:
        _set_all(self._written)

    def numbered(self) -> None:
        _set_all(self._numbered)


def _set_all(events: weakref.WeakSet[asyncio.Event]) -> None:
    for event in list(events):
        # An event last awaited on an event loop that has since closed (tests, the CLI) cannot
        # be woken, and need not be.
        with contextlib.suppress(RuntimeError):
            event.set()
