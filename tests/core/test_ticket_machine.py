"""The kitchen ticket machine: moves, recall of the last bump, item-level done flags, and the
version that every change increments (the compare-and-set token)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from restman_core.domain.kitchen import (
    CLOSED_TICKET_STATUSES,
    OPEN_TICKET_STATUSES,
    Ticket,
    TicketItem,
    TicketStatus,
    can_move,
    next_status,
)
from restman_core.errors import Conflict, NotFound
from tests.core.properties import PROPERTY

T = TicketStatus
START = datetime(2026, 1, 1, 12, tzinfo=UTC)
STEPS = {
    (T.NEW, T.ACCEPTED),
    (T.ACCEPTED, T.IN_PROGRESS),
    (T.IN_PROGRESS, T.READY),
    (T.READY, T.DELIVERED_TO_SERVICE),
}
LEGAL = (
    STEPS
    | {(s, T.DELIVERED_TO_SERVICE) for s in OPEN_TICKET_STATUSES}
    | {(s, T.CANCELLED) for s in OPEN_TICKET_STATUSES}
)


def new_ticket(status: T = T.NEW, items: int = 2) -> Ticket:
    return Ticket(
        id=uuid.uuid4(),
        order_id=uuid.uuid4(),
        restaurant_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        station="kitchen",
        status=status,
        version=1,
        order_type="dine_in",
        table="7",
        special_instructions=None,
        items=tuple(
            TicketItem(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), f"dish {n}", 1, None)
            for n in range(items)
        ),
        created_at=START,
        updated_at=START,
    )


@pytest.mark.parametrize("current", list(TicketStatus))
@pytest.mark.parametrize("target", list(TicketStatus))
def test_only_documented_moves_are_legal(current: T, target: T) -> None:
    legal = (current, target) in LEGAL
    assert can_move(current, target) is legal
    ticket = new_ticket(current)
    if legal:
        moved = ticket.moved_to(target, START)
        assert (moved.status, moved.recall_status, moved.version) == (target, current, 2)
    else:
        with pytest.raises(Conflict):
            ticket.moved_to(target, START)


@pytest.mark.parametrize("status", sorted(OPEN_TICKET_STATUSES))
def test_delivered_is_reachable_from_every_open_status(status: T) -> None:
    delivered = new_ticket(status).moved_to(T.DELIVERED_TO_SERVICE, START)
    assert delivered.status is T.DELIVERED_TO_SERVICE
    assert delivered.ready_at == START


@pytest.mark.parametrize("status", sorted(CLOSED_TICKET_STATUSES))
def test_closed_tickets_refuse_every_change(status: T) -> None:
    ticket = new_ticket(status)
    assert next_status(status) is None
    for target in TicketStatus:
        with pytest.raises(Conflict):
            ticket.moved_to(target, START)
    with pytest.raises(Conflict):
        ticket.with_item_done(ticket.items[0].id, True, START)


# An action: ("move", target) | ("recall", None) | ("done", item index, flag).
actions = st.one_of(
    st.tuples(st.just("move"), st.sampled_from(TicketStatus)),
    st.tuples(st.just("recall"), st.none()),
    st.tuples(st.just("done"), st.integers(0, 1), st.booleans()),
)


@PROPERTY
@given(st.lists(actions, max_size=25))
def test_each_change_adds_one_to_the_version_and_refusals_change_nothing(
    script: list[tuple[object, ...]],
) -> None:
    ticket = new_ticket()
    for step, action in enumerate(script, start=1):
        at = START + timedelta(seconds=step)
        before = ticket
        try:
            if action[0] == "move":
                target = action[1]
                assert isinstance(target, TicketStatus)
                ticket = ticket.moved_to(target, at)
                assert ticket.status is target
                assert ticket.recall_status is before.status
            elif action[0] == "recall":
                ticket = ticket.recalled(at)
                assert ticket.status is before.recall_status
                assert ticket.recall_status is None
            else:
                index, flag = action[1], action[2]
                assert isinstance(index, int)
                assert isinstance(flag, bool)
                ticket = ticket.with_item_done(ticket.items[index].id, flag, at)
                assert ticket.items[index].done is flag
                assert ticket.status is before.status
        except Conflict:
            assert ticket is before
            continue
        assert ticket.version == before.version + 1
        assert ticket.updated_at == at
        if before.status in CLOSED_TICKET_STATUSES and action[0] != "recall":
            pytest.fail(f"a closed ticket ({before.status}) accepted {action}")


@pytest.mark.parametrize("path", [[T.ACCEPTED], [T.ACCEPTED, T.IN_PROGRESS, T.READY]])
def test_recall_restores_the_previous_status(path: list[T]) -> None:
    ticket = new_ticket()
    for target in path:
        ticket = ticket.moved_to(target, START)
    previous = ticket.recall_status
    recalled = ticket.recalled(START + timedelta(minutes=1))
    assert recalled.status is previous
    assert recalled.version == ticket.version + 1
    # Only the last bump can be undone.
    with pytest.raises(Conflict, match="Nothing to recall"):
        recalled.recalled(START)


def test_recalling_a_delivered_ticket_brings_it_back_to_the_pass() -> None:
    ready = new_ticket().moved_to(T.ACCEPTED, START).moved_to(T.IN_PROGRESS, START)
    ready = ready.moved_to(T.READY, START + timedelta(minutes=5))
    delivered = ready.moved_to(T.DELIVERED_TO_SERVICE, START + timedelta(minutes=6))
    back = delivered.recalled(START + timedelta(minutes=7))
    assert back.status is T.READY
    assert back.ready_at == START + timedelta(minutes=5)
    # Recalling READY back to IN_PROGRESS clears the ready time.
    assert ready.recalled(START).ready_at is None


def test_cancelled_tickets_cannot_be_recalled() -> None:
    cancelled = new_ticket(T.ACCEPTED).moved_to(T.CANCELLED, START)
    with pytest.raises(Conflict):
        cancelled.recalled(START)


def test_items_of_another_ticket_are_not_found() -> None:
    with pytest.raises(NotFound):
        new_ticket().with_item_done(uuid.uuid4(), True, START)


def test_stale_version_is_a_conflict() -> None:
    ticket = new_ticket().moved_to(T.ACCEPTED, START)
    ticket.check_version(2)
    ticket.check_version(None)
    with pytest.raises(Conflict) as caught:
        ticket.check_version(1)
    assert caught.value.details == {"current_version": 2}
