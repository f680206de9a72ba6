"""The modifier rules as pure functions, for any groups and any choices (hypothesis): a
choice is either refused naming a group or line, or it satisfies every attached group's
bounds, takes only available options of those groups, and prices the line as the food's price
plus the deltas (never below zero)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from restman_core.domain.modifiers import (
    ModifierGroup,
    ModifierOption,
    ModifierRequest,
    check_group,
    choose_modifiers,
    unit_price_with,
)
from restman_core.errors import InvalidInput

AT = datetime(2026, 12, 1, tzinfo=UTC)
deltas = st.integers(min_value=-300, max_value=300).map(lambda c: Decimal(c) / 100)


@st.composite
def groups(draw: st.DrawFn) -> ModifierGroup:
    group_id = uuid.UUID(int=draw(st.integers(min_value=1, max_value=2**64)))
    count = draw(st.integers(min_value=0, max_value=4))
    options = tuple(
        ModifierOption(
            id=uuid.UUID(int=group_id.int * 10 + i),
            group_id=group_id,
            name=f"o{i}",
            price_delta=draw(deltas),
            is_available=draw(st.booleans()),
            stock_remaining=draw(st.none() | st.integers(min_value=0, max_value=3)),
            position=i,
            is_deleted=draw(st.booleans()),
        )
        for i in range(count)
    )
    minimum = draw(st.integers(min_value=0, max_value=2))
    maximum = draw(st.none() | st.integers(min_value=1, max_value=3))
    return ModifierGroup(group_id, uuid.UUID(int=0), "g", minimum, maximum, options, False, AT, AT)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(groups(), max_size=3, unique_by=lambda g: g.id),
    st.data(),
    deltas.map(lambda d: abs(d) * 3),
)
def test_accepted_choices_keep_every_rule(
    attached: list[ModifierGroup], data: st.DataObject, price: Decimal
) -> None:
    by_id = {g.id: g for g in attached}
    every = [o for g in attached for o in g.options]
    requested = data.draw(
        st.lists(
            st.builds(
                ModifierRequest,
                option_id=st.sampled_from([o.id for o in every])
                if every
                else st.just(uuid.uuid4()),
                quantity=st.integers(min_value=1, max_value=2),
            ),
            max_size=4,
        )
    )
    refused: dict[str, object] | None = None
    try:
        chosen = choose_modifiers("Food", [g.id for g in attached], by_id, requested, line=0)
    except InvalidInput as error:
        refused, chosen = error.details or {}, ()
    if refused is not None:
        assert refused.get("field") == "modifiers"
        return
    for group in attached:
        taken = sum(c.quantity for c in chosen if c.group_id == group.id)
        assert taken >= group.min_selected
        assert group.max_selected is None or taken <= group.max_selected
    # Available and not deleted; stock is the stock take's to refuse.
    offered = {o.id for g in attached for o in g.options if o.is_available and not o.is_deleted}
    assert {c.option_id for c in chosen} <= offered
    assert len({c.option_id for c in chosen}) == len(chosen) == len(requested)
    expected = price + sum((c.price_delta * c.quantity for c in chosen), Decimal(0))
    assert unit_price_with(price, chosen) == max(Decimal("0.00"), expected)


@settings(max_examples=200, deadline=None)
@given(groups())
def test_a_group_that_passes_the_edit_rules_can_be_satisfied(group: ModifierGroup) -> None:
    try:
        check_group(group)
    except InvalidInput:
        return
    if group.is_required:
        # Taking its first orderable option as often as the minimum asks satisfies it.
        first = group.orderable_options[0]
        chosen = choose_modifiers(
            "Food",
            [group.id],
            {group.id: group},
            [ModifierRequest(first.id, group.min_selected)],
            line=0,
        )
        assert sum(c.quantity for c in chosen) == group.min_selected
