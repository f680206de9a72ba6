"""JSON-ready views of the menu's depth: modifier groups and options, the frozen modifiers
of order and ticket lines, and a food's groups as the public menu shows them. Shapes follow
:mod:`restman_core.views` (money as two-place strings, ids as strings)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from restman_core.domain.clock import format_timestamp
from restman_core.domain.modifiers import ChosenModifier, ModifierGroup, ModifierOption
from restman_core.domain.money import format_money

Json = dict[str, Any]


def option_view(o: ModifierOption) -> Json:
    return {
        "id": str(o.id),
        "group_id": str(o.group_id),
        "name": o.name,
        "price_delta": format_money(o.price_delta),
        "is_available": o.is_available,
        "stock_remaining": o.stock_remaining,
    }


def group_view(g: ModifierGroup, *, orderable_only: bool = False) -> Json:
    """A group with its live options (the staff's view), or only its orderable ones (the
    customers' view, ``orderable_only``)."""
    options = g.orderable_options if orderable_only else g.live_options
    return {
        "id": str(g.id),
        "restaurant_id": str(g.restaurant_id),
        "name": g.name,
        "min_selected": g.min_selected,
        "max_selected": g.max_selected,
        "options": [option_view(o) for o in options],
        "created_at": format_timestamp(g.created_at),
        "updated_at": format_timestamp(g.updated_at),
    }


def chosen_view(c: ChosenModifier) -> Json:
    """A modifier as the line took it: the names and price frozen at placement."""
    return {
        "option_id": str(c.option_id),
        "group_id": str(c.group_id),
        "group_name": c.group_name,
        "name": c.name,
        "price_delta": format_money(c.price_delta),
        "quantity": c.quantity,
    }


def chosen_views(chosen: Sequence[ChosenModifier]) -> list[Json]:
    return [chosen_view(c) for c in chosen]


def modifier_label(c: ChosenModifier) -> str:
    """One line for tickets and mails: ``+ Oat milk (+0.40)``, ``− No onions``, ``+ 2× Shot``.
    A negative or zero-priced "no ..." option reads as a removal."""
    sign = "−" if c.name.lower().startswith(("no ", "without ")) else "+"
    count = f"{c.quantity}× " if c.quantity > 1 else ""
    price = ""
    if c.price_delta:
        price = f" ({'+' if c.price_delta > 0 else '−'}{format_money(abs(c.price_delta))})"
    return f"{sign} {count}{c.name}{price}"


def line_label(food_name: str, chosen: Sequence[ChosenModifier]) -> str:
    """A line's name with its modifiers, for mails: ``Coffee (Large +0.50, Oat milk +0.40)``;
    the food's name alone when it took none."""
    if not chosen:
        return food_name
    parts = []
    for c in chosen:
        count = f"{c.quantity}× " if c.quantity > 1 else ""
        price = ""
        if c.price_delta:
            price = f" {'+' if c.price_delta > 0 else '−'}{format_money(abs(c.price_delta))}"
        parts.append(f"{count}{c.name}{price}")
    return f"{food_name} ({', '.join(parts)})"


def food_groups_view(group_ids: Sequence[Any], groups: Mapping[Any, ModifierGroup]) -> list[Json]:
    """A food's attached groups in its order, with their orderable options."""
    return [
        group_view(groups[g], orderable_only=True)
        for g in group_ids
        if g in groups and not groups[g].is_deleted
    ]
