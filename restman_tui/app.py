"""The kitchen display app: a live board of tickets driven by the keyboard (or a bump bar).

The app owns the session (sign-in, the saved token, signing in again on a 401), follows the
event stream, and draws the board; the cook's actions live in :mod:`restman_tui.actions`.
Nothing here raises to the terminal: API failures become notifications or the offline banner.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.widgets import Footer, Static

from restman_tui.actions import BoardActions
from restman_tui.board import Board, Thresholds
from restman_tui.client import ApiError, KitchenClient, SignedIn
from restman_tui.config import KitchenConfig, save_config
from restman_tui.screens import SignInScreen
from restman_tui.stream import Backoff, TicketFeed
from restman_tui.tickets import COLUMNS, Ticket
from restman_tui.views import all_day_text, card_views, status_line
from restman_tui.widgets import AllDayPanel, BoardColumn, OfflineBanner

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class KitchenApp(BoardActions, App[None]):
    """The board. ``clock`` is injectable so tests and snapshots can freeze time;
    ``client`` too (its transport decides where the API is)."""

    CSS_PATH = "kitchen.tcss"
    TITLE = "RestMan Kitchen"
    ENABLE_COMMAND_PALETTE = False
    # Below 120 columns the all-day panel sits under the board instead of beside it, so the
    # four columns keep the width that shows every order number and timer whole. (Textual
    # types this setting in a way mypy will not let a subclass annotate again, hence the noqa.)
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-narrow"),
        (120, "-wide"),
    ]

    def __init__(
        self,
        config: KitchenConfig,
        *,
        config_path: Path | None = None,
        client: KitchenClient | None = None,
        clock: Clock = utc_now,
        backoff: Backoff | None = None,
        tick_seconds: float = 1.0,
        idle_timeout: float = 45.0,
    ) -> None:
        super().__init__()
        self.config = config
        self.config_path = config_path
        self.client = client or KitchenClient(config.api_url, config.token)
        self.clock = clock
        self.board = Board(station=config.station, known_stations=tuple(config.stations))
        self.thresholds = Thresholds(config.yellow_after_minutes, config.red_after_minutes)
        self.restaurant_id = config.restaurant_id
        self.online: bool | None = None
        self.ready = False
        self.bells = 0
        self.who = ""
        self.feed: TicketFeed | None = None
        self._backoff = backoff or Backoff()
        self._tick_seconds = tick_seconds
        self._idle_timeout = idle_timeout
        self.loaded = False
        self._dirty = False
        self._rendering = False
        self._action_lock = asyncio.Lock()
        self._retry = asyncio.Event()
        self.bind_keys()

    # Layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        yield OfflineBanner()
        with Horizontal(id="main"):
            with Horizontal(id="board"):
                for status in COLUMNS:
                    yield BoardColumn(status)
            yield AllDayPanel()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(AllDayPanel).display = False
        self.query_one(OfflineBanner).show_reason(None)
        self.set_interval(self._tick_seconds, self.refresh_board)
        self.refresh_board()
        self.start_session("")

    async def on_unmount(self) -> None:
        self.workers.cancel_all()
        await self.client.aclose()

    @property
    def settled(self) -> bool:
        """True when the widgets show the current board, measured (tests wait for this)."""
        if self._dirty or self._rendering:
            return False
        return not any(column.measuring for column in self.query(BoardColumn))

    def refresh_board(self) -> None:
        """Redraw soon; redraws requested while one runs are merged into the next."""
        self._dirty = True
        if not self._rendering:
            self._rendering = True
            self.run_worker(self._render_loop(), group="render")

    async def _render_loop(self) -> None:
        try:
            while self._dirty and self.is_running:
                self._dirty = False
                await self._render_board()
        except NoMatches:
            pass  # the widgets are not there (yet, or any more): nothing to draw on
        finally:
            self._rendering = False

    async def _render_board(self) -> None:
        views = card_views(self.board, self.clock(), self.thresholds)
        for column in self.query(BoardColumn):
            await column.show_cards(views[column.status])
        status = status_line(self.board, self.online, self.who, self.config.key_for("recall"))
        self.query_one("#status", Static).update(status)
        self.query_one(AllDayPanel).update(all_day_text(self.board.all_day, self.board.station))

    # Session -------------------------------------------------------------------------------

    @work(exclusive=True, group="session")
    async def start_session(self, reason: str) -> None:
        """Sign in if needed, check the token, pick the restaurant, then follow the stream."""
        self.ready = False
        failures = 0
        while True:
            if not self.client.token:
                signed_in = await self.push_screen_wait(
                    SignInScreen(self.client, self.config.email, reason)
                )
                self._remember(signed_in)
            try:
                me = await self.client.me()
                break
            except ApiError as exc:
                if exc.unauthorized:
                    self.client.token = None
                    reason = "Your session has expired or was revoked: sign in again."
                    continue
                self._set_online(False, exc.message)
                await self._pause(self._backoff.delay(failures))
                failures += 1
        self._signed_in(me)
        self.follow_stream()

    def _remember(self, signed_in: SignedIn) -> None:
        self.config.email = signed_in.email
        self.notify(f"Signed in as {signed_in.email}", timeout=3)

    def _signed_in(self, me: dict[str, Any]) -> None:
        self.who = str(me.get("email", ""))
        if self.restaurant_id is None:
            restaurants = me.get("restaurants") or []
            if len(restaurants) == 1:
                only = restaurants[0]
                self.restaurant_id = str(only.get("id") if isinstance(only, dict) else only)
        if self.config.token != self.client.token:
            self.config.token = self.client.token
            self._save_config()
        self.ready = True
        self.refresh_bindings()

    def _save_config(self) -> None:
        if self.config_path is None:
            return
        try:
            save_config(self.config, self.config_path)
        except OSError as exc:
            self.notify(f"Could not save {self.config_path}: {exc.strerror}", severity="warning")

    def session_expired(self) -> None:
        """Offer to sign in again (a 401 from any call)."""
        if not self.ready:
            return
        self.ready = False
        self.client.token = None
        self.workers.cancel_group(self, "feed")
        self.notify("Your session has expired: sign in again.", severity="warning")
        self.start_session("Your session has expired or was revoked: sign in again.")

    # Live updates --------------------------------------------------------------------------

    @work(exclusive=True, group="feed")
    async def follow_stream(self) -> None:
        self.feed = TicketFeed(
            self.client,
            self.restaurant_id,
            on_ticket=self.ticket_changed,
            on_connection=self._set_online,
            resync=self.resync,
            backoff=self._backoff,
            idle_timeout=self._idle_timeout,
            sleep=self._pause,
        )
        try:
            await self.feed.run()
        except ApiError:
            self.session_expired()

    async def resync(self) -> None:
        """Reload every open ticket; tickets we did not know (created while offline) are
        highlighted and ring the bell, except on the first load."""
        self.board.begin_resync()
        tickets = await self.client.open_tickets(self.restaurant_id)
        unknown = self.board.finish_resync(tickets)
        if self.loaded:
            for ticket in unknown:
                self._announce(ticket)
        self.loaded = True
        self.refresh_board()
        self.reload_all_day()

    def ticket_changed(self, kind: str, ticket: Ticket) -> None:
        """A stream event: keep the newer copy; announce new tickets, highlight recalls."""
        before = self.board.tickets.get(ticket.id)
        if not self.board.upsert(ticket):
            return
        if before is None and ticket.on_board:
            self._announce(ticket)
        elif before is not None and _moved_back(before, ticket):
            self.board.highlight(ticket.id, self.clock())
        self.refresh_board()
        self.reload_all_day()

    def _announce(self, ticket: Ticket) -> None:
        self.board.highlight(ticket.id, self.clock())
        if self.config.bell:
            self.bells += 1
            self.bell()

    async def _pause(self, seconds: float) -> None:
        """Wait before the next connection attempt: ``seconds``, or until :meth:`retry_now`."""
        self._retry.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._retry.wait()

    def retry_now(self) -> None:
        """Try the API again at once instead of at the end of the current wait."""
        self._retry.set()
        self.notify("Reconnecting now…", timeout=2)

    def _set_online(self, online: bool, reason: str) -> None:
        self.online = online
        banner = self.query_one(OfflineBanner)
        banner.show_reason(None if online else reason, self.config.key_for("recall"))
        self.refresh_board()


def _moved_back(before: Ticket, after: Ticket) -> bool:
    """Whether a change took a ticket back to an earlier column (a recall)."""
    if not after.on_board:
        return False
    if not before.on_board:
        return True
    return COLUMNS.index(after.status) < COLUMNS.index(before.status)
