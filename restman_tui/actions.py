"""What the cook's keys do. Every change goes through the API with the ticket's version, one at
a time (a bump bar pressed twice bumps twice, the second time from the first one's answer).
A 409 means another terminal was first: the card is reloaded and the cook is told."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from textual import work
from textual.app import App

from restman_tui.board import Board
from restman_tui.client import ApiError, KitchenClient
from restman_tui.config import ACTION_LABELS, KitchenConfig
from restman_tui.screens import HelpScreen, PickScreen, QuitScreen
from restman_tui.tickets import DELIVERED, Ticket, next_status
from restman_tui.widgets import AllDayPanel, BoardColumn

#: Actions listed in the footer (the rest are in the help screen).
FOOTER_ACTIONS = (
    "bump",
    "deliver",
    "recall",
    "item_done",
    "pick",
    "all_day",
    "station",
    "help",
    "quit",
)
_ALWAYS_ALLOWED = frozenset({"quit", "help"})
#: Actions that, while the API is unreachable, try it again at once instead.
_RECONNECT = frozenset({"recall", "refresh"})


class BoardActions(App[None]):
    """Key bindings and their actions; the app supplies the board, client and redraws."""

    board: Board
    client: KitchenClient
    config: KitchenConfig
    restaurant_id: str | None
    ready: bool
    online: bool | None
    clock: Callable[[], datetime]
    _action_lock: asyncio.Lock

    if TYPE_CHECKING:

        def refresh_board(self) -> None: ...

        def session_expired(self) -> None: ...

        async def resync(self) -> None: ...

        def retry_now(self) -> None: ...

    def bind_keys(self) -> None:
        """Bind the configured keys to the actions of the same name (number keys 1-9 always
        select cards)."""
        for action, label in ACTION_LABELS.items():
            self.bind(
                self.config.key_for(action),
                action,
                description=label,
                show=action in FOOTER_ACTIONS,
                key_display="↵" if action == "bump" else None,
            )
        for number in range(1, 10):
            self.bind(str(number), f"select_card({number})", show=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Board keys work only on the board, once signed in; the keys that reconnect at once
        work on the board whenever it is offline, signed in yet or not."""
        if action in _ALWAYS_ALLOWED or (action not in ACTION_LABELS and action != "select_card"):
            return True
        on_board = len(self.screen_stack) == 1
        if action in _RECONNECT and self.online is False:
            return on_board
        return self.ready and on_board

    # Selection -----------------------------------------------------------------------------

    def action_select_card(self, number: int) -> None:
        if self.board.select_number(number):
            self.refresh_board()

    def action_up(self) -> None:
        self._moved(rows=-1)

    def action_down(self) -> None:
        self._moved(rows=1)

    def action_left(self) -> None:
        self._moved(columns=-1)

    def action_right(self) -> None:
        self._moved(columns=1)

    def _moved(self, columns: int = 0, rows: int = 0) -> None:
        self.board.move(columns=columns, rows=rows)
        self.refresh_board()

    def action_page_down(self) -> None:
        self._paged(1)

    def action_page_up(self) -> None:
        self._paged(-1)

    def _paged(self, direction: int) -> None:
        """Move the selection a page (the cards the column shows whole) down or up: the
        column scrolls with it."""
        ticket = self.board.selected
        if ticket is None:
            self._moved()
            return
        column = self.query_one(f"#column-{ticket.status.lower()}", BoardColumn)
        self._moved(rows=direction * column.visible_cards())

    def action_pick(self) -> None:
        """Ask for an order number and select its ticket."""
        if not isinstance(self.screen, PickScreen):
            self.push_screen(PickScreen(), self._picked)

    def _picked(self, typed: str | None) -> None:
        if not typed:
            return
        ticket = self.board.select_order(typed)
        if ticket is None:
            orders = {t.order_number for t in self.board.matching(typed)}
            problem = f"names {len(orders)} orders: type more of it" if orders else "is not shown"
            self.notify(f"#{typed.lstrip('#').upper()} {problem}", severity="warning", timeout=3)
        self.refresh_board()

    def action_next_item(self) -> None:
        self.board.move_item(1)
        self.refresh_board()

    def action_previous_item(self) -> None:
        self.board.move_item(-1)
        self.refresh_board()

    # Changes -------------------------------------------------------------------------------

    def action_bump(self) -> None:
        self._change_selected(self._bump)

    def action_deliver(self) -> None:
        self._change_selected(lambda t: self._move(t, DELIVERED))

    def action_item_done(self) -> None:
        ticket = self.board.selected
        if ticket is None or not ticket.items:
            self.notify("Select a card with items first", severity="warning", timeout=2)
            return
        item = ticket.items[self.board.item_index]
        self._change(ticket.id, lambda t: self._mark(t, item.id))

    def action_recall(self) -> None:
        if self.online is False:
            # Nothing can be recalled without the API: the key reconnects at once instead.
            self.retry_now()
            return
        self._perform(self._recall)

    def _change_selected(self, change: Callable[[Ticket], Awaitable[None]]) -> None:
        ticket = self.board.selected
        if ticket is None:
            self.notify("No card selected", severity="warning", timeout=2)
            return
        self._change(ticket.id, change)

    def _change(self, ticket_id: str, change: Callable[[Ticket], Awaitable[None]]) -> None:
        async def on_latest() -> None:
            ticket = self.board.tickets.get(ticket_id)
            if ticket is not None and ticket.on_board:
                await self._guarded(ticket, change(ticket))

        self._perform(on_latest)

    @work(group="actions")
    async def _perform(self, run: Callable[[], Awaitable[None]]) -> None:
        """Run one change at a time, reading the ticket only once it is this change's turn."""
        async with self._action_lock:
            await run()
        self.refresh_board()
        self.reload_all_day()

    async def _guarded(self, ticket: Ticket, call: Awaitable[None]) -> None:
        try:
            await call
        except ApiError as exc:
            await self._failed(ticket, exc)

    async def _bump(self, ticket: Ticket) -> None:
        target = next_status(ticket.status)
        if target is not None:
            await self._move(ticket, target)

    async def _move(self, ticket: Ticket, target: str) -> None:
        moved = await self.client.move(ticket, target)
        self.board.upsert(moved)
        self.board.remember_bump(moved.id)
        if not moved.on_board:
            self.notify(f"#{moved.order_number} sent to service (r recalls)", timeout=3)

    async def _mark(self, ticket: Ticket, item_id: str) -> None:
        item = ticket.item(item_id)
        if item is None:
            return
        marked = await self.client.mark_item(ticket, item_id, not item.done)
        self.board.upsert(marked)
        if not item.done:
            self._advance_item(marked)

    def _advance_item(self, ticket: Ticket) -> None:
        """After marking an item done, point at the next item still to do."""
        if self.board.selected_id != ticket.id:
            return
        count = len(ticket.items)
        for step in range(1, count + 1):
            index = (self.board.item_index + step) % count
            if not ticket.items[index].done:
                self.board.item_index = index
                return

    async def _recall(self) -> None:
        ticket = self.board.last_bumped()
        if ticket is None:
            self.notify("Nothing to recall", severity="warning", timeout=2)
            return

        async def recall() -> None:
            recalled = await self.client.recall(ticket)
            self.board.upsert(recalled)
            self.board.forget_bump(recalled.id)
            self.board.highlight(recalled.id, self.clock())
            self.board.select(recalled.id)
            self.notify(f"#{recalled.order_number} recalled to {recalled.status}", timeout=3)

        await self._guarded(ticket, recall())

    async def _failed(self, ticket: Ticket, exc: ApiError) -> None:
        """Say what went wrong; on a conflict, reload the card so the cook sees the truth."""
        if exc.unauthorized:
            self.session_expired()
            return
        if not exc.conflict:
            self.notify(f"#{ticket.order_number}: {exc.message}", title=exc.code, severity="error")
            return
        self.board.forget_bump(ticket.id)
        try:
            self.board.upsert(await self.client.ticket(ticket.id))
        except ApiError as reload_error:
            if reload_error.status == 404:
                self.board.forget(ticket.id)
        if "changed" not in exc.message.lower():
            # Refused for a reason of its own (a held course, a closed order): say it.
            self.notify(
                f"#{ticket.order_number}: {exc.message}", title=exc.code, severity="warning"
            )
            return
        self.notify(
            f"#{ticket.order_number} was changed on another terminal; the card is refreshed. "
            "Check it and try again.",
            title="Changed elsewhere",
            severity="warning",
        )

    # Views ---------------------------------------------------------------------------------

    def action_all_day(self) -> None:
        panel = self.query_one(AllDayPanel)
        panel.display = not panel.display
        self.reload_all_day()

    def action_station(self) -> None:
        station = self.board.cycle_station()
        self.notify(f"Station: {station or 'all stations'}", timeout=2)
        self.refresh_board()
        self.reload_all_day()

    def action_refresh(self) -> None:
        if self.online is False:
            self.retry_now()
            return
        self._reload_everything()

    @work(exclusive=True, group="refresh")
    async def _reload_everything(self) -> None:
        try:
            await self.resync()
        except ApiError as exc:
            if exc.unauthorized:
                self.session_expired()
            else:
                self.notify(exc.message, title=exc.code, severity="error")

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.config))

    async def action_quit(self) -> None:
        """Quit at once on an empty board; with tickets open, ask first (:class:`QuitScreen`)."""
        if isinstance(self.screen, QuitScreen):
            self.exit()
            return
        open_tickets = sum(1 for t in self.board.tickets.values() if t.on_board)
        if not open_tickets:
            self.exit()
            return

        def answered(quit_now: bool | None) -> None:
            if quit_now:
                self.exit()

        self.push_screen(QuitScreen(open_tickets), answered)

    @work(exclusive=True, group="all-day")
    async def reload_all_day(self) -> None:
        """Fetch the all-day counts for the current station while the panel is shown."""
        panel = self.query_one(AllDayPanel)
        if not panel.display or not self.ready:
            return
        try:
            self.board.all_day = await self.client.all_day(self.restaurant_id, self.board.station)
        except ApiError as exc:
            if exc.unauthorized:
                self.session_expired()
            else:
                self.notify(exc.message, title=exc.code, severity="error")
            return
        self.refresh_board()
