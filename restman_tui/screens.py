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
        table.add_column("Keys", style="bold")
        table.add_column("Action")
        table.add_row("1-9", "Select card by number (reading order)")
        for action, label in ACTION_LABELS.items():
            keys = self._config.key_for(action).replace("question_mark", "?")
            table.add_row(keys, _HELP.get(action, label))
        with Vertical(id="help"):
            yield Static(table)
            yield Static("Esc or ? closes this help.", classes="help-hint")


_HELP = {
    "bump": "Bump selected card to the next status",
    "deliver": "Send selected card straight to DELIVERED_TO_SERVICE",
    "recall": "Recall the last bumped ticket",
    "item_done": "Mark the selected item done (again: not done)",
    "next_item": "Select the next item on the card",
    "previous_item": "Select the previous item on the card",
    "all_day": "Show or hide the all-day counts",
    "station": "Cycle the station filter",
    "refresh": "Reload every ticket from the API",
    "help": "This help",
    "quit": "Quit",
    "up": "Select the card above",
    "down": "Select the card below",
    "left": "Select a card in the column to the left",
    "right": "Select a card in the column to the right",
}
