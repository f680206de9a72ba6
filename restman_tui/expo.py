"""The expediter's terminal (``restman kitchen --expo``): every open order with each of its tickets
and station, the ones ready to send out first, refreshed every two seconds.

The expediter sends an order out by typing its number (or enough of it to name one order) and
Enter; Backspace corrects, Escape clears, ``q`` quits (asking first while orders are open). It
uses the session the kitchen display saved (sign in there first). Like the board it never raises
to the terminal: a refused bump or an unreachable API is a notification, and the next refresh
tries again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.events import Key
from textual.widgets import Static

from restman_tui.board import format_age
from restman_tui.client import ApiError, KitchenClient
from restman_tui.config import KitchenConfig
from restman_tui.screens import QuitScreen
from restman_tui.tickets import Ticket

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class ExpoEntry:
    """One order on the expediter's board."""

    order_id: str
    number: str
    table: str | None
    status: str
    ready: bool
    tickets: tuple[Ticket, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExpoEntry:
        order = data["order"]
        return cls(
            order_id=str(order["id"]),
            number=str(data.get("order_number") or order.get("number") or ""),
            table=data.get("table") or None,
            status=str(order.get("status", "")),
            ready=bool(data.get("ready_for_expo", False)),
            tickets=tuple(Ticket.from_json(t) for t in data.get("tickets") or ()),
        )


def _ticket_word(ticket: Ticket) -> str:
    if ticket.held:
        return "HELD"
    return "DONE" if ticket.status == "DELIVERED_TO_SERVICE" else ticket.status.replace("_", " ")


def _ticket_notes(ticket: Ticket, now: datetime) -> str:
    """What else the expediter must know of a ticket, in words: when it fires, that it is an
    addition, its voided lines and its allergies."""
    notes = []
    if not ticket.held and ticket.fire_at is not None and ticket.fire_at > now:
        notes.append(f"FIRES IN {format_age(ticket.fire_at - now + timedelta(seconds=0.999))}")
    if ticket.is_addition:
        notes.append("+ ADDITION")
    voided = sum(1 for item in ticket.items if item.voided)
    if voided:
        notes.append(f"{voided} VOID")
    if ticket.allergy_notes:
        notes.append("⚠ ALLERGY")
    return "".join(f" · {note}" for note in notes)


def expo_text(entries: Sequence[ExpoEntry], now: datetime, typed: str = "") -> Text:
    """The board as drawn: orders ready to send out first (marked ``READY TO SEND``), then the
    others oldest first, each with its age and one line per ticket; the typed number last."""
    text = Text("EXPO", style="bold")
    ready = sum(1 for e in entries if e.ready)
    text.append(f" │ {len(entries)} open │ {ready} ready to send\n")
    if not entries:
        text.append("\nno open orders", style="dim")
    ordered = sorted(entries, key=lambda e: (not e.ready, min(t.created_at for t in e.tickets)))
    for entry in ordered:
        age = format_age(now - min(t.created_at for t in entry.tickets))
        table = f" · T{entry.table}" if entry.table and entry.table.isdigit() else ""
        if entry.table and not entry.table.isdigit():
            table = f" · {entry.table}"
        text.append(f"\n#{entry.number}{table}  {age}", style="bold")
        if entry.ready:
            text.append("  READY TO SEND", style="bold reverse")
        for ticket in entry.tickets:
            if ticket.status == "CANCELLED":
                continue
            text.append(f"\n   {ticket.station:<10} {_ticket_word(ticket)}")
            text.append(_ticket_notes(ticket, now), style="bold")
    text.append(f"\n\nsend out #: {typed}", style="bold")
    return text


def pick(entries: Sequence[ExpoEntry], typed: str) -> ExpoEntry | None:
    """The one order whose number starts with ``typed`` (case-insensitive), else None."""
    wanted = typed.strip().upper().lstrip("#")
    found = [e for e in entries if wanted and e.number.upper().startswith(wanted)]
    return found[0] if len(found) == 1 else None


class ExpoApp(App[None]):
    """The expediter's board against a running API."""

    TITLE = "RestMan Expo"
    CSS_PATH = "kitchen.tcss"  # the board's styles, for the quit question
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        config: KitchenConfig,
        *,
        client: KitchenClient | None = None,
        clock: Clock = lambda: datetime.now(UTC),
        refresh_seconds: float = 2.0,
    ) -> None:
        super().__init__()
        self.config = config
        self.client = client or KitchenClient(config.api_url, config.token)
        self.clock = clock
        self.entries: list[ExpoEntry] = []
        self.typed = ""
        self.online: bool | None = None
        self._refresh_seconds = refresh_seconds

    def compose(self) -> ComposeResult:
        yield Static(id="expo")

    async def on_mount(self) -> None:
        await self.reload()
        self.set_interval(self._refresh_seconds, self.reload)

    async def on_unmount(self) -> None:
        await self.client.aclose()

    def draw(self) -> None:
        self.query_one("#expo", Static).update(expo_text(self.entries, self.clock(), self.typed))

    async def reload(self) -> None:
        """Fetch the board; on failure keep the last one and say why."""
        try:
            rows = await self.client.expo(self.config.restaurant_id)
            self.entries = [ExpoEntry.from_json(row) for row in rows]
            self.online = True
        except (ApiError, KeyError, ValueError) as error:
            if self.online is not False:
                message = getattr(error, "message", str(error))
                if isinstance(error, ApiError) and error.unauthorized:
                    message = "Not signed in: sign in with `restman kitchen` first"
                self.notify(message, severity="error")
            self.online = False
        self.draw()

    async def on_key(self, event: Key) -> None:
        if len(self.screen_stack) > 1:
            return  # the quit question is on top and answers its own keys
        if event.key == "q" and not self.typed:
            # After this key is done with: asked at once, the question would take it as "q".
            self.call_later(self._quit)
        elif event.key == "enter":
            await self.send_out()
        elif event.key == "backspace":
            self.typed = self.typed[:-1]
        elif event.key == "escape":
            self.typed = ""
        elif event.character and event.character.isalnum() and len(self.typed) < 12:
            self.typed += event.character.upper()
        self.draw()

    def _quit(self) -> None:
        """Quit at once with no open order; otherwise ask first (q or y quits, Escape stays)."""
        if not self.entries:
            self.exit()
            return

        def answered(quit_now: bool | None) -> None:
            if quit_now:
                self.exit()

        self.push_screen(QuitScreen(len(self.entries), "order"), answered)

    async def send_out(self) -> None:
        """The expo bump of the order the typed number names."""
        entry = pick(self.entries, self.typed)
        if entry is None:
            self.notify(f"No single open order numbered {self.typed or '…'}", severity="warning")
            return
        try:
            await self.client.deliver(entry.order_id)
            self.notify(f"#{entry.number} sent out")
            self.typed = ""
        except ApiError as error:
            self.notify(error.message, severity="error")
        await self.reload()
