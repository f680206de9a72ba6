"""The board's pure state: newest copy wins, resync never loses or resurrects tickets,
selection follows the cook, stations cycle, ages are coloured by the thresholds."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from restman_tui.board import Board, Thresholds, format_age
from restman_tui.tickets import Ticket, TicketItem
from restman_tui.views import order_line

T0 = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)


def ticket(name: str, status: str = "NEW", minutes: int = 0, station: str = "grill") -> Ticket:
    return Ticket(
        id=name,
        order_id=f"order-{name}",
        order_number=name.upper(),
        restaurant_id="r",
        station=station,
        status=status,
        version=1,
        order_type="dine_in",
        table=None,
        items=(TicketItem("i1", "f1", "Burger", 1, None, False),),
        special_instructions=None,
        can_recall=False,
        created_at=T0 + timedelta(minutes=minutes),
        updated_at=T0,
    )


def test_an_older_copy_never_replaces_a_newer_one() -> None:
    board = Board()
    newer = replace(ticket("a"), status="ACCEPTED", version=3)
    assert board.upsert(newer)
    assert not board.upsert(replace(ticket("a"), version=2))
    assert not board.upsert(replace(newer))  # same version: nothing to do
    assert board.tickets["a"].status == "ACCEPTED"


def test_columns_are_oldest_first_and_numbers_are_given_on_first_sight() -> None:
    board = Board()
    for t in (ticket("c", minutes=3), ticket("a", minutes=1), ticket("b", "READY", minutes=0)):
        board.upsert(t)
    assert [t.id for t in board.columns()["NEW"]] == ["a", "c"]
    assert [t.id for t in board.ordered()] == ["a", "c", "b"]
    assert board.numbers == {"c": 1, "a": 2, "b": 3}
    assert board.select_number(3)
    assert board.selected_id == "b"
    assert not board.select_number(4)


def test_a_card_keeps_its_number_when_cards_before_it_leave() -> None:
    board = Board()
    board.begin_resync()
    board.finish_resync([ticket(name, minutes=n) for n, name in enumerate("abcd")])
    assert board.numbers == {"a": 1, "b": 2, "c": 3, "d": 4}
    board.upsert(replace(ticket("a"), status="DELIVERED_TO_SERVICE", version=2))
    board.upsert(replace(ticket("b"), status="ACCEPTED", version=2))
    assert board.numbers == {"b": 2, "c": 3, "d": 4}
    assert board.select_number(4)
    assert board.selected_id == "d"
    assert not board.select_number(1)  # freed: no card holds it
    board.upsert(ticket("e", minutes=9))  # the next ticket takes the smallest free number
    assert board.numbers["e"] == 1


def test_a_number_is_only_picked_among_the_shown_cards() -> None:
    board = Board()
    board.upsert(ticket("g", station="grill"))
    board.upsert(ticket("c", minutes=1, station="cold"))
    board.station = "cold"
    assert not board.select_number(1)  # the grill ticket holds 1 and is not shown
    assert board.select_number(2)
    assert board.selected_id == "c"


def test_picking_by_order_number_cycles_an_orders_tickets_and_refuses_ambiguity() -> None:
    board = Board()
    grill = replace(ticket("g"), order_id="o1", order_number="B408E2")
    cold = replace(ticket("c", minutes=1, station="cold"), order_id="o1", order_number="B408E2")
    other = replace(ticket("x", minutes=2), order_id="o2", order_number="B4F001")
    for t in (grill, cold, other):
        board.upsert(t)
    assert board.select_order("b4") is None  # two orders start with B4: type more
    assert [t.id for t in board.matching("#b4")] == ["g", "c", "x"]
    picked = board.select_order("#b408")
    assert picked is not None
    assert board.selected_id == "g"
    board.select_order("B408E2")  # again: the order's next ticket
    assert board.selected_id == "c"
    board.select_order("b408e2")
    assert board.selected_id == "g"
    assert board.select_order("b4f") is not None
    assert board.selected_id == "x"
    assert board.select_order("zz") is None
    assert board.selected_id == "x"
    assert board.select_order("  ") is None


def test_resync_drops_tickets_closed_meanwhile_but_keeps_ones_the_stream_just_brought() -> None:
    board = Board()
    board.upsert(ticket("closed"))
    board.upsert(ticket("kept"))
    board.begin_resync()
    board.upsert(ticket("arrived-during-fetch", minutes=5))
    unknown = board.finish_resync([ticket("kept"), ticket("missed", minutes=2)])
    assert [t.id for t in unknown] == ["missed"]
    assert sorted(t.id for t in board.ordered()) == ["arrived-during-fetch", "kept", "missed"]


def test_arrows_move_within_and_across_columns_skipping_empty_ones() -> None:
    board = Board()
    for t in (ticket("n1"), ticket("n2", minutes=1), ticket("r1", "READY")):
        board.upsert(t)
    board.move()
    assert board.selected_id == "n1"
    board.move(rows=1)
    assert board.selected_id == "n2"
    board.move(columns=1)  # ACCEPTED and IN_PROGRESS are empty
    assert board.selected_id == "r1"
    board.move(columns=-1)
    assert board.selected_id == "n1"


def test_selection_moves_on_when_the_selected_card_leaves() -> None:
    board = Board()
    board.upsert(ticket("a"))
    board.upsert(ticket("b", minutes=1))
    board.select("a")
    board.upsert(replace(ticket("a"), status="DELIVERED_TO_SERVICE", version=2))
    assert board.selected_id == "b"


def test_station_filter_cycles_all_then_each_station() -> None:
    board = Board(known_stations=("bar",))
    board.upsert(ticket("g", station="grill"))
    board.upsert(ticket("c", station="cold"))
    assert [board.cycle_station() for _ in range(4)] == ["bar", "cold", "grill", None]
    board.station = "cold"
    assert [t.id for t in board.ordered()] == ["c"]


def test_recall_stack_skips_tickets_that_can_no_longer_be_recalled() -> None:
    board = Board()
    board.upsert(replace(ticket("a"), can_recall=True, status="ACCEPTED", version=2))
    board.upsert(replace(ticket("b"), can_recall=True, status="ACCEPTED", version=2))
    board.remember_bump("a")
    board.remember_bump("b")
    board.upsert(replace(ticket("b"), can_recall=False, version=3))  # recalled elsewhere
    last = board.last_bumped()
    assert last is not None
    assert last.id == "a"


def test_age_levels_and_format() -> None:
    thresholds = Thresholds(yellow_after=5, red_after=10)
    assert thresholds.age_level(timedelta(minutes=4, seconds=59)) == "green"
    assert thresholds.age_level(timedelta(minutes=5)) == "yellow"
    assert thresholds.age_level(timedelta(minutes=10)) == "red"
    assert format_age(timedelta(minutes=3, seconds=7)) == "3:07"
    assert format_age(timedelta(hours=1, minutes=2, seconds=3)) == "1:02:03"
    assert format_age(timedelta(seconds=-5)) == "0:00"


def test_highlight_expires() -> None:
    board = Board()
    board.highlight("a", T0)
    assert board.is_highlighted("a", T0 + timedelta(seconds=30))
    assert not board.is_highlighted("a", T0 + timedelta(minutes=5))


def test_ticket_parses_the_api_view() -> None:
    parsed = Ticket.from_json(
        {
            "id": "t",
            "order_id": "o",
            "order_number": "ABC123",
            "restaurant_id": "r",
            "user_id": "u",
            "station": "grill",
            "status": "in_progress",
            "version": 4,
            "order_type": "takeaway",
            "table": None,
            "items": [
                {
                    "id": "i",
                    "order_item_id": "oi",
                    "food_id": "f",
                    "food_name": "Pie",
                    "quantity": 2,
                    "notes": "",
                    "done": True,
                }
            ],
            "special_instructions": None,
            "can_recall": True,
            "created_at": "2026-11-24T19:00:00Z",
            "updated_at": "2026-11-24T19:01:00.5+00:00",
            "ready_at": None,
        }
    )
    assert parsed.status == "IN_PROGRESS"
    assert parsed.version == 4
    assert parsed.created_at == T0
    assert parsed.items[0].notes is None
    assert parsed.items[0].done


def test_first_load_selects_the_first_card_in_reading_order() -> None:
    board = Board()
    board.begin_resync()
    board.finish_resync([ticket("ready", "READY", minutes=0), ticket("new", minutes=5)])
    assert board.selected_id == "new"


def test_table_labels_are_shown_as_the_restaurant_wrote_them() -> None:
    base = replace(ticket("Burger"), order_type="dine_in")
    assert order_line(replace(base, table="4")) == "Dine-in · T4"
    assert order_line(replace(base, table="T9")) == "Dine-in · T9"
    assert order_line(replace(base, table="Patio 3")) == "Dine-in · Patio 3"


# One step of a service: a new ticket, a bump, a ticket leaving the board, or a full reload.
_steps = st.one_of(
    st.tuples(st.just("open"), st.integers(0, 11)),
    st.tuples(st.just("bump"), st.integers(0, 11)),
    st.tuples(st.just("close"), st.integers(0, 11)),
    st.tuples(st.just("reload"), st.integers(0, 0)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_steps, max_size=60))
def test_numbers_never_change_and_never_collide_while_tickets_are_on_the_board(
    steps: list[tuple[str, int]],
) -> None:
    """Over any sequence of arrivals, bumps, departures and reloads: every ticket on the board
    has a number no other ticket on the board has, and it is the one it got on first sight."""
    board = Board()
    first_seen: dict[str, int] = {}
    for action, n in steps:
        name = f"t{n}"
        known = board.tickets.get(name)
        if action == "open" and known is None:
            board.upsert(ticket(name, minutes=n))
        elif action == "bump" and known is not None and known.on_board:
            following = {"NEW": "ACCEPTED", "ACCEPTED": "IN_PROGRESS", "IN_PROGRESS": "READY"}
            status = following.get(known.status, "DELIVERED_TO_SERVICE")
            board.upsert(replace(known, status=status, version=known.version + 1))
        elif action == "close" and known is not None:
            board.upsert(replace(known, status="CANCELLED", version=known.version + 1))
        elif action == "reload":
            board.begin_resync()
            board.finish_resync([t for t in board.tickets.values() if t.on_board])
        live = {t.id for t in board.tickets.values() if t.on_board}
        for gone in set(first_seen) - live:
            del first_seen[gone]
        assert set(board.numbers) == live
        assert len(set(board.numbers.values())) == len(live)
        for ticket_id in live:
            assert board.numbers[ticket_id] == first_seen.setdefault(
                ticket_id, board.numbers[ticket_id]
            )
