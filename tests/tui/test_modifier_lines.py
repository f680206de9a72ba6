"""A ticket's modifiers and allergy notes as the card text reads: signs and words, not colour
alone, and a server that sends only item notes still gets them shown."""

from __future__ import annotations

from restman_tui.tickets import Modifier, Ticket
from restman_tui.views import card_body

TICKET = {
    "id": "t1",
    "status": "NEW",
    "version": 1,
    "created_at": "2026-12-01T12:00:00Z",
    "order_type": "takeaway",
    "items": [
        {
            "id": "i1",
            "food_name": "Burger",
            "quantity": 2,
            "modifiers": [{"name": "Extra cheese"}, {"name": "No onions"}],
            "allergy_note": "peanuts",
        },
        {"id": "i2", "food_name": "Fries", "quantity": 1},
    ],
}


def test_modifier_labels_say_add_or_remove_in_text() -> None:
    assert Modifier("Extra cheese", 1).label == "+ Extra cheese"
    assert Modifier("No onions", 1).label == "− No onions"
    assert Modifier("without sauce", 1).label == "− without sauce"
    assert Modifier("Shot", 2).label == "+ 2× Shot"


def test_the_card_leads_with_the_allergy_and_lists_modifiers_under_their_item() -> None:
    ticket = Ticket.from_json(TICKET)
    assert ticket.allergy_notes == ("2x Burger: peanuts",)
    lines = card_body(ticket, None, False).plain.splitlines()
    assert lines == [
        "Takeaway",
        "⚠ ALLERGY: 2x Burger: peanuts",
        "  2× Burger",
        "    + Extra cheese",
        "    − No onions",
        "  1× Fries",
    ]


def test_tickets_without_the_new_fields_read_as_before() -> None:
    plain = {**TICKET, "items": [{"id": "i1", "food_name": "Soup", "quantity": 1}]}
    ticket = Ticket.from_json(plain)
    assert (ticket.allergy_notes, ticket.items[0].modifiers) == ((), ())
    assert card_body(ticket, None, False).plain.splitlines() == ["Takeaway", "  1× Soup"]
