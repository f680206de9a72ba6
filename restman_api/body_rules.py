"""What the OpenAPI document says about request-body values beyond their JSON type.

The core enforces the rules (lengths, ranges, money spelling, text without control
characters); this module states them to clients, built from the core's own constants so the
two cannot drift. A rule rides on a body field's annotation (``Annotated[str, Rule(...)]``):
msgspec ignores it, so decoding is unchanged and every refusal still comes from the core with
its own message, and :class:`restman_api.bodies.StrictBodySchemas` copies it into the field's
schema. A documented rule is never looser than the core: every value it allows, the core
accepts (tests/api/test_openapi_patterns.py proves the patterns against the core's parsers).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import available_timezones

from litestar.openapi.spec import OpenAPIType, Schema

from restman_core.domain.bill_split import MAX_PARTS
from restman_core.domain.courses import COURSES
from restman_core.domain.menus import (
    MAX_ALLERGEN,
    MAX_ALLERGENS,
    MAX_NAME,
    MAX_PHONE,
    MAX_STATION,
    MAX_TEXT,
)
from restman_core.domain.modifiers import (
    MAX_GROUPS_PER_FOOD,
    MAX_MODIFIER_NAME,
    MAX_MODIFIER_QUANTITY,
    MAX_OPTIONS_PER_GROUP,
    MAX_PRICE_DELTA,
    MAX_SELECTED,
)
from restman_core.domain.money import CENT, MAX_AMOUNT
from restman_core.domain.orders import MAX_LINES, MAX_QUANTITY, MIN_QUANTITY
from restman_core.domain.pacing import (
    MAX_PREP_SECONDS_PER_SLOT,
    MAX_SLOT_MINUTES,
    MIN_SLOT_MINUTES,
)
from restman_core.domain.schedule import DAYS, MAX_RANGES_PER_DAY, MAX_TIMEZONE
from restman_core.domain.users import EMAIL_PATTERN, MAX_EMAIL
from restman_core.services.bill_changes import MAX_REASON
from restman_core.services.order_requests import (
    MAX_ALLERGY_NOTE,
    MAX_IDEMPOTENCY_KEY,
    MAX_MODIFIERS_PER_LINE,
    MAX_TABLE,
)


@dataclass(frozen=True, slots=True)
class Rule:
    """Schema keywords for one value (litestar's ``Schema`` attribute names: ``max_length``,
    ``pattern``, ...); ``items`` applies to an array's items, ``values`` to an object's values.
    On an optional field (``X | None``) it applies to the non-null alternative."""

    keywords: tuple[tuple[str, Any], ...] = ()
    items: Rule | None = None
    values: Rule | None = None

    def apply(self, schema: Schema) -> None:
        """Write the keywords into ``schema`` (in place), and the nested rules into its
        ``items`` and ``additional_properties`` schemas when it has them."""
        for name, value in self.keywords:
            if callable(value) and not isinstance(value, Rule):  # schemas, built when used
                value = value()
            elif isinstance(value, tuple):
                value = [_schema_of(v) if isinstance(v, Rule) else v for v in value]
            elif isinstance(value, Rule):  # a keyword that takes a schema (property_names)
                value = _schema_of(value)
            setattr(schema, name, value)
        if self.items is not None and isinstance(schema.items, Schema):
            self.items.apply(schema.items)
        if self.values is not None and isinstance(schema.additional_properties, Schema):
            self.values.apply(schema.additional_properties)


def _schema_of(string: Rule) -> Schema:
    """The schema of a string that keeps ``string``'s rule."""
    schema = Schema(type=OpenAPIType.STRING)
    string.apply(schema)
    return schema


def rule(*, items: Rule | None = None, values: Rule | None = None, **keywords: Any) -> Rule:
    """A :class:`Rule` from keyword arguments (lists are kept as tuples: annotations are
    hashed)."""
    frozen = {k: tuple(v) if isinstance(v, list) else v for k, v in keywords.items()}
    return Rule(tuple(sorted(frozen.items())), items, values)


