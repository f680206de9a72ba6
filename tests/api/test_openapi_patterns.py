"""The patterns the OpenAPI document states are exactly the core's rules: each is proven
against the parser it describes (restman_api/body_rules.py builds them from the core's
constants; tests/api/test_openapi_document.py checks that the document carries them)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from restman_api.body_rules import (
    EMAIL_DOCUMENTED,
    MANY_LINES_PATTERN,
    MONEY_PATTERN,
    NAME_PATTERN,
    ONE_LINE_PATTERN,
    PERCENT_PATTERN,
    POSITIVE_MONEY_PATTERN,
    PRICE_DELTA_PATTERN,
    RATE_PATTERN,
    code_pattern,
)
from restman_core.domain.auth import is_well_formed_code
from restman_core.domain.menus import clean_discount_limit, clean_name, clean_tax_rate
from restman_core.domain.money import parse_money
from restman_core.domain.text import plain_text
from restman_core.domain.users import MAX_EMAIL, normalise_email
from restman_core.errors import InvalidInput
from restman_core.services.modifier_fields import price_delta
from tests.core.properties import PROPERTY


class _Amount(msgspec.Struct):
    value: Decimal


def _through_msgspec(text: str) -> str | None:
    """The string the core's parser receives for a JSON string ``text`` in a Decimal field
    (what fields_of hands it), or None when msgspec already refuses it."""
    try:
        decoded = msgspec.json.decode(msgspec.json.encode({"value": text}), type=_Amount)
    except msgspec.ValidationError:
        return None
    return str(msgspec.to_builtins(decoded)["value"])


def _accepted(parse: Callable[[str], object], text: str) -> bool:
    passed = _through_msgspec(text)
    if passed is None:
        return False
    try:
        parse(passed)
    except InvalidInput:
        return False
    return True


PARSERS: list[tuple[str, Callable[[str], object], bool]] = [
    (MONEY_PATTERN, lambda v: parse_money(v), False),
    (POSITIVE_MONEY_PATTERN, lambda v: parse_money(v, allow_zero=False), False),
    (RATE_PATTERN, lambda v: clean_tax_rate(v), False),
    (PERCENT_PATTERN, clean_discount_limit, False),
    (PRICE_DELTA_PATTERN, lambda v: price_delta(v, field="price_delta"), True),
]
# Plain numerals: digits with at most one point (and a sign where the field takes one).
numerals = st.text(alphabet="0123456789.", max_size=16) | st.sampled_from(
    [
        "9999999999.99",
        "10000000000",
        "0009999999999.990",
        "9999999999.995",
        ".5",
        "5.",
        ".",
        "",
        "0",
        "0.00",
        "0.001",
        "1.010",
        "100.00",
        "100.01",
        "1.00001",
        "1.0000",
        "0.00005",
    ]
)


@PROPERTY
@given(text=numerals, sign=st.sampled_from(["", "-"]))
def test_money_patterns_match_exactly_what_the_parsers_accept(text: str, sign: str) -> None:
    for pattern, parse, signed in PARSERS:
        numeral = sign + text if signed else text
        documented = re.fullmatch(pattern, numeral) is not None
        assert documented == _accepted(parse, numeral), (pattern, numeral)


@PROPERTY
@given(st.data())
def test_every_numeral_a_pattern_allows_is_accepted(data: st.DataObject) -> None:
    for pattern, parse, _ in PARSERS:
        numeral = data.draw(st.from_regex(pattern, fullmatch=True))
        assert _accepted(parse, numeral), (pattern, numeral)


tricky = st.sampled_from(list("\t\n\r \x00\x1b\x7f\x85\xa0\u061c\u200e\u2028\u202e\u3000\ufeffa"))
texts = st.text(st.characters() | tricky, max_size=12)


@PROPERTY
@given(texts)
def test_text_patterns_match_exactly_what_the_core_accepts(text: str) -> None:
    for pattern, multiline in ((ONE_LINE_PATTERN, False), (MANY_LINES_PATTERN, True)):
        try:
            plain_text(text, field="text", multiline=multiline)
            accepted = True
        except InvalidInput:
            accepted = False
        assert (re.fullmatch(pattern, text) is not None) == accepted, (pattern, text)
    # A name the document allows is a name the core takes, and a name the core takes as sent
    # (nothing to trim) is one the document allows.
    try:
        named = clean_name(text) == text
    except InvalidInput:
        named = False
    if re.fullmatch(NAME_PATTERN, text):
        clean_name(text)
    if named:
        assert re.fullmatch(NAME_PATTERN, text), text


@PROPERTY
@given(st.emails() | st.text(st.characters() | tricky | st.sampled_from("@."), max_size=20))
def test_an_email_the_document_allows_is_one_the_core_takes(text: str) -> None:
    if re.fullmatch(EMAIL_DOCUMENTED, text) and len(text) <= MAX_EMAIL:
        normalise_email(text)


@PROPERTY
@given(st.text(st.characters() | st.sampled_from("0123456789"), max_size=8))
def test_the_code_pattern_is_the_codes_rule(text: str) -> None:
    assert (re.fullmatch(code_pattern(6), text) is not None) == is_well_formed_code(text, 6)


def test_text_patterns_judge_every_character_as_the_core_does() -> None:
    """Each character on its own, over the whole of Unicode: the document refuses exactly the
    characters the core refuses, and a name of one character is taken exactly when the core
    takes it (whitespace alone is blank)."""
    one_line, many_lines, name = (
        re.compile(p) for p in (ONE_LINE_PATTERN, MANY_LINES_PATTERN, NAME_PATTERN)
    )
    wrong: list[tuple[str, str]] = []
    for point in range(0x110000):
        if 0xD800 <= point <= 0xDFFF:
            continue  # surrogates are no characters of a JSON text
        c = chr(point)
        for pattern, multiline in ((one_line, False), (many_lines, True)):
            if (pattern.fullmatch(c) is not None) != _plain(c, multiline):
                wrong.append((pattern.pattern[:12], f"U+{point:04X}"))
        if (name.fullmatch(c) is not None) != _named(c):
            wrong.append(("name", f"U+{point:04X}"))
    assert not wrong


def _plain(text: str, multiline: bool) -> bool:
    try:
        plain_text(text, field="text", multiline=multiline)
    except InvalidInput:
        return False
    return True


def _named(text: str) -> bool:
    try:
        clean_name(text)
    except InvalidInput:
        return False
    return True
