"""The board's widgets. They draw views computed elsewhere (restman_tui.views) and never call
the API; the app decides what to show."""

from __future__ import annotations

from collections.abc import Callable

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
    """A status column: a header with the count, a scrolling stack of cards, and a last line
    that says how many cards are out of view (``+3 below``), so a new ticket at the bottom of
    a full column is never silently off-screen. The stack follows the selected card."""

    def __init__(self, status: str) -> None:
        super().__init__(classes="column", id=f"column-{status.lower()}")
        self.status = status
        self.hidden_above = 0
        self.hidden_below = 0
        self._pending = 0

    def compose(self) -> ComposeResult:
        yield Static(column_title(self.status, 0), classes="column-title")
        yield VerticalScroll(classes="cards", can_focus=False)
        yield Static("", classes="column-more")

    def on_mount(self) -> None:
        self.query_one(".column-more", Static).display = False
        self.watch(self._stack, "scroll_y", self._scrolled, init=False)

    @property
    def _stack(self) -> VerticalScroll:
        return self.query_one(".cards", VerticalScroll)

    @property
    def cards(self) -> list[TicketCard]:
        return list(self._stack.query_children(TicketCard))

    async def show_cards(self, views: list[CardView]) -> None:
        """Show exactly ``views`` in order: update cards in place when the same tickets are
        shown, rebuild the stack when tickets came, left or changed order."""
        self.query_one(".column-title", Static).update(column_title(self.status, len(views)))
        stack = self._stack
        current = self.cards
        if [c.ticket_id for c in current] == [v.ticket_id for v in views]:
            for card, view in zip(current, views, strict=True):
                card.show_view(view)
        else:
            await stack.remove_children()
            await stack.mount_all([TicketCard(view) for view in views])
        # Positions are known only once the new cards are laid out.
        self._later(self._laid_out)

    @property
    def measuring(self) -> bool:
        """True from a change of the cards until what is in view has been measured again."""
        return self._pending > 0

    def _later(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` after the next refresh (once the layout is done), counted."""
        self._pending += 1

        def run() -> None:
            self._pending -= 1
            callback()

        self.call_after_refresh(run)

    def _laid_out(self) -> None:
        for card in self.cards:
            if card.has_class("-selected"):
                card.scroll_visible(animate=False, immediate=True)
        self._later(self.measure)

    def _scrolled(self, _old: float, _new: float) -> None:
        self.measure()

    def on_resize(self) -> None:
        self.measure()

    def visible_cards(self) -> int:
        """How many cards the column shows whole right now (at least 1): a page."""
        top, bottom = self._view()
        regions = [card.virtual_region for card in self.cards]
        return max(1, sum(1 for r in regions if top <= r.y and r.bottom <= bottom))

    def _view(self) -> tuple[int, int]:
        stack = self._stack
        top = round(stack.scroll_y)
        return top, top + stack.scrollable_content_region.height

    def measure(self) -> None:
        """Count the cards not wholly in view above and below, and say so on the last line.
        Showing the line takes a row from the stack, so it is measured again once drawn; either
        way the count is true of what is on the screen."""
        if not self.is_mounted:
            return
        top, bottom = self._view()
        regions = [card.virtual_region for card in self.cards]
        self.hidden_above = sum(1 for r in regions if r.y < top)
        self.hidden_below = sum(1 for r in regions if r.bottom > bottom)
        line = self.query_one(".column-more", Static)
        parts = []
        if self.hidden_above:
            parts.append(f"+{self.hidden_above} above")
        if self.hidden_below:
            parts.append(f"+{self.hidden_below} below")
        line.update("  ".join(parts))
        shown = bool(parts)
        if line.display != shown:
            line.display = shown
            self._later(self.measure)


class AllDayPanel(Static):
    """Open quantity per food; hidden until the cook toggles it."""

    def __init__(self) -> None:
        super().__init__(Text(""), id="all-day")


class OfflineBanner(Static):
    """Shown while the event stream is down; says why and that we are reconnecting."""

    def __init__(self) -> None:
        super().__init__("", id="offline")

    def show_reason(self, reason: str | None, retry_key: str = "r") -> None:
        self.display = reason is not None
        if reason is not None:
            key = retry_key.split(",")[0]
            self.update(
                f"OFFLINE: {reason}. Retrying every 2 s ({key} retries now); "
                "the board may be out of date."
            )
