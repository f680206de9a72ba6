"""The order status machine, and the order status that kitchen progress implies."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from restman_core.domain.kitchen import TicketStatus, order_status_from_tickets
from restman_core.domain.orders import (
    TERMINAL_ORDER_STATUSES,
    OrderStatus,
    can_transition,
    check_transition,
    parse_order_status,
)
from restman_core.errors import Conflict, InvalidInput
from tests.core.properties import PROPERTY

S = OrderStatus
# The documented machine (api-contract): one step forward, or CANCELLED from any open status.
FORWARD = {
    (S.PLACED, S.ACCEPTED),
    (S.ACCEPTED, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.READY),
    (S.READY, S.COMPLETED),
}
LEGAL = FORWARD | {(s, S.CANCELLED) for s in S if s not in TERMINAL_ORDER_STATUSES}
statuses = st.sampled_from(OrderStatus)


@pytest.mark.parametrize("current", list(OrderStatus))
@pytest.mark.parametrize("target", list(OrderStatus))
def test_only_the_documented_pairs_are_legal(current: S, target: S) -> None:
    legal = (current, target) in LEGAL
    assert can_transition(current, target) is legal
    if legal:
        check_transition(current, target)
    else:
        with pytest.raises(Conflict, match=f"from {current} to {target}"):
            check_transition(current, target)


@pytest.mark.parametrize("current", [s for s in S if s not in TERMINAL_ORDER_STATUSES])
def test_cancelled_is_reachable_from_every_open_status(current: S) -> None:
    assert can_transition(current, S.CANCELLED)


@PROPERTY
@given(st.lists(statuses, max_size=30))
def test_random_walks_never_leave_a_terminal_status(targets: list[S]) -> None:
    current = S.PLACED
    for target in targets:
        if current in TERMINAL_ORDER_STATUSES:
            assert not can_transition(current, target)
            continue
        if can_transition(current, target):
            assert (current, target) in LEGAL
            current = target
    if current in TERMINAL_ORDER_STATUSES:
        assert not any(can_transition(current, t) for t in S)


@PROPERTY
@given(statuses)
def test_statuses_parse_in_any_case(status: S) -> None:
    assert parse_order_status(status.lower()) is status
    assert parse_order_status(status.value) is status


def test_unknown_status_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        parse_order_status("SHIPPED")


T = TicketStatus
RANK = {T.NEW: 0, T.ACCEPTED: 1, T.IN_PROGRESS: 2, T.READY: 3, T.DELIVERED_TO_SERVICE: 4}
ticket_sets = st.lists(st.sampled_from(TicketStatus), min_size=1, max_size=6)


@PROPERTY
@given(ticket_sets)
def test_order_is_ready_only_when_every_live_ticket_is_ready(tickets: list[T]) -> None:
    live = [t for t in tickets if t is not T.CANCELLED]
    implied = order_status_from_tickets(tickets)
    all_ready = bool(live) and all(RANK[t] >= RANK[T.READY] for t in live)
    all_delivered = bool(live) and all(t is T.DELIVERED_TO_SERVICE for t in live)
    assert (implied in (S.READY, S.COMPLETED)) is all_ready
    assert (implied is S.COMPLETED) is all_delivered


@PROPERTY
@given(ticket_sets)
def test_kitchen_progress_below_ready(tickets: list[T]) -> None:
    live = [t for t in tickets if t is not T.CANCELLED]
    implied = order_status_from_tickets(tickets)
    if not live or all(t is T.NEW for t in live):
        assert implied is None
    elif not all(RANK[t] >= RANK[T.READY] for t in live):
        started = any(RANK[t] >= RANK[T.IN_PROGRESS] for t in live)
        assert implied is (S.IN_PROGRESS if started else S.ACCEPTED)


@PROPERTY
@given(ticket_sets, st.integers(min_value=0, max_value=3))
def test_cancelled_tickets_do_not_count(tickets: list[T], cancelled: int) -> None:
    assert order_status_from_tickets(tickets + [T.CANCELLED] * cancelled) == (
        order_status_from_tickets(tickets)
    )


def test_examples() -> None:
    assert order_status_from_tickets([T.READY, T.IN_PROGRESS]) is S.IN_PROGRESS
    assert order_status_from_tickets([T.READY, T.DELIVERED_TO_SERVICE]) is S.READY
    assert order_status_from_tickets([T.READY, T.CANCELLED]) is S.READY
    assert order_status_from_tickets([T.ACCEPTED, T.NEW]) is S.ACCEPTED
    assert order_status_from_tickets([T.CANCELLED]) is None
