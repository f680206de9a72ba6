"""What each card, column and panel shows, computed from the board and the time: pure functions
so that the widgets only draw and the tests can read the same text the cook reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.text import Text

from restman_tui.board import Board, Thresholds, format_age
from restman_tui.tickets import COLUMN_TITLES, AllDayLine, Ticket, TicketItem

_ORDER_TYPES = {"dine_in": "Dine-in", "takeaway": "Takeaway", "delivery": "Delivery"}


#: The marker of every allergy on a card: a word and a sign, never colour alone.
ALLERGY = "⚠ ALLERGY:"
_ALLERGY_STYLE = "bold reverse red"


def mentions_allergy(note: str) -> bool:
    """Whether a free-text note (an item's notes, the special instructions) speaks of an
    allergy: such a note is marked like the API's allergy notes, so it cannot be overlooked."""
    return "allerg" in note.lower()


@dataclass(frozen=True, slots=True)
class CardView:
    """One ticket card as drawn: title, age and its colour level, and the body text."""

    ticket_id: str
    title: str
    age: str
    level: str
    selected: bool
    highlighted: bool
    body: Text


def order_line(ticket: Ticket) -> str:
    """``Dine-in · T4``, ``Takeaway``... (plus the station when the board shows them all)."""
    kind = _ORDER_TYPES.get(ticket.order_type, ticket.order_type.replace("_", " ").title())
    # Tables are labelled by the restaurant ("12", "T12", "Patio 3"): only bare numbers get a T.
    label = ticket.table or ""
    table = f" · {'T' if label.isdigit() else ''}{label}" if label else ""
    return f"{kind or 'Order'}{table}"


_COURSES = {1: "starters", 2: "mains", 3: "desserts"}


def state_line(ticket: Ticket, now: datetime) -> str | None:
    """The ticket's state in words, so it never rests on colour alone: ``HELD · desserts``
    until its course is fired, ``FIRES IN 3:20`` until its fire time, ``+ ADDITION`` for items
    added to the order later (several joined by `` · ``); None for a plain ticket."""
    parts = []
    if ticket.held:
        parts.append(f"HELD · {_COURSES.get(ticket.course, f'course {ticket.course}')}")
    elif ticket.fire_at is not None and ticket.fire_at > now:
        parts.append(f"FIRES IN {format_age(ticket.fire_at - now + timedelta(seconds=0.999))}")
    if ticket.is_addition:
        parts.append("+ ADDITION")
    return " · ".join(parts) or None


def item_lines(item: TicketItem, selected: bool) -> Text:
    """One item of a ticket as drawn, with its notes under it: the pointer when ``selected``,
    ✓ when done, and VOID (struck through) when voided. Every item line is drawn here, so
    whatever else an item carries is added in this one place."""
    text = Text()
    pointer = "›" if selected else " "
    mark = "✓" if item.done else " "
    text.append(f"\n{pointer}{mark}", style="bold reverse" if selected else "")
    if item.voided:
        text.append("VOID ", style="bold")
        text.append(f"{item.quantity}× {item.food_name}", style="dim strike")
        return text
    style = "dim strike" if item.done else ""
    text.append(f"{item.quantity}× {item.food_name}", style=style)
    for modifier in item.modifiers:
        text.append(f"\n    {modifier.label}", style=style)
    if item.notes and mentions_allergy(item.notes):
        text.append(f"\n    {ALLERGY} {item.notes}", style=_ALLERGY_STYLE)
    elif item.notes:
        text.append(f"\n    {item.notes}", style="italic")
    return text


def card_body(
    ticket: Ticket, cursor: int | None, show_station: bool, now: datetime | None = None
) -> Text:
    """Allergy notes first (``⚠ ALLERGY: ...``, in words as well as colour, so no cook misses
    them; special instructions that speak of an allergy are among them), its state (held,
    fires in, addition), the items with quantity, modifiers
    (``+ Large``, ``− No onions``), notes, done and void marks, then the special instructions.
    ``cursor`` is the selected item's index when this card is selected."""
    text = Text(order_line(ticket), style="bold")
    if show_station:
        text.append(f" [{ticket.station}]", style="dim")
    for note in ticket.allergy_notes:
        text.append(f"\n{ALLERGY} {note}", style=_ALLERGY_STYLE)
    special = ticket.special_instructions
    if special and mentions_allergy(special):
        text.append(f"\n{ALLERGY} {special}", style=_ALLERGY_STYLE)
        special = None
    state = state_line(ticket, now) if now is not None else None
    if state:
        text.append(f"\n{state}", style="bold reverse")
    for index, item in enumerate(ticket.items):
        text.append(item_lines(item, cursor == index))
    if special:
        text.append(f"\n! {special}", style="bold")
    return text


def card_views(board: Board, now: datetime, thresholds: Thresholds) -> dict[str, list[CardView]]:
    """Every column's cards, oldest first, each titled with its short number (which stays
    the same while the ticket is on the board) and its order number."""
    views: dict[str, list[CardView]] = {}
    show_station = board.station is None and len(board.stations()) > 1
    for status, tickets in board.columns().items():
        views[status] = []
        for ticket in tickets:
            number = board.number_of(ticket.id)
            selected = ticket.id == board.selected_id
            age = now - ticket.created_at
            views[status].append(
                CardView(
                    ticket_id=ticket.id,
                    title=f"{number} #{ticket.order_number}",
                    age=format_age(age),
                    level=thresholds.age_level(age),
                    selected=selected,
                    highlighted=board.is_highlighted(ticket.id, now),
                    body=card_body(
                        ticket, board.item_index if selected else None, show_station, now
                    ),
                )
            )
    return views


def column_title(status: str, count: int) -> str:
    return f"{COLUMN_TITLES[status]} ({count})"


def all_day_text(lines: list[AllDayLine], station: str | None) -> Text:
    """The all-day panel: open quantity per food, largest first."""
    text = Text(f"ALL DAY · {station or 'all stations'}\n", style="bold")
    if not lines:
        text.append("nothing open", style="dim")
    for line in lines:
        text.append(f"{line.quantity:>3} ", style="bold")
        text.append(f"{line.food_name}")
        if station is None and line.station:
            text.append(f" [{line.station}]", style="dim")
        text.append("\n")
    return text


def status_line(board: Board, online: bool | None, who: str, retry_key: str = "r") -> Text:
    """The top line: station, open count, connection state in words (``OFFLINE · retrying``
    with the key that retries at once) and who is signed in."""
    open_count = sum(len(cards) for cards in board.columns().values())
    text = Text("RestMan Kitchen", style="bold")
    text.append(f" │ {board.station or 'all stations'} │ {open_count} open │ ")
    if online:
        text.append("● live", style="bold green")
    elif online is None:
        text.append("○ connecting", style="yellow")
    else:
        key = retry_key.split(",")[0]
        text.append(f"● OFFLINE · retrying ({key}: now)", style="bold reverse red")
    if who:
        text.append(f" │ {who}", style="dim")
    return text
