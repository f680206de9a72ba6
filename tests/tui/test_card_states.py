"""What a card says about courses, fire times, additions and voids, in words (never by colour
alone), from the API's ticket JSON: held, FIRES IN m:ss, + ADDITION and VOID lines."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

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