# Text -------------------------------------------------------------------------------------
# restman_core.domain.text refuses every C0/C1 control character (Unicode category Cc: U+0000
# to U+001F and U+007F to U+009F), the bidi controls and, on one line, the line separators;
# multi-line fields accept LF and tab, and CR only as part of CRLF. Values are trimmed (Python's
# str.strip) before the length and emptiness checks, so a raw maxLength is never looser.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_C0_BUT_TAB_LF = "\x00-\x08\x0b-\x1f"
_REFUSED_ON_ONE_LINE = f"\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029"
_REFUSED_ON_MANY_LINES = f"{_C0_BUT_TAB_LF}\x7f-\x9f{_BIDI}"
# What str.strip removes that one-line text may hold; a required name needs one other character.
_BLANK = " \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"


def _escaped(characters: str) -> str:
    """A character-class body with every character spelled ``\\uXXXX`` (the same in Python's
    and in ECMA-262's regular expressions, so every validator reads it alike)."""
    return "".join("-" if c == "-" else f"\\u{ord(c):04x}" for c in characters)


ONE_LINE_PATTERN = f"^[^{_escaped(_REFUSED_ON_ONE_LINE)}]*$"
MANY_LINES_PATTERN = f"^(?:[^{_escaped(_REFUSED_ON_MANY_LINES)}\\u000d]|\\u000d\\u000a)*$"
NAME_PATTERN = (
    f"^[^{_escaped(_REFUSED_ON_ONE_LINE)}]*"
    f"[^{_escaped(_REFUSED_ON_ONE_LINE + _BLANK)}]"
    f"[^{_escaped(_REFUSED_ON_ONE_LINE)}]*$"
)
# Python's \S is what str.strip keeps: a key with one such character is not blank.
NOT_BLANK_PATTERN = r"\S"


def one_line(limit: int) -> Rule:
    """An optional one-line text of at most ``limit`` characters."""
    return rule(max_length=limit, pattern=ONE_LINE_PATTERN)


def many_lines(limit: int) -> Rule:
    """An optional multi-line text (LF, CRLF and tabs allowed) of at most ``limit``
    characters."""
    return rule(max_length=limit, pattern=MANY_LINES_PATTERN)


def name_of(limit: int) -> Rule:
    """A required one-line name: 1..``limit`` characters, not blank."""
    return rule(min_length=1, max_length=limit, pattern=NAME_PATTERN)


# Numbers written as strings ----------------------------------------------------------------
# The core reads them with decimal.Decimal after msgspec has read the JSON string; spelled as
# plain numerals (digits and at most one point), the patterns below match exactly the strings
# the core accepts. Decimal also reads other spellings (exponents, signs, surrounding spaces)
# that the document leaves out.


def _digits_and_places(largest: Decimal) -> tuple[int, int]:
    """The integer digits and places of an all-nines bound (9999999999.99 -> (10, 2)), which
    is what lets a digit count state the bound exactly."""
    sign, digits, exponent = largest.as_tuple()
    if not isinstance(exponent, int) or sign or set(digits) != {9}:
        raise ValueError(f"{largest} is not an all-nines bound")
    return len(digits) + exponent, -exponent


def _nonzero_fraction(places: int) -> str:
    """At most ``places`` significant places, not all zero (``[1-9][0-9]{0,1}|0[1-9]``)."""
    return "|".join(f"{'0' * k}[1-9][0-9]{{0,{places - 1 - k}}}" for k in range(places))


def amount_pattern(largest: Decimal, *, zero: bool) -> str:
    """Plain numerals from 0 (or from one unit of the last place, without ``zero``) to the
    all-nines ``largest`` with at most its places; leading and trailing zeros allowed."""
    whole, places = _digits_and_places(largest)
    fraction = f"(?:\\.[0-9]{{0,{places}}}0*)?"
    if zero:
        return f"^(?:0*[0-9]{{1,{whole}}}{fraction}|0*\\.[0-9]{{1,{places}}}0*)$"
    return f"^(?:0*[1-9][0-9]{{0,{whole - 1}}}{fraction}|0*\\.(?:{_nonzero_fraction(places)})0*)$"


