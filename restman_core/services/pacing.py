"""Pacing orders into the kitchen's time slots at placement, and giving a cancelled order's
load back (see :mod:`restman_core.domain.pacing` for the slot rule).

Both run inside the caller's unit of work. Counting an order's load in a slot is one atomic
statement on the slot's ledger row (:meth:`restman_core.ports.storage.SlotLedger.take`), so no
slot ever holds more than its cap, however many placements race for it.

That row is hot: every order of a busy slot writes it. At SERIALIZABLE all but one of the
placements writing it at once fail and retry, and a burst of them in one process would spend
its retry budget losing. So :class:`PacingGates` lets one paced placement per restaurant at a
time into the database from each process (the others wait their turn before they open a
transaction); processes still race each other, which the row and the retries settle. The gates
are an optimisation only: what is counted is decided by the row alone.
"""

from __future__ import annotations

import asyncio
import uuid
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime

from restman_core.domain.clock import format_timestamp
from restman_core.domain.menus import Restaurant
from restman_core.domain.orders import Order
from restman_core.domain.pacing import (
    MAX_PICKUP_AHEAD,
    first_slot_with_room,
    prep_load,
    slot_start,
)
from restman_core.errors import Conflict, InvalidInput
from restman_core.ports.storage import Transaction

# A slot found with room is taken in the same unit of work that read it, so a miss can only
# follow a concurrent change the database did not turn into a retry; a few more looks suffice.
_ATTEMPTS = 4


class GateNeeded(Exception):
    """Raised by a placement that found its restaurant paced while it ran without the
    restaurant's gate, before it wrote anything: the caller runs it again through the gate."""


class PacingGates:
    """One turn at a time per paced restaurant for this process's placements (see the module's
    docstring). Which restaurants are paced is learned from the placements themselves."""

    def __init__(self) -> None:
        self._paced: set[uuid.UUID] = set()
        # Locks belong to an event loop; a service used from several loops keeps a set per loop.
        self._locks: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[uuid.UUID, asyncio.Lock]
        ] = weakref.WeakKeyDictionary()

    def is_paced(self, restaurant_id: uuid.UUID) -> bool:
        """Whether the restaurant was paced at its last placement seen here."""
        return restaurant_id in self._paced

    def learn(self, restaurant_id: uuid.UUID, *, paced: bool, gated: bool) -> None:
        """Note whether the restaurant is paced; GateNeeded when it is and the placement runs
        without its gate."""
        if not paced:
            self._paced.discard(restaurant_id)
            return
        self._paced.add(restaurant_id)
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


def check_pickup(pickup_at: datetime | None, now: datetime) -> None:
    """A scheduled pickup must lie ahead of ``now``, at most seven days: InvalidInput else."""
    if pickup_at is None:
        return
    if pickup_at <= now:
        raise InvalidInput(
            f"pickup_at must be in the future (it is now {format_timestamp(now)})",
            details={"field": "pickup_at"},
        )
    if pickup_at > now + MAX_PICKUP_AHEAD:
        raise InvalidInput(
            f"pickup_at may be at most {MAX_PICKUP_AHEAD.days} days ahead",
            details={"field": "pickup_at"},
        )


def _full(slot: datetime | None, first: datetime) -> Conflict:
    details = {"next_available_at": format_timestamp(slot) if slot else None}
    if slot is None:
        return Conflict(
            "The kitchen has no slot with room for this order in the next "
            f"{MAX_PICKUP_AHEAD.days} days",
            details=details,
        )
    return Conflict(
        f"The kitchen is fully booked for the slot starting {format_timestamp(first)}; the "
        f"first slot with room starts at {format_timestamp(slot)} "
        '(send "accept_later": true to take it)',
        details=details,
    )


async def pace_order(
    tx: Transaction,
    order: Order,
    restaurant: Restaurant,
    *,
    pickup_at: datetime | None,
    accept_later: bool,
    now: datetime,
    open_at: Callable[[datetime], bool],
) -> Order:
    """``order`` with its pickup and, at a paced restaurant, its load counted in a slot: the
    slot holding ``pickup_at`` (or ``now`` for an ASAP order) when the load fits there, else,
    with ``accept_later``, the first later slot with room that starts while the restaurant
    serves the order (``open_at``), which becomes its ``pickup_at``. A full slot without
    ``accept_later`` is a Conflict whose details carry ``next_available_at`` (null when no
    slot within seven days has room, or the order alone exceeds the cap)."""
    order = replace(order, pickup_at=pickup_at)
    pacing = restaurant.pacing
    load = prep_load((i.prep_time_seconds, i.quantity) for i in order.items)
    if pacing is None or load == 0:
        # Nothing to count: an order without prep time fits every slot.
        return order
    cap = pacing.max_prep_seconds_per_slot
    if load > cap:
        raise Conflict(
            f"This order needs {load} s of prep, more than the kitchen takes in one slot ({cap} s)",
            details={"next_available_at": None},
        )
    first = slot_start(pickup_at or now, pacing)
    if await tx.slots.take(restaurant.id, first, load, cap):
        return replace(order, paced_slot=first, paced_load=load)
    until = now + MAX_PICKUP_AHEAD
    after = first + pacing.slot
    for _ in range(_ATTEMPTS):
        loads = await tx.slots.loads(restaurant.id, after, until)
        slot = first_slot_with_room(loads, after, load, pacing, until, open_at)
        if slot is None or not accept_later:
            raise _full(slot, first)
        if await tx.slots.take(restaurant.id, slot, load, cap):
            return replace(order, pickup_at=slot, paced_slot=slot, paced_load=load)
        after = slot + pacing.slot
    raise Conflict("The kitchen's slots changed meanwhile; place the order again")


async def release_pacing(tx: Transaction, order: Order) -> None:
    """Give a cancelled order's load back to the slot it was counted in (none: nothing)."""
    if order.paced_slot is not None and order.paced_load:
        await tx.slots.give_back(order.restaurant_id, order.paced_slot, order.paced_load)
