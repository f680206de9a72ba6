"""The board's state, free of any I/O or widgets: which tickets are on which column, which card
and item are selected, what can be recalled, which cards are highlighted, the all-day counts,
and each live ticket's short number.

A ticket's short number (the ``3`` of ``3 #B408E2``, and the hot key that picks it) is given the
first time the ticket is seen on the board: the smallest number no ticket on the board holds.
It never changes while the ticket stays on the board, whatever else is bumped, so a cook's
hot key always names the card they read; it is freed when the ticket leaves the board.

Every copy of a ticket carries the server's version; the board keeps the newest copy it has
seen, so a late stream event or a slow list response can never move a card backwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from restman_tui.tickets import COLUMNS, AllDayLine, Ticket

#: How long a new or recalled card stays highlighted.
HIGHLIGHT_FOR = timedelta(seconds=45)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Card ages (minutes) at which a card turns yellow, then red."""

    yellow_after: float = 5.0
    red_after: float = 10.0

    def age_level(self, age: timedelta) -> str:
        """``green`` under the first threshold, ``yellow`` under the second, ``red`` beyond."""
        minutes = age.total_seconds() / 60
        if minutes < self.yellow_after:
            return "green"
        if minutes < self.red_after:
            return "yellow"
        return "red"


def format_age(age: timedelta) -> str:
    """``m:ss`` under an hour, ``h:mm:ss`` beyond; never negative (clocks drift)."""
    seconds = max(0, int(age.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass
class Board:
    """Tickets by id plus the cook's view of them (station filter, selection, recall stack)."""

    station: str | None = None
    known_stations: tuple[str, ...] = ()
    tickets: dict[str, Ticket] = field(default_factory=dict)
    selected_id: str | None = None
    item_index: int = 0
    recall_stack: list[str] = field(default_factory=list)
    highlighted: dict[str, datetime] = field(default_factory=dict)
    all_day: list[AllDayLine] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)
    _touched: set[str] | None = None
    _picked_order: str | None = None

    # Tickets -------------------------------------------------------------------------------

    def upsert(self, ticket: Ticket) -> bool:
        """Keep ``ticket`` unless a copy at the same or a newer version is known.
        Returns whether the board changed."""
        if not self._store(ticket):
            return False
        if self._touched is not None:
            self._touched.add(ticket.id)
        self._renumber()
        self._keep_selection()
        return True

    def forget(self, ticket_id: str) -> None:
        """Drop a ticket the API no longer knows (its number is freed)."""
        self.tickets.pop(ticket_id, None)
        self._renumber()
        self._keep_selection()

    def _store(self, ticket: Ticket) -> bool:
        known = self.tickets.get(ticket.id)
        if known is not None and known.version >= ticket.version:
            return False
        self.tickets[ticket.id] = ticket
        if not ticket.on_board:
            self.highlighted.pop(ticket.id, None)
        return True

    def begin_resync(self) -> None:
        """Start recording which tickets change while a full list is being fetched."""
        self._touched = set()

    def finish_resync(self, listed: Iterable[Ticket]) -> list[Ticket]:
        """Merge a full list of the open tickets. An open ticket missing from the list was
        closed while we were not looking, unless a stream event touched it during the fetch
        (the event is then newer than the list). Returns the tickets the board did not know."""
        touched = self._touched or set()
        self._touched = None
        listed = list(listed)
        unknown = [t for t in listed if t.id not in self.tickets]
        listed_ids = {t.id for t in listed}
        for ticket in listed:
            self._store(ticket)
        for ticket_id, ticket in list(self.tickets.items()):
            if ticket.on_board and ticket_id not in listed_ids and ticket_id not in touched:
                del self.tickets[ticket_id]
        self._renumber()
        self._keep_selection()
        return unknown

    def _renumber(self) -> None:
        """Free the numbers of tickets that left the board, then number the newcomers, oldest
        first, each with the smallest free number. Numbers already given never move."""
        live = {t.id for t in self.tickets.values() if t.on_board}
        for ticket_id in [i for i in self.numbers if i not in live]:
            del self.numbers[ticket_id]
        newcomers = sorted(
            (t for t in self.tickets.values() if t.on_board and t.id not in self.numbers),
            key=lambda t: (t.created_at, t.id),
        )
        taken = set(self.numbers.values())
        candidate = 1
        for ticket in newcomers:
            while candidate in taken:
                candidate += 1
            self.numbers[ticket.id] = candidate
            taken.add(candidate)

    def highlight(self, ticket_id: str, now: datetime) -> None:
        """Mark a card as new or recalled until :data:`HIGHLIGHT_FOR` has passed."""
        self.highlighted[ticket_id] = now + HIGHLIGHT_FOR

    def is_highlighted(self, ticket_id: str, now: datetime) -> bool:
        until = self.highlighted.get(ticket_id)
        return until is not None and now < until

    # Views ---------------------------------------------------------------------------------

    def stations(self) -> list[str]:
        """Stations to cycle through: configured ones plus any seen on a ticket."""
        seen = {t.station for t in self.tickets.values()}
        return sorted(set(self.known_stations) | seen)

    def cycle_station(self) -> str | None:
        """All stations, then each station in turn, then all again."""
        options: list[str | None] = [None, *self.stations()]
        position = options.index(self.station) if self.station in options else 0
        self.station = options[(position + 1) % len(options)]
        self._keep_selection()
        return self.station

    def columns(self) -> dict[str, list[Ticket]]:
        """Open tickets of the current station by column, oldest first."""
        shown: dict[str, list[Ticket]] = {status: [] for status in COLUMNS}
        for ticket in self.tickets.values():
            if ticket.on_board and (self.station is None or ticket.station == self.station):
                shown[ticket.status].append(ticket)
        for cards in shown.values():
            cards.sort(key=lambda t: (t.created_at, t.id))
        return shown

    def ordered(self) -> list[Ticket]:
        """Cards in reading order (column by column, oldest first)."""
        return [t for cards in self.columns().values() for t in cards]

    def number_of(self, ticket_id: str) -> int | None:
        """The ticket's short number while it is on the board (see the module docstring)."""
        return self.numbers.get(ticket_id)

    def matching(self, typed: str) -> list[Ticket]:
        """Shown tickets whose order number starts with ``typed`` (case and a leading ``#``
        ignored), in reading order; nothing for an empty ``typed``."""
        wanted = typed.strip().lstrip("#").upper()
        if not wanted:
            return []
        return [t for t in self.ordered() if t.order_number.upper().startswith(wanted)]

    @property
    def selected(self) -> Ticket | None:
        ticket = self.tickets.get(self.selected_id or "")
        return ticket if ticket is not None and ticket.on_board else None

    # Selection -----------------------------------------------------------------------------

    def select(self, ticket_id: str | None) -> None:
        self._picked_order = None
        if ticket_id != self.selected_id:
            self.item_index = 0
        self.selected_id = ticket_id
        self._fit_item_index()

    def select_number(self, number: int) -> bool:
        """Select the shown card holding this short number; False when no shown card does."""
        for ticket in self.ordered():
            if self.numbers.get(ticket.id) == number:
                self.select(ticket.id)
                return True
        return False

    def select_order(self, typed: str) -> Ticket | None:
        """Select a shown ticket of the one order whose number starts with ``typed``: its first
        in reading order. An order with several tickets on view (one per station) is cycled:
        picking the same order again right away selects its next ticket. None, and nothing
        changes, when ``typed`` names no order or more than one (the cook types more of it)."""
        found = self.matching(typed)
        orders = {t.order_id for t in found}
        if len(orders) != 1:
            return None
        ids = [t.id for t in found]
        again = self._picked_order in orders and self.selected_id in ids
        after = ids.index(self.selected_id) + 1 if again and self.selected_id else 0
        chosen = found[after % len(found)]
        self.select(chosen.id)
        self._picked_order = chosen.order_id
        return chosen

    def move(self, columns: int = 0, rows: int = 0) -> None:
        """Arrow-key movement: up/down within a column, left/right to the nearest column that
        has cards (keeping the row where possible)."""
        shown = self.columns()
        selected = self.selected
        if selected is None:
            first = self.ordered()
            self.select(first[0].id if first else None)
            return
        col = COLUMNS.index(selected.status)
        row = [t.id for t in shown[selected.status]].index(selected.id)
        if rows:
            cards = shown[selected.status]
            self.select(cards[max(0, min(len(cards) - 1, row + rows))].id)
            return
        step = 1 if columns > 0 else -1
        target = col + step
        while 0 <= target < len(COLUMNS) and not shown[COLUMNS[target]]:
            target += step
        if 0 <= target < len(COLUMNS):
            cards = shown[COLUMNS[target]]
            self.select(cards[min(row, len(cards) - 1)].id)

    def move_item(self, step: int) -> None:
        """Move the item cursor within the selected card."""
        ticket = self.selected
        if ticket is None or not ticket.items:
            return
        self.item_index = (self.item_index + step) % len(ticket.items)

    def _fit_item_index(self) -> None:
        ticket = self.selected
        count = len(ticket.items) if ticket is not None else 0
        self.item_index = min(self.item_index, max(0, count - 1))

    def _keep_selection(self) -> None:
        """When the selected card leaves the view, select the next card in reading order."""
        if self.selected is not None and self._visible(self.selected):
            self._fit_item_index()
            return
        cards = self.ordered()
        self.selected_id = cards[0].id if cards else None
        self.item_index = 0

    def _visible(self, ticket: Ticket) -> bool:
        return self.station is None or ticket.station == self.station

    # Recall --------------------------------------------------------------------------------

    def remember_bump(self, ticket_id: str) -> None:
        """Push a bumped ticket onto the recall stack (most recent last)."""
        if ticket_id in self.recall_stack:
            self.recall_stack.remove(ticket_id)
        self.recall_stack.append(ticket_id)

    def last_bumped(self) -> Ticket | None:
        """The most recently bumped ticket that can still be recalled; stale entries (tickets
        recalled or changed elsewhere) are dropped on the way."""
        while self.recall_stack:
            ticket = self.tickets.get(self.recall_stack[-1])
            if ticket is not None and ticket.can_recall and ticket.status != "CANCELLED":
                return ticket
            self.recall_stack.pop()
        return None

    def forget_bump(self, ticket_id: str) -> None:
        if ticket_id in self.recall_stack:
            self.recall_stack.remove(ticket_id)