def bounded_pattern(largest: Decimal, places: int, *, signed: bool = False) -> str:
    """Plain numerals from 0 to ``largest`` (a power of ten: 1, 100, 1000) with at most
    ``places`` places; with ``signed``, from -``largest`` on (a leading ``-``)."""
    exponent = len(str(int(largest))) - 1
    if largest != 10**exponent:
        raise ValueError(f"{largest} is not a power of ten")
    fraction = f"(?:\\.[0-9]{{0,{places}}}0*)?"
    below = (
        f"0*[0-9]{{1,{exponent}}}{fraction}" if exponent else f"0+{fraction}"
    ) + f"|0*\\.[0-9]{{1,{places}}}0*"
    return f"^{'-?' if signed else ''}(?:0*{int(largest)}(?:\\.0*)?|{below})$"


MONEY_PATTERN = amount_pattern(MAX_AMOUNT, zero=True)
POSITIVE_MONEY_PATTERN = amount_pattern(MAX_AMOUNT, zero=False)
MONEY_PLACES = -int(CENT.as_tuple().exponent)
# restman_core.domain.menus.clean_tax_rate: 0..1, four places.
RATE_PATTERN = bounded_pattern(Decimal(1), 4)
PERCENT_PATTERN = bounded_pattern(Decimal(100), MONEY_PLACES)
PRICE_DELTA_PATTERN = bounded_pattern(MAX_PRICE_DELTA, MONEY_PLACES, signed=True)
# restman_core.domain.schedule: HH:MM, and 24:00 as the end of a range only.
START_PATTERN = "^(?:[01][0-9]|2[0-3]):[0-5][0-9]$"
END_PATTERN = "^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"

# Annotated types for body fields -----------------------------------------------------------

Money = Annotated[Decimal, rule(pattern=MONEY_PATTERN)]
"""An amount of 0.00 or more (prices, tips)."""
PositiveMoney = Annotated[Decimal, rule(pattern=POSITIVE_MONEY_PATTERN)]
"""An amount above zero (payments, refunds, discounts, split amounts)."""
Rate = Annotated[Decimal, rule(pattern=RATE_PATTERN)]
"""A rate from 0 to 1 with at most four places (0.0825 for 8.25 %)."""
Percent = Annotated[Decimal, rule(pattern=PERCENT_PATTERN)]
PriceDelta = Annotated[Decimal, rule(pattern=PRICE_DELTA_PATTERN)]

Name = Annotated[str, name_of(MAX_NAME)]
ModifierName = Annotated[str, name_of(MAX_MODIFIER_NAME)]
Reason = Annotated[str, name_of(MAX_REASON)]
LongText = Annotated[str, many_lines(MAX_TEXT)]
"""Descriptions, addresses, special instructions."""
ItemNote = Annotated[str, many_lines(500)]
AllergyNote = Annotated[str, one_line(MAX_ALLERGY_NOTE)]
Station = Annotated[str, one_line(MAX_STATION)]
Phone = Annotated[str, one_line(MAX_PHONE)]
Table = Annotated[str, one_line(MAX_TABLE)]
TableName = Annotated[str, name_of(MAX_TABLE)]
Timezone = Annotated[
    str,
    rule(
        max_length=MAX_TIMEZONE,
        enum=sorted(z for z in available_timezones() if len(z) <= MAX_TIMEZONE),
    ),
]
"""An IANA zone name the system knows (restman_core.domain.schedule.clean_timezone)."""
# restman_core.domain.users.normalise_email trims, lower-cases and matches EMAIL_PATTERN, and
# refuses control characters. The document states the same expression with its "no space or @"
# class also refusing what ECMA-262's \\s lets through but Python's refuses (U+001C..U+001F,
# U+0085), control characters, and U+0130, the one character that lower-cases to two (the
# length limits count the lower-cased address).
EMAIL_DOCUMENTED = EMAIL_PATTERN.replace("[^@\\s]", "[^@\\s\\u0000-\\u001f\\u007f\\u0085\\u0130]")
Email = Annotated[str, rule(format="email", max_length=MAX_EMAIL, pattern=EMAIL_DOCUMENTED)]
IdText = Annotated[str, rule(format="uuid")]
"""An id the core parses itself (so a malformed one gets the core's message)."""

