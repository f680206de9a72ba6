"""The text forms a menu file gives a food's allergens, modifier groups and its category's
hours in, so that one flat row per food carries them in CSV as in JSON and YAML.

=================  ==========================================================================
field              form
=================  ==========================================================================
allergens          words separated by ``;`` (``milk; gluten``); JSON/YAML may give a list
modifiers          groups separated by `` | ``, each ``Name (min-max): option, option``; an
                   option is ``Name``, ``Name +0.50`` or ``Name -0.50``, optionally followed by
                   ``[86]`` (not available) and/or ``[stock N]``; ``(1-)`` has no maximum.
                   ``Size (1-1): Small -0.50, Medium, Large +0.50 | Milk (0-1): Oat milk +0.40``
category_hours     days separated by ``;``, each ``day HH:MM-HH:MM, HH:MM-HH:MM``
                   (``mon 07:00-11:00; sat 08:00-12:00``); an end before its start runs past
                   midnight
=================  ==========================================================================

Groups are the restaurant's, matched by name: every row naming a group must give it alike.
Names in these forms cannot hold ``|``, ``,``, ``;``, ``(`` or ``[``. Parsing raises
:class:`InvalidInput` naming the field; every value is then checked with the menu's own rules
(:mod:`restman_core.services.modifier_fields`, :mod:`restman_core.domain.schedule`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from restman_core.domain.menus import clean_allergens
from restman_core.domain.modifiers import ModifierGroup
from restman_core.domain.money import format_money
from restman_core.domain.schedule import WeeklyHours, parse_weekly_hours
from restman_core.errors import InvalidInput
from restman_core.services.modifier_fields import group_from

_GROUP = re.compile(
    r"^\s*(?P<name>[^|,;(\[]+?)\s*\(\s*(?P<min>\d+)\s*-\s*(?P<max>\d*)\s*\)\s*:(?P<options>.*)$"
)
_OPTION = re.compile(
    r"^\s*(?P<name>[^|,;(\[]+?)(?:\s+(?P<delta>[+-]\d+(?:\.\d{1,2})?))?(?P<flags>(?:\s*\[[^\]]*\])*)\s*$"
)
_FLAG = re.compile(r"\[([^\]]*)\]")
# Checking a spec builds a throwaway group; its id and time are never stored.
_CHECKED_AT = datetime(2000, 1, 1, tzinfo=UTC)
_RANGE = re.compile(r"^\s*(\d\d:\d\d)\s*-\s*(\d\d:\d\d)\s*$")


@dataclass(frozen=True, slots=True)
class OptionSpec:
    name: str
    price_delta: Decimal
    is_available: bool
    stock_remaining: int | None


@dataclass(frozen=True, slots=True)
class GroupSpec:
    """A modifier group as a menu file states it (checked with the menu's rules)."""

    name: str
    min_selected: int
    max_selected: int | None
    options: tuple[OptionSpec, ...]

    def fields(self) -> dict[str, Any]:
        """The group as the modifier use cases' request fields."""
        return {
            "name": self.name,
            "min_selected": self.min_selected,
            "max_selected": self.max_selected,
            "options": [
                {
                    "name": o.name,
                    "price_delta": str(o.price_delta),
                    "is_available": o.is_available,
                    "stock_remaining": o.stock_remaining,
                }
                for o in self.options
            ],
        }


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_allergens(value: object) -> tuple[str, ...]:
    if _blank(value):
        return ()
    if isinstance(value, str):
        value = [w for w in value.split(";") if w.strip()]
    return clean_allergens(value)


def format_allergens(allergens: Sequence[str]) -> str | None:
    return "; ".join(allergens) or None


def _option(text: str) -> OptionSpec:
    match = _OPTION.match(text)
    if match is None:
        raise InvalidInput(
            f"modifiers: cannot read option {text.strip()[:40]!r}", details={"field": "modifiers"}
        )
    available, stock = True, None
    for flag in _FLAG.findall(match["flags"] or ""):
        word = flag.strip().lower()
        if word == "86":
            available = False
        elif word.startswith("stock ") and word[6:].strip().isdigit():
            stock = int(word[6:].strip())
        else:
            raise InvalidInput(
                f"modifiers: unknown flag [{flag}] (use [86] or [stock N])",
                details={"field": "modifiers"},
            )
    return OptionSpec(match["name"], Decimal(match["delta"] or "0"), available, stock)


def parse_modifiers(value: object) -> tuple[GroupSpec, ...]:
    """The groups of the ``modifiers`` text, each checked with the modifier rules."""
    if _blank(value):
        return ()
    if not isinstance(value, str):
        raise InvalidInput("modifiers must be text", details={"field": "modifiers"})
    groups = []
    for part in value.split("|"):
        match = _GROUP.match(part)
        if match is None:
            raise InvalidInput(
                f"modifiers: cannot read group {part.strip()[:40]!r} "
                "(expected 'Name (min-max): option, option')",
                details={"field": "modifiers"},
            )
        options = tuple(_option(o) for o in match["options"].split(",") if o.strip())
        spec = GroupSpec(
            name=match["name"],
            min_selected=int(match["min"]),
            max_selected=int(match["max"]) if match["max"] else None,
            options=options,
        )
        _check(spec)
        groups.append(spec)
    names = [g.name.casefold() for g in groups]
    if len(set(names)) != len(names):
        raise InvalidInput("modifiers: a group is listed twice", details={"field": "modifiers"})
    return tuple(groups)


def _check(spec: GroupSpec) -> None:
    """The modifier rules (limits, prices, a required group with an orderable option)."""
    from datetime import UTC, datetime

    try:
        group_from(spec.fields(), None, UUID(int=0), True, datetime.now(UTC))
    except InvalidInput as error:
        raise InvalidInput(f"modifiers: {error.message}", details={"field": "modifiers"}) from None


def spec_of(group: ModifierGroup) -> GroupSpec:
    return GroupSpec(
        name=group.name,
        min_selected=group.min_selected,
        max_selected=group.max_selected,
        options=tuple(
            OptionSpec(o.name, o.price_delta, o.is_available, o.stock_remaining)
            for o in group.live_options
        ),
    )


def format_modifiers(groups: Sequence[GroupSpec]) -> str | None:
    parts = []
    for g in groups:
        options = []
        for o in g.options:
            text = o.name
            if o.price_delta:
                text += f" {'+' if o.price_delta > 0 else '-'}{format_money(abs(o.price_delta))}"
            if not o.is_available:
                text += " [86]"
            if o.stock_remaining is not None:
                text += f" [stock {o.stock_remaining}]"
            options.append(text)
        maximum = "" if g.max_selected is None else str(g.max_selected)
        parts.append(f"{g.name} ({g.min_selected}-{maximum}): {', '.join(options)}")
    return " | ".join(parts) or None


def parse_hours_text(value: object, *, field: str = "category_hours") -> WeeklyHours | None:
    if _blank(value):
        return None
    if not isinstance(value, str):
        return parse_weekly_hours(value, field=field)
    days: dict[str, list[list[str]]] = {}
    for part in value.split(";"):
        if not part.strip():
            continue
        day, _, ranges = part.strip().partition(" ")
        pairs = []
        for text in ranges.split(","):
            match = _RANGE.match(text)
            if match is None:
                raise InvalidInput(
                    f"{field}: cannot read {part.strip()[:40]!r} (expected 'mon 07:00-11:00')",
                    details={"field": field},
                )
            pairs.append([match[1], match[2]])
        days.setdefault(day.lower(), []).extend(pairs)
    return parse_weekly_hours(days, field=field)


def format_hours(hours: WeeklyHours | None) -> str | None:
    if hours is None:
        return None
    return "; ".join(
        f"{day} {', '.join(f'{a}-{b}' for a, b in ranges)}"
        for day, ranges in hours.as_json().items()
    )
