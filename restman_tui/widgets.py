"""The board's widgets. They draw views computed elsewhere (restman_tui.views) and never call
the API; the app decides what to show."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from restman_tui.views import CardView, column_title

_LEVELS = ("age-green", "age-yellow", "age-red")


class TicketCard(Static):
    """One ticket: number and order number in the border title, age in the subtitle, border
    colour by age, reverse title when selected, a bright border when new or recalled."""

    def __init__(self, view: CardView) -> None:
        super().__init__(view.body, classes="card")
        self.ticket_id = view.ticket_id
        self.show_view(view)

    def show_view(self, view: CardView) -> None:
        self.update(view.body)
        self.border_title = view.title
        self.border_subtitle = view.age
        for level in _LEVELS:
            self.set_class(level == f"age-{view.level}", level)
        self.set_class(view.selected, "-selected")
        self.set_class(view.highlighted, "-highlight")


class BoardColumn(Vertical):
    """A status column: a header with the count and a scrolling stack of cards."""

    def __init__(self, status: str) -> None:
        super().__init__(classes="column", id=f"column-{status.lower()}")
        self.status = status

    def compose(self) -> ComposeResult:
        yield Static(column_title(self.status, 0), classes="column-title")
        yield VerticalScroll(classes="cards", can_focus=False)

    @property
    def cards(self) -> list[TicketCard]:
        return list(self.query_one(".cards", VerticalScroll).query_children(TicketCard))

    async def show_cards(self, views: list[CardView]) -> None:
        """Show exactly ``views`` in order: update cards in place when the same tickets are
        shown, rebuild the stack when tickets came, left or changed order."""
        self.query_one(".column-title", Static).update(column_title(self.status, len(views)))
        stack = self.query_one(".cards", VerticalScroll)
        current = self.cards
        if [c.ticket_id for c in current] == [v.ticket_id for v in views]:
            for card, view in zip(current, views, strict=True):
                card.show_view(view)
        else:
            await stack.remove_children()
            await stack.mount_all([TicketCard(view) for view in views])
        for card in self.cards:
            if card.has_class("-selected"):
                card.scroll_visible(animate=False)


class AllDayPanel(Static):
    """Open quantity per food; hidden until the cook toggles it."""

    def __init__(self) -> None:
        super().__init__(Text(""), id="all-day")


class OfflineBanner(Static):
    """Shown while the event stream is down; says why and that we are reconnecting."""

    def __init__(self) -> None:
        super().__init__("", id="offline")

    def show_reason(self, reason: str | None) -> None:
        self.display = reason is not None
        if reason is not None:
            self.update(f"OFFLINE: {reason}. Reconnecting… the board may be out of date.")
