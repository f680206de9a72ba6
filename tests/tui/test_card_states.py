"""What a card says about courses, fire times, additions and voids, in words (never by colour
alone), from the API's ticket JSON: held, FIRES IN m:ss, + ADDITION and VOID lines."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from restman_tui.expo import ExpoEntry, expo_text
from restman_tui.tickets import Ticket
from restman_tui.views import card_body, state_line
from tests.tui.support import FROZEN


def ticket(**extra: Any) -> Ticket:
    data: dict[str, Any] = {
        "id": "t1",
        "order_id": "ab12cd34",
        "order_number": "AB12CD",
        "status": "NEW",
        "version": 1,
        "order_type": "dine_in",
        "table": "4",
        "created_at": FROZEN.isoformat(),
        "items": [
            {"id": "i1", "food_name": "Steak", "quantity": 1, "notes": "rare"},
            {"id": "i2", "food_name": "Fries", "quantity": 2, "voided": True, "notes": "salt"},
        ],
    }
    data.update(extra)
    return Ticket.from_json(data)


def test_a_plain_ticket_from_an_older_api_shows_no_state() -> None:
    plain = ticket()
    assert (plain.held, plain.fire_at, plain.is_addition) == (False, None, False)
    assert state_line(plain, FROZEN) is None


def test_held_fires_in_and_addition_are_spelled_out() -> None:
    assert state_line(ticket(held=True, course=3), FROZEN) == "HELD · desserts"
    later = (FROZEN + timedelta(minutes=3, seconds=20)).isoformat()
    assert state_line(ticket(fire_at=later), FROZEN) == "FIRES IN 3:20"
    assert state_line(ticket(fire_at=later), FROZEN + timedelta(minutes=4)) is None
    both = ticket(fire_at=later, is_addition=True)
    assert state_line(both, FROZEN) == "FIRES IN 3:20 · + ADDITION"


def test_a_voided_item_reads_void_and_loses_its_notes() -> None:
    body = card_body(ticket(is_addition=True), None, False, FROZEN).plain
    assert body.splitlines() == [
        "Dine-in · T4",
        "+ ADDITION",
        "  1× Steak",
        "    rare",
        "  VOID 2× Fries",
    ]


def test_notes_that_speak_of_an_allergy_are_marked_like_allergy_notes() -> None:
    marked = ticket(
        special_instructions="Sesame allergy at this table",
        items=[{"id": "i1", "food_name": "Noodles", "quantity": 1, "notes": "nut ALLERGY"}],
    )
    lines = card_body(marked, None, False, FROZEN).plain.splitlines()
    assert lines == [
        "Dine-in · T4",
        "⚠ ALLERGY: Sesame allergy at this table",
        "  1× Noodles",
        "    ⚠ ALLERGY: nut ALLERGY",
    ]
    plain = ticket(special_instructions="Birthday: candle on the cake")
    assert card_body(plain, None, False, FROZEN).plain.splitlines()[-1] == (
        "! Birthday: candle on the cake"
    )


def test_the_expo_line_of_a_ticket_spells_out_its_states() -> None:
    later = (FROZEN + timedelta(minutes=1, seconds=5)).isoformat()
    entry = ExpoEntry.from_json(
        {
            "order": {"id": "o1", "status": "IN_PROGRESS"},
            "order_number": "AB12CD",
            "table": "4",
            "tickets": [
                {
                    "id": "t1",
                    "status": "NEW",
                    "version": 1,
                    "station": "grill",
                    "created_at": FROZEN.isoformat(),
                    "fire_at": later,
                    "is_addition": True,
                    "allergy_notes": ["1x Satay: peanuts"],
                    "items": [
                        {"id": "i1", "food_name": "Satay", "quantity": 1},
                        {"id": "i2", "food_name": "Rice", "quantity": 1, "voided": True},
                    ],
                }
            ],
        }
    )
    lines = expo_text([entry], FROZEN).plain.splitlines()
    assert "   grill      NEW · FIRES IN 1:05 · + ADDITION · 1 VOID · ⚠ ALLERGY" in lines
