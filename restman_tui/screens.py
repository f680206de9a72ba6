"""Screens over the board: signing in with an emailed code, and the key help."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static

from restman_tui.client import ApiError, KitchenClient, SignedIn
from restman_tui.config import ACTION_LABELS, KitchenConfig


class SignInScreen(Screen[SignedIn]):
    """Request a code for an email address, then enter it. Dismisses with the session."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.quit", "Quit")]

    def __init__(self, client: KitchenClient, email: str | None, reason: str) -> None:
        super().__init__(id="sign-in-screen")
        self._client = client
        self._email = email or ""
        self._reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(id="sign-in"):
            yield Static("Kitchen display: sign in", classes="sign-in-title")
            yield Static(self._reason, id="sign-in-reason")
            yield Input(self._email, placeholder="email address", id="email")
            yield Input(placeholder="code from the email", id="code", disabled=True)
            yield Static("Enter your email and press Enter to get a code.", id="sign-in-message")

    def on_mount(self) -> None:
        self.query_one("#sign-in-reason", Static).display = bool(self._reason)
        self.query_one("#email", Input).focus()

    def _say(self, message: str) -> None:
        self.query_one("#sign-in-message", Static).update(message)

    @on(Input.Submitted, "#email")
    def email_entered(self, event: Input.Submitted) -> None:
        email = event.value.strip()
        if "@" not in email:
            self._say("That does not look like an email address.")
            return
        self._email = email
        self._request_code(email)

    @work(exclusive=True, group="sign-in")
    async def _request_code(self, email: str) -> None:
        self._say(f"Sending a code to {email}…")
        try:
            await self._client.request_code(email)
        except ApiError as exc:
            self._say(f"Could not send a code: {exc.message}")
            return
        code = self.query_one("#code", Input)
        code.disabled = False
        code.focus()
        self._say(f"Code sent to {email}. Enter it and press Enter.")

    @on(Input.Submitted, "#code")
    def code_entered(self, event: Input.Submitted) -> None:
        code = event.value.strip()
        if code:
            self._verify(code)

    @work(exclusive=True, group="sign-in")
    async def _verify(self, code: str) -> None:
        self._say("Checking the code…")
        try:
            signed_in = await self._client.verify_code(self._email, code)
        except ApiError as exc:
            self._say(f"Sign-in failed: {exc.message}")
            self.query_one("#code", Input).clear()
            return
        self.dismiss(signed_in)


class HelpScreen(ModalScreen[None]):
    """Every key the board answers to, as configured."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close"),
    ]

    def __init__(self, config: KitchenConfig) -> None:
        super().__init__(id="help-screen")
        self._config = config

    def compose(self) -> ComposeResult:
        table = Table(title="Kitchen display keys", expand=True, show_edge=False)
        table.add_column("Keys", style="bold", no_wrap=True)
        table.add_column("Action")
        table.add_row("1-9", "Select the card with that short number")
        for group in _HELP_ROWS:
            keys = " ".join(key_names(self._config.key_for(action)) for action in group)
            table.add_row(keys, _HELP.get(group[0], ACTION_LABELS[group[0]]))
        with Vertical(id="help"):
            yield Static(table)
            yield Static("Esc or ? closes this help.", classes="help-hint")


#: The help's rows, in order: actions that go together share a row (one line each, so the
#: whole help fits an 80x24 screen).
_HELP_ROWS: tuple[tuple[str, ...], ...] = (
    ("bump",),
    ("deliver",),
    ("recall",),
    ("item_done",),
    ("next_item", "previous_item"),
    ("pick",),
    ("up", "down", "left", "right"),
    ("page_down", "page_up"),
    ("all_day",),
    ("station",),
    ("refresh",),
    ("help",),
    ("quit",),
)
_HELP = {
    "bump": "Bump the selected card to the next status",
    "deliver": "Send the selected card straight to service",
    "recall": "Recall the last bump; offline: reconnect now",
    "item_done": "Mark the selected item done (again: undo)",
    "next_item": "Next / previous item on the card",
    "all_day": "Show or hide the all-day counts",
    "station": "Cycle the station filter",
    "refresh": "Reload every ticket; offline: reconnect now",
    "pick": "Pick by order number: type it (or its start), Enter",
    "help": "This help",
    "quit": "Quit; with tickets open: q or y quits, Esc stays",
    "up": "Select a card; its column scrolls with it",
    "page_down": "A page down / up the selected card's column",
}


_KEY_NAMES = {
    "question_mark": "?",
    "number_sign": "#",
    "slash": "/",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "enter": "Enter",
    "space": "Space",
    "escape": "Esc",
}


def key_names(keys: str) -> str:
    """Textual key names as a cook reads them (``number_sign,slash`` is ``#,/``)."""
    return ",".join(_KEY_NAMES.get(key, key) for key in keys.split(","))


class PickScreen(ModalScreen[str | None]):
    """A one-line prompt at the bottom: the cook types an order number (or its start) and
    Enter; dismisses with what was typed, or None on Escape."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self) -> None:
        super().__init__(id="pick-screen")

    def compose(self) -> ComposeResult:
        with Vertical(id="pick"):
            yield Static("Order number, then Enter (Esc cancels)", classes="pick-hint")
            yield Input(placeholder="e.g. B408E2", id="pick-number")

    def on_mount(self) -> None:
        self.query_one("#pick-number", Input).focus()

    @on(Input.Submitted, "#pick-number")
    def entered(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class QuitScreen(ModalScreen[bool]):
    """Asks before the display closes on open tickets: ``q`` (again) or ``y`` quits, Escape
    or ``n`` stays. Dismisses with whether to quit."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,y", "answer(True)", "Quit"),
        Binding("escape,n", "answer(False)", "Stay"),
    ]

    def __init__(self, open_count: int, what: str = "ticket") -> None:
        super().__init__(id="quit-screen")
        self._open = open_count
        self._what = what

    def compose(self) -> ComposeResult:
        with Vertical(id="quit"):
            plural = f"{self._what} is" if self._open == 1 else f"{self._what}s are"
            yield Static(f"{self._open} {plural} still open. Quit the kitchen display?")
            yield Static("q or y: quit    Esc or n: stay on the board", classes="help-hint")

    def action_answer(self, quit_now: bool) -> None:
        self.dismiss(quit_now)
