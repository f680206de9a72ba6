"""One turn at a time, per restaurant and process, for the placements that write a hot row.

Some rows are written by every placement at a restaurant: a paced restaurant's slot row
(:mod:`restman_core.services.pacing`) and, for an order that takes tracked stock, the food's or
option's stock row and the restaurant's menu version (every such placement bumps it). At
SERIALIZABLE all but one of the units writing such a row at once fail with 40001 and run again,
and each loser first runs its unit up to that write and waits there for the winner's commit.
So N placements at once take N rounds, a whole transaction and a backoff each, and on a loaded
machine the last ones of a burst in one process spent their retry budget
(:data:`~restman_core.adapters.sql.failures.RETRY_BUDGET_SECONDS`) losing to their own
process: 503 "busy" instead of an order or a 409 (40 customers racing for 36 steaks lost 261
to 349 rounds between them and took 5 to 22 s at load 10 to 14; some got 503 in two runs of
three).

:class:`PlacementGates` lets one such placement per restaurant at a time into the database from
each process; the others wait their turn before they open a transaction. That costs no
throughput, since the database lets no two of them commit together anyway. A gated unit also
names its restaurant as its ``turn`` (``Database.run``), so on PostgreSQL the processes take
turns as well (:mod:`restman_core.adapters.sql.turns`). The gates and turns only save retries:
what is counted or taken is decided by the rows alone.

Which restaurants need a turn is learned from the placements themselves: a placement that
finds its restaurant paced, or takes tracked stock, without its turn raises :class:`GateNeeded`
(its unit rolls back, nothing of it is kept) and runs again with it. So the first such
placement at a restaurant in a process runs its reads twice, and the restaurant then keeps its
turn for :data:`HOT_SECONDS` after the last one.
"""

from __future__ import annotations

import asyncio
import time
import uuid
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

HOT_SECONDS = 60.0
"""How long a restaurant keeps its turn after its last placement that wrote a hot row. Orders
without tracked stock at a restaurant that tracks some must not clear it (the next order taking
stock would then run in vain first, once per switch); a restaurant that stopped pacing and
tracking stock stops waiting after this long."""


class GateNeeded(Exception):
    """Raised by a placement that needs its restaurant's turn (a hot row) but runs without it,
    before its unit commits: the caller runs it again through the gate."""


class PlacementGates:
    """One turn at a time per restaurant whose placements write a hot row, for this process's
    placements (see the module's docstring)."""

    def __init__(self) -> None:
        # Restaurant -> when (time.monotonic) its last placement here wrote a hot row.
        self._hot: dict[uuid.UUID, float] = {}
        # Locks belong to an event loop; a service used from several loops keeps a set per loop.
        self._locks: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[uuid.UUID, asyncio.Lock]
        ] = weakref.WeakKeyDictionary()

    def needs_turn(self, restaurant_id: uuid.UUID) -> bool:
        """Whether a placement here wrote a hot row at the restaurant in the last
        :data:`HOT_SECONDS`."""
        seen = self._hot.get(restaurant_id)
        if seen is not None and time.monotonic() - seen > HOT_SECONDS:
            del self._hot[restaurant_id]
            seen = None
        return seen is not None

    def learn(self, restaurant_id: uuid.UUID, *, hot: bool, gated: bool) -> None:
        """Note a placement that writes a hot row (``hot``); GateNeeded when it runs without
        the restaurant's turn."""
        if not hot:
            return
        self._hot[restaurant_id] = time.monotonic()
        if not gated:
            raise GateNeeded()

    @asynccontextmanager
    async def turn(self, restaurant_id: uuid.UUID, gated: bool) -> AsyncIterator[None]:
        """The restaurant's turn when ``gated`` (waiting for it), else nothing."""
        if not gated:
            yield
            return
        locks = self._locks.setdefault(asyncio.get_running_loop(), {})
        async with locks.setdefault(restaurant_id, asyncio.Lock()):
            yield
