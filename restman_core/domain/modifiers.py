"""Modifier groups and their options ("Size", "Milk", "Extras"), and how an order line's
choices are checked and frozen.

The rules follow Square's modifier lists: a group has ``min_selected`` and ``max_selected``
(``min_selected >= 1`` makes it required), each option has a price delta (zero or negative
allowed: "small -1.00"), an availability flag and optional tracked stock. A group that could
never be satisfied (minimum above maximum, or required with no orderable option) is refused
when the menu is edited, so a customer never discovers it at checkout.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from restman_core.errors import InvalidInput

MAX_GROUPS_PER_FOOD = 20
MAX_OPTIONS_PER_GROUP = 50
MAX_SELECTED = 50
MAX_MODIFIER_QUANTITY = 10
MAX_PRICE_DELTA = Decimal("1000.00")
MAX_MODIFIER_NAME = 100


@dataclass(frozen=True, slots=True)
class ModifierOption:
    """One choice of a group. Deleted options stay stored (never orderable again), so that
    an edit of the group never reuses an id a placed order names."""

    id: uuid.UUID
    group_id: uuid.UUID
    name: str
    price_delta: Decimal
    is_available: bool
    stock_remaining: int | None
    position: int
    is_deleted: bool = False

    @property
    def orderable(self) -> bool:
        """Not deleted, available, and in stock (untracked stock is always in stock)."""
        return (
            not self.is_deleted
            and self.is_available
            and (self.stock_remaining is None or self.stock_remaining > 0)
        )


@dataclass(frozen=True, slots=True)
class ModifierGroup:
    id: uuid.UUID
    restaurant_id: uuid.UUID
    name: str
    min_selected: int
    max_selected: int | None
    options: tuple[ModifierOption, ...]
    is_deleted: bool
    created_at: datetime
    updated_at: datetime

    @property
    def live_options(self) -> tuple[ModifierOption, ...]:
        """The options not deleted, in display order."""
        return tuple(o for o in self.options if not o.is_deleted)

    @property
    def orderable_options(self) -> tuple[ModifierOption, ...]:
        return tuple(o for o in self.options if o.orderable)

    @property
    def is_required(self) -> bool:
        return self.min_selected >= 1


def check_group(group: ModifierGroup) -> None:
    """The edit-time rules: minimum not above maximum, at most 50 live options, and a
    required group keeps at least ``min_selected`` worth of orderable choices. Raises
    :class:`InvalidInput` naming the group."""
    where = {"group": group.name}
    if group.max_selected is not None and group.min_selected > group.max_selected:
        raise InvalidInput(
            f"modifier group {group.name!r}: min_selected ({group.min_selected}) is above "
            f"max_selected ({group.max_selected})",
            details={"field": "min_selected", **where},
        )
    if len(group.live_options) > MAX_OPTIONS_PER_GROUP:
        raise InvalidInput(
            f"modifier group {group.name!r} has more than {MAX_OPTIONS_PER_GROUP} options",
            details={"field": "options", **where},
        )
    if group.is_required and not group.orderable_options:
        raise InvalidInput(
            f"modifier group {group.name!r} is required but has no orderable option",
            details={"field": "options", **where},
        )


@dataclass(frozen=True, slots=True)
class ChosenModifier:
    """A modifier as an order line took it: names and price frozen at placement, so a later
    menu edit or a deleted option never changes a placed order."""

    option_id: uuid.UUID
    group_id: uuid.UUID
    group_name: str
    name: str
    price_delta: Decimal
    quantity: int

    @property
    def total_delta(self) -> Decimal:
        return self.price_delta * self.quantity


def chosen_from_json(data: Mapping[str, object]) -> ChosenModifier:
    """A frozen modifier back from its JSON view (event payloads, stored snapshots)."""
    return ChosenModifier(
        option_id=uuid.UUID(str(data["option_id"])),
        group_id=uuid.UUID(str(data["group_id"])),
        group_name=str(data["group_name"]),
        name=str(data["name"]),
        price_delta=Decimal(str(data["price_delta"])),
        quantity=int(str(data.get("quantity", 1))),
    )


@dataclass(frozen=True, slots=True)
class ModifierRequest:
    option_id: uuid.UUID
    quantity: int


def choose_modifiers(
    food_name: str,
    group_ids: Sequence[uuid.UUID],
    groups: Mapping[uuid.UUID, ModifierGroup],
    requested: Sequence[ModifierRequest],
    *,
    line: int,
) -> tuple[ChosenModifier, ...]:
    """Check one order line's choices against the food's attached groups and freeze them.

    Every option must belong to a live group attached to the food, not be deleted and be
    available (tracked stock is taken later, atomically, and running out is a Conflict);
    each attached group's selected quantity must lie within its min and max. Errors are
    :class:`InvalidInput` naming the line and the group. Choices come back in the food's
    group order, then the group's option order, so the kitchen reads them the same way each
    time."""
    attached = [groups[g] for g in group_ids if g in groups and not groups[g].is_deleted]
    owner: dict[uuid.UUID, tuple[ModifierGroup, ModifierOption]] = {
        o.id: (g, o) for g in attached for o in g.options
    }
    counts: dict[uuid.UUID, int] = {g.id: 0 for g in attached}
    picked: dict[uuid.UUID, int] = {}
    for choice in requested:
        found = owner.get(choice.option_id)
        if found is None:
            raise InvalidInput(
                f"items[{line}].modifiers: option {choice.option_id} is not offered with "
                f"{food_name}",
                details={"field": "modifiers", "line": line, "option_id": str(choice.option_id)},
            )
        group, option = found
        # Stock is left to the stock take, as for foods: running out is then a Conflict
        # whether the last unit went before this request or to a concurrent one.
        if option.is_deleted or not option.is_available:
            raise InvalidInput(
                f"items[{line}].modifiers: {option.name!r} of group {group.name!r} is not "
                "available",
                details={"field": "modifiers", "line": line, "group": group.name},
            )
        if choice.option_id in picked:
            raise InvalidInput(
                f"items[{line}].modifiers: {option.name!r} of group {group.name!r} is listed "
                "twice; use quantity",
                details={"field": "modifiers", "line": line, "group": group.name},
            )
        picked[choice.option_id] = choice.quantity
        counts[group.id] += choice.quantity
    for group in attached:
        count = counts[group.id]
        if count < group.min_selected or (
            group.max_selected is not None and count > group.max_selected
        ):
            raise InvalidInput(
                f"items[{line}].modifiers: group {group.name!r} needs "
                f"{_bounds(group)}, got {count}",
                details={"field": "modifiers", "line": line, "group": group.name},
            )
    return tuple(
        ChosenModifier(
            option_id=o.id,
            group_id=g.id,
            group_name=g.name,
            name=o.name,
            price_delta=o.price_delta,
            quantity=picked[o.id],
        )
        for g in attached
        for o in g.options
        if o.id in picked
    )


def _bounds(group: ModifierGroup) -> str:
    if group.max_selected is None:
        return f"at least {group.min_selected}"
    if group.min_selected == group.max_selected:
        return f"exactly {group.min_selected}"
    return f"{group.min_selected} to {group.max_selected}"


def unit_price_with(price: Decimal, chosen: Sequence[ChosenModifier]) -> Decimal:
    """The food's price plus its options' deltas (each times its quantity), never below zero:
    a negative delta lowers the price, it never pays the customer."""
    return max(Decimal("0.00"), price + sum((c.total_delta for c in chosen), Decimal("0.00")))
