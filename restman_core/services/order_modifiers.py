"""The modifiers of a placement: each line's choices checked against its food's groups, the
options' tracked stock taken in the placing transaction, and stock given back when an order
is cancelled before the kitchen started it."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence

from restman_core.domain.kitchen import TicketStatus
from restman_core.domain.menus import Food
from restman_core.domain.modifiers import ChosenModifier, ModifierGroup, choose_modifiers
from restman_core.domain.orders import Order, OrderStatus
from restman_core.errors import Conflict
from restman_core.ports.storage import Transaction
from restman_core.services.order_requests import OrderLine

# The kitchen has not started an order while it and all its tickets are at most ACCEPTED.
_NOT_STARTED = frozenset({OrderStatus.PLACED, OrderStatus.ACCEPTED})
_TICKETS_NOT_STARTED = frozenset({TicketStatus.NEW, TicketStatus.ACCEPTED, TicketStatus.CANCELLED})


async def choose_for_lines(
    tx: Transaction, lines: Sequence[OrderLine], foods: Mapping[uuid.UUID, Food]
) -> tuple[tuple[ChosenModifier, ...], ...]:
    """Every line's checked and frozen modifiers, in line order. The groups of all the
    order's foods are read in one round trip; a food without groups takes none."""
    wanted = frozenset(g for line in lines for g in foods[line.food_id].modifier_group_ids)
    groups: dict[uuid.UUID, ModifierGroup] = {}
    if wanted:
        groups = {g.id: g for g in await tx.modifiers.get_many(wanted)}
    return tuple(
        choose_modifiers(
            foods[line.food_id].name,
            foods[line.food_id].modifier_group_ids,
            groups,
            line.modifiers,
            line=position,
        )
        if foods[line.food_id].modifier_group_ids or line.modifiers
        else ()
        for position, line in enumerate(lines)
    )


def option_takes(
    quantities: tuple[int, ...], chosen: tuple[tuple[ChosenModifier, ...], ...]
) -> Counter[uuid.UUID]:
    """How many of each option the lines use: a modifier's quantity times its line's."""
    takes = Counter[uuid.UUID]()
    for quantity, mods in zip(quantities, chosen, strict=True):
        for m in mods:
            takes[m.option_id] += m.quantity * quantity
    return takes


async def take_option_stock(
    tx: Transaction, lines: Sequence[OrderLine], chosen: tuple[tuple[ChosenModifier, ...], ...]
) -> bool:
    """Take the options' tracked stock in the caller's unit of work (so together with the
    foods'); running short is a Conflict naming the options, and the whole unit aborts.
    Returns whether any tracked stock was taken (the public menu then changed)."""
    takes = option_takes(tuple(line.quantity for line in lines), chosen)
    if not takes:
        return False
    groups = await tx.modifiers.get_many(frozenset(m.group_id for mods in chosen for m in mods))
    tracked = {
        o.id: takes[o.id]
        for g in groups
        for o in g.options
        if o.id in takes and o.stock_remaining is not None
    }
    short = await tx.modifiers.take_stock(tracked)
    if short:
        names = sorted({m.name for mods in chosen for m in mods if m.option_id in short})
        raise Conflict(
            f"Not enough stock for: {', '.join(names)}",
            details={"option_ids": sorted(map(str, short))},
        )
    return bool(tracked)


async def give_stock_back(tx: Transaction, order: Order) -> bool:
    """Return the order's food and option stock when the kitchen had not started it (the
    order and every ticket at most ACCEPTED); untracked stock stays untracked. Returns whether
    anything was given back. Called in the cancelling unit of work, before the move."""
    if order.status not in _NOT_STARTED:
        return False
    if any(t.status not in _TICKETS_NOT_STARTED for t in await tx.tickets.for_order(order.id)):
        return False
    foods = Counter[uuid.UUID]()
    for item in order.items:
        foods[item.food_id] += item.quantity
    options = option_takes(
        tuple(i.quantity for i in order.items), tuple(i.modifiers for i in order.items)
    )
    await tx.foods.return_stock(foods)
    await tx.modifiers.return_stock(options)
    await tx.restaurants.menu_changed(order.restaurant_id)
    return True