Quantity = Annotated[int, rule(minimum=MIN_QUANTITY, maximum=MAX_QUANTITY)]
ModifierQuantity = Annotated[int, rule(minimum=1, maximum=MAX_MODIFIER_QUANTITY)]
Stock = Annotated[int, rule(minimum=0, maximum=1_000_000)]
PrepSeconds = Annotated[int, rule(minimum=0, maximum=86_400)]
DisplayOrder = Annotated[int, rule(minimum=-1_000_000, maximum=1_000_000)]
Course = Annotated[int, rule(enum=list(COURSES))]
MinSelected = Annotated[int, rule(minimum=0, maximum=MAX_SELECTED)]
MaxSelected = Annotated[int, rule(minimum=1, maximum=MAX_SELECTED)]
PartCount = Annotated[int, rule(minimum=2, maximum=MAX_PARTS)]
SlotMinutes = Annotated[int, rule(minimum=MIN_SLOT_MINUTES, maximum=MAX_SLOT_MINUTES)]
SlotPrepSeconds = Annotated[int, rule(minimum=1, maximum=MAX_PREP_SECONDS_PER_SLOT)]

Allergens = Annotated[
    list[str],
    rule(
        max_items=MAX_ALLERGENS,
        items=rule(min_length=1, max_length=MAX_ALLERGEN, pattern="^[a-zA-Z0-9][a-zA-Z0-9 -]*$"),
    ),
]
GroupIds = Annotated[list[uuid.UUID], rule(max_items=MAX_GROUPS_PER_FOOD, unique_items=True)]


def _a_day_with_a_range() -> list[Schema]:
    """One of the days has at least one range (parse_weekly_hours refuses a week that is
    never open)."""
    return [
        Schema(required=[day], properties={day: Schema(type=OpenAPIType.ARRAY, min_items=1)})
        for day in DAYS
    ]


Hours = Annotated[
    dict[str, list[list[str]]],
    rule(
        min_properties=1,
        any_of=_a_day_with_a_range,
        property_names=rule(enum=list(DAYS)),
        values=rule(
            max_items=MAX_RANGES_PER_DAY,
            items=rule(
                min_items=2,
                max_items=2,
                prefix_items=[rule(pattern=START_PATTERN), rule(pattern=END_PATTERN)],
            ),
        ),
    ),
]
"""``{"mon": [["07:00", "11:00"]], ...}``: days, each with up to six [start, end] ranges."""
ItemGroups = Annotated[
    list[list[str]],
    rule(min_items=2, max_items=MAX_PARTS, items=rule(min_items=1, items=rule(format="uuid"))),
]
PartAmounts = Annotated[
    list[Decimal],
    rule(min_items=2, max_items=MAX_PARTS, items=rule(pattern=POSITIVE_MONEY_PATTERN)),
]
ItemIds = Annotated[list[str], rule(min_items=1, items=rule(format="uuid"))]
LINES = rule(min_items=1, max_items=MAX_LINES)
MODIFIERS = rule(max_items=MAX_MODIFIERS_PER_LINE)
OPTIONS = rule(max_items=MAX_OPTIONS_PER_GROUP)
IDEMPOTENCY_KEY = {"pattern": NOT_BLANK_PATTERN, "maxLength": MAX_IDEMPOTENCY_KEY}


def code_pattern(length: int) -> str:
    """A sign-in code: exactly ``length`` ASCII digits."""
    return f"^[0-9]{{{length}}}$"
