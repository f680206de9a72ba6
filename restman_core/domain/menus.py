"""Restaurants, categories and foods, and what makes a food orderable."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from restman_core.domain.money import parse_money
from restman_core.domain.pacing import Pacing
from restman_core.domain.schedule import WeeklyHours
from restman_core.domain.text import plain_text
from restman_core.errors import InvalidInput

DEFAULT_STATION = "kitchen"
MAX_NAME = 255
MAX_PHONE = 20
MAX_TEXT = 2000
MAX_STATION = 50
MAX_ALLERGENS = 20
MAX_ALLERGEN = 30
_ALLERGEN = re.compile(r"^[a-z0-9][a-z0-9 \-]*$")


@dataclass(frozen=True, slots=True)
class Restaurant:
    id: uuid.UUID
    owner_id: uuid.UUID
    name: str
    description: str | None
    address: str | None
    phone: str | None
    tax_rate: Decimal
    is_active: bool
    created_at: datetime
    updated_at: datetime
    timezone: str = "UTC"
    opening_hours: WeeklyHours | None = None
    # Fire a dine-in order's next course by itself once the previous one is delivered.
    auto_fire_courses: bool = False
    prices_include_tax: bool = False
    """VAT style: tax is taken out of the prices; a bill's total is the sum of its prices."""
    service_charge_rate: Decimal | None = None
    """Added to dine-in bills as its own, untaxed line; None: no service charge."""
    staff_discount_limit: Decimal | None = None
    """The largest discount staff may give, in percent of a bill's subtotal; None: none."""
    pacing: Pacing | None = None
    """How much prep work each time slot takes (see restman_core.domain.pacing); None: no
    pacing, every order is taken as it comes."""


@dataclass(frozen=True, slots=True)
class Category:
    id: uuid.UUID
    restaurant_id: uuid.UUID
    name: str
    description: str | None
    display_order: int
    station: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime
    available_hours: WeeklyHours | None = None
    # The course its foods are served in unless a food says otherwise (None: mains).
    course: int | None = None


@dataclass(frozen=True, slots=True)
class Food:
    id: uuid.UUID
    restaurant_id: uuid.UUID
    category_id: uuid.UUID
    name: str
    description: str | None
    price: Decimal
    is_available: bool
    stock_remaining: int | None
    prep_time_seconds: int | None
    station: str | None
    is_deleted: bool
    created_at: datetime
    updated_at: datetime
    modifier_group_ids: tuple[uuid.UUID, ...] = ()
    allergens: tuple[str, ...] = ()
    # 1 starters, 2 mains, 3 desserts; None: its category's course.
    course: int | None = None
    tax_rate: Decimal | None = None
    """Overrides the restaurant's rate (drinks at 20 %, food at 5 %); None: the restaurant's."""

    @property
    def in_stock(self) -> bool:
        """Untracked stock (None) is always in stock."""
        return self.stock_remaining is None or self.stock_remaining > 0


def station_for(food: Food, category: Category | None) -> str:
    """The kitchen station a food's items are cooked at: the food's own, else its category's,
    else ``kitchen``."""
    if food.station:
        return food.station
    if category is not None and category.station:
        return category.station
    return DEFAULT_STATION


def is_orderable(restaurant: Restaurant, category: Category | None, food: Food) -> bool:
    """A food can be ordered when its restaurant and category are active, it belongs to the
    restaurant, is not deleted, is available and in stock."""
    return (
        restaurant.is_active
        and food.restaurant_id == restaurant.id
        and category is not None
        and category.is_active
        and not food.is_deleted
        and food.is_available
        and food.in_stock
    )


def clean_name(value: object, *, field: str = "name") -> str:
    """A required display name: one line of 1..255 characters after trimming, without control
    characters (see :mod:`restman_core.domain.text`)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} is required", details={"field": field})
    text = value.strip()
    if len(text) > MAX_NAME:
        raise InvalidInput(
            f"{field} must be at most {MAX_NAME} characters", details={"field": field}
        )
    return plain_text(text, field=field)


def clean_text(
    value: object, *, field: str, limit: int = MAX_TEXT, multiline: bool = False
) -> str | None:
    """An optional free text without control characters; empty becomes None. ``multiline``
    fields (descriptions, addresses, instructions, notes) may also hold line breaks and tabs."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string", details={"field": field})
    text = value.strip()
    if len(text) > limit:
        raise InvalidInput(f"{field} must be at most {limit} characters", details={"field": field})
    return plain_text(text, field=field, multiline=multiline) or None


def clean_station(value: object, *, field: str = "station") -> str | None:
    """An optional station name, lower-cased (``grill``, ``bar``)."""
    text = clean_text(value, field=field, limit=MAX_STATION)
    return text.lower() if text else None


def clean_tax_rate(value: object, *, field: str = "tax_rate") -> Decimal:
    """A rate between 0 and 1 with at most four places (0.0825 for 8.25%)."""
    if isinstance(value, bool):
        raise InvalidInput(f"{field} must be a number", details={"field": field})
    try:
        rate = Decimal(str(value))
    except Exception as exc:
        raise InvalidInput(f"{field} must be a number", details={"field": field}) from exc
    if not rate.is_finite() or rate < 0 or rate > 1:
        raise InvalidInput(f"{field} must be between 0 and 1", details={"field": field})
    if rate != rate.quantize(Decimal("0.0001")):
        raise InvalidInput(
            f"{field} must have at most four decimal places", details={"field": field}
        )
    return rate.quantize(Decimal("0.0001"))


def clean_optional_rate(value: object, *, field: str) -> Decimal | None:
    """An optional rate (None clears it), as :func:`clean_tax_rate`."""
    return None if value is None else clean_tax_rate(value, field=field)


def clean_discount_limit(value: object) -> Decimal | None:
    """Staff's discount limit: a percent between 0 and 100 with at most two places, or None."""
    if value is None:
        return None
    limit = parse_money(value, field="staff_discount_limit")
    if limit > 100:
        raise InvalidInput(
            "staff_discount_limit must be between 0 and 100",
            details={"field": "staff_discount_limit"},
        )
    return limit


def clean_flag(value: object, *, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{field} must be true or false", details={"field": field})
    return value


def clean_non_negative_int(value: object, *, field: str, maximum: int = 1_000_000) -> int | None:
    """An optional whole number in 0..maximum."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be a whole number", details={"field": field})
    if value < 0 or value > maximum:
        raise InvalidInput(f"{field} must be between 0 and {maximum}", details={"field": field})
    return value


def clean_allergens(value: object, *, field: str = "allergens") -> tuple[str, ...]:
    """At most 20 short words (``gluten``, ``tree nuts``), lower-cased, each 1..30 letters,
    digits, spaces or hyphens; duplicates are dropped, order kept. None is no allergens."""
    if value is None:
        return ()
    if not isinstance(value, list | tuple) or len(value) > MAX_ALLERGENS:
        raise InvalidInput(
            f"{field} must be a list of at most {MAX_ALLERGENS} words", details={"field": field}
        )
    words: list[str] = []
    for raw in value:
        word = raw.strip().lower() if isinstance(raw, str) else ""
        if not word or len(word) > MAX_ALLERGEN or not _ALLERGEN.match(word):
            raise InvalidInput(
                f"{field}: each allergen is 1..{MAX_ALLERGEN} letters, digits, spaces or hyphens",
                details={"field": field},
            )
        if word not in words:
            words.append(word)
    return tuple(words)
