"""Building restaurants from request fields with the domain's rules, and the PUT (replace)
versus PATCH (merge) semantics. Used by the menu use cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from restman_core.domain.access import Actor
from restman_core.domain.ids import new_id
from restman_core.domain.menus import Restaurant, clean_name, clean_tax_rate, clean_text
from restman_core.domain.pacing import parse_pacing
from restman_core.domain.schedule import clean_timezone, parse_weekly_hours
from restman_core.errors import InvalidInput
from restman_core.services.menu_common import Fields, pick
from restman_core.services.menu_fields import money_settings


def new_restaurant(
    actor: Actor, fields: Fields, default_tax_rate: Decimal, now: datetime
) -> Restaurant:
    """A new active restaurant owned by ``actor``: UTC, always open and not paced unless
    ``timezone``, ``opening_hours`` and ``pacing`` say otherwise."""
    return Restaurant(
        id=new_id(),
        owner_id=actor.user_id,
        name=clean_name(fields.get("name")),
        description=clean_text(fields.get("description"), field="description", multiline=True),
        address=clean_text(fields.get("address"), field="address", multiline=True),
        phone=clean_text(fields.get("phone"), field="phone", limit=20),
        tax_rate=clean_tax_rate(fields.get("tax_rate", default_tax_rate)),
        is_active=True,
        created_at=now,
        updated_at=now,
        timezone=clean_timezone(fields.get("timezone")),
        opening_hours=parse_weekly_hours(fields.get("opening_hours"), field="opening_hours"),
        auto_fire_courses=auto_fire_from(fields, None, replace_all=False),
        pacing=parse_pacing(fields.get("pacing")),
        **money_settings(fields, None, replace_all=True),
    )


def restaurant_updated(
    current: Restaurant,
    fields: Fields,
    replace_all: bool,
    default_tax_rate: Decimal,
    now: datetime,
) -> Restaurant:
    """``current`` after a PUT (``replace_all``: omitted optional fields cleared, the zone back
    to UTC, always open, no pacing) or a PATCH (omitted fields kept)."""

    def given(name: str, value: object, default: object = None) -> object:
        return pick(fields, name, value, replace_all=replace_all, default=default)

    hours = current.opening_hours.as_json() if current.opening_hours else None
    return replace(
        current,
        name=clean_name(fields.get("name", current.name)),
        description=clean_text(
            given("description", current.description), field="description", multiline=True
        ),
        address=clean_text(given("address", current.address), field="address", multiline=True),
        phone=clean_text(given("phone", current.phone), field="phone", limit=20),
        tax_rate=clean_tax_rate(given("tax_rate", current.tax_rate, default_tax_rate)),
        updated_at=now,
        timezone=clean_timezone(given("timezone", current.timezone)),
        opening_hours=parse_weekly_hours(given("opening_hours", hours), field="opening_hours"),
        auto_fire_courses=auto_fire_from(fields, current, replace_all=replace_all),
        pacing=parse_pacing(given("pacing", current.pacing)),
        **money_settings(fields, current, replace_all=replace_all),
    )


def auto_fire_from(fields: Fields, base: Restaurant | None, *, replace_all: bool) -> bool:
    """The restaurant's ``auto_fire_courses`` from request fields (off unless sent)."""
    value = pick(
        fields,
        "auto_fire_courses",
        base.auto_fire_courses if base else False,
        replace_all=replace_all,
        default=False,
    )
    if not isinstance(value, bool):
        raise InvalidInput(
            "auto_fire_courses must be true or false", details={"field": "auto_fire_courses"}
        )
    return value
