"""Pacing orders into the kitchen's time slots at placement, and giving a cancelled order's
load back (see :mod:`restman_core.domain.pacing` for the slot rule).

Both run inside the caller's unit of work. Counting an order's load in a slot is one atomic
statement on the slot's ledger row (:meth:`restman_core.ports.storage.SlotLedger.take`), so no
slot ever holds more than its cap, however many placements race for it.

That row is hot: every order of a busy slot writes it, so a process lets one paced placement
per restaurant at a time into the database
(:class:`restman_core.services.placement_gates.PlacementGates`); what is counted is decided by
the row alone.
"""

from __future__ import annotations

from collections.abc import Callable
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
