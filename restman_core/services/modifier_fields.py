"""Building modifier groups from request fields: limits, prices, and which options an edit
keeps, adds or deletes. Shared by the modifier use cases and the menu import."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from restman_core.domain.ids import new_id, parse_id
from restman_core.domain.menus import clean_name, clean_non_negative_int
from restman_core.domain.modifiers import (
    MAX_MODIFIER_NAME,
    MAX_OPTIONS_PER_GROUP,
    MAX_PRICE_DELTA,
    MAX_SELECTED,
    ModifierGroup,
    ModifierOption,
    check_group,
)
from restman_core.domain.money import CENT
from restman_core.errors import InvalidInput
from restman_core.services.menu_common import Fields, pick


def modifier_name(value: object, *, field: str) -> str:
    name = clean_name(value, field=field)
    if len(name) > MAX_MODIFIER_NAME:
        raise InvalidInput(
            f"{field} must be at most {MAX_MODIFIER_NAME} characters", details={"field": field}
        )
    return name


def price_delta(value: object, *, field: str) -> Decimal:
    """A signed amount with at most two places, -1000.00..1000.00 (zero is fine)."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal | float):
        raise InvalidInput(f"{field} must be a number", details={"field": field})
    try:
        delta = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation as exc:
        raise InvalidInput(f"{field} must be a number", details={"field": field}) from exc
    if not delta.is_finite() or abs(delta) > MAX_PRICE_DELTA:
        raise InvalidInput(
            f"{field} must be between -{MAX_PRICE_DELTA} and {MAX_PRICE_DELTA}",
            details={"field": field},
        )
    if delta != delta.quantize(CENT):
        raise InvalidInput(
            f"{field} must have at most two decimal places", details={"field": field}
        )
    return delta.quantize(CENT) if delta else Decimal("0.00")


def _count(value: object, *, field: str, minimum: int) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not minimum <= value <= MAX_SELECTED
    ):
        raise InvalidInput(
            f"{field} must be a whole number between {minimum} and {MAX_SELECTED}",
            details={"field": field},
        )
    return value


def _options(
    raw: object, base: ModifierGroup | None, group_id: uuid.UUID
) -> tuple[ModifierOption, ...]:
    """The group's options after an edit: listed ones (by ``id`` when they name a current
    option, else new) in the order given; current options not listed are deleted (kept,
    flagged, never orderable again)."""
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise InvalidInput("options must be a list", details={"field": "options"})
    if len(raw) > MAX_OPTIONS_PER_GROUP:
        raise InvalidInput(
            f"a modifier group has at most {MAX_OPTIONS_PER_GROUP} options",
            details={"field": "options"},
        )
    current = {o.id: o for o in base.options} if base else {}
    kept: list[ModifierOption] = []
    for position, item in enumerate(raw):
        where = f"options[{position}]"
        if not isinstance(item, Mapping):
            raise InvalidInput(f"{where} must be an object", details={"field": "options"})
        known = None
        if item.get("id") is not None:
            known = current.get(parse_id(item["id"], what=f"{where}.id"))
            if known is None or known.is_deleted:
                raise InvalidInput(
                    f"{where}.id is not an option of this group", details={"field": "options"}
                )
        available = item.get("is_available", known.is_available if known else True)
        if not isinstance(available, bool):
            raise InvalidInput(
                f"{where}.is_available must be true or false", details={"field": "options"}
            )
        option = ModifierOption(
            id=known.id if known else new_id(),
            group_id=group_id,
            name=modifier_name(item.get("name"), field=f"{where}.name"),
            price_delta=price_delta(item.get("price_delta", "0.00"), field=f"{where}.price_delta"),
            is_available=available,
            stock_remaining=clean_non_negative_int(
                item.get("stock_remaining", known.stock_remaining if known else None),
                field=f"{where}.stock_remaining",
            ),
            position=position,
        )
        if any(o.name.casefold() == option.name.casefold() for o in kept):
            raise InvalidInput(f"{where}.name is listed twice", details={"field": "options"})
        kept.append(option)
    listed = {o.id for o in kept}
    gone = [
        replace(o, is_deleted=True, position=len(kept) + i)
        for i, o in enumerate(o for o in current.values() if o.id not in listed)
    ]
    return (*kept, *gone)


def group_from(
    fields: Fields,
    base: ModifierGroup | None,
    restaurant_id: uuid.UUID,
    replace_all: bool,
    now: datetime,
) -> ModifierGroup:
    """A modifier group built from request fields: new (``base`` None), replaced (PUT: omitted
    fields take their defaults, omitted options are deleted) or patched (PATCH: omitted fields
    and options kept). The edit-time rules of :func:`check_group` apply."""
    group_id = base.id if base else new_id()
    minimum = _count(
        pick(
            fields,
            "min_selected",
            base.min_selected if base else 0,
            replace_all=replace_all,
            default=0,
        ),
        field="min_selected",
        minimum=0,
    )
    raw_max: Any = pick(
        fields, "max_selected", base.max_selected if base else None, replace_all=replace_all
    )
    maximum = None if raw_max is None else _count(raw_max, field="max_selected", minimum=1)
    if "options" in fields or base is None or replace_all:
        options = _options(fields.get("options", []), base, group_id)
    else:
        options = base.options
    group = ModifierGroup(
        id=group_id,
        restaurant_id=restaurant_id,
        name=modifier_name(fields.get("name", base.name if base else None), field="name"),
        min_selected=minimum,
        max_selected=maximum,
        options=options,
        is_deleted=False,
        created_at=base.created_at if base else now,
        updated_at=now,
    )
    check_group(group)
    return group
