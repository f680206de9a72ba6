"""The board's pure state: newest copy wins, resync never loses or resurrects tickets,
selection follows the cook, stations cycle, ages are coloured by the thresholds."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

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


def test_columns_are_oldest_first_and_numbers_follow_reading_order() -> None:
    board = Board()
    for t in (ticket("c", minutes=3), ticket("a", minutes=1), ticket("b", "READY", minutes=0)):
        board.upsert(t)
    assert [t.id for t in board.columns()["NEW"]] == ["a", "c"]
    assert [t.id for t in board.ordered()] == ["a", "c", "b"]
    assert board.select_number(3)
    assert board.selected_id == "b"
    assert not board.select_number(4)


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
