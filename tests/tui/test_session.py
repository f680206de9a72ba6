"""Signing in on the display, keeping the token private, signing in again when it expires,
and the keys a cook configures."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from restman_tui.screens import HelpScreen, SignInScreen
from tests.tui.fake_api import FakeKitchenApi
from tests.tui.support import EMAIL, FrozenClock, make_app, shown_ids, until

Kitchen = tuple[FakeKitchenApi, str]


async def _sign_in(pilot: object, api: FakeKitchenApi, app: object) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await until(pilot, lambda: isinstance(pilot.app.screen, SignInScreen))
    await pilot.press(*EMAIL, "enter")
    await until(pilot, lambda: EMAIL in api.codes)
    await until(pilot, lambda: pilot.app.screen.query_one("#code").has_focus)
    await pilot.press(*api.codes[EMAIL], "enter")


async def test_sign_in_with_an_emailed_code_saves_a_private_token(
    kitchen: Kitchen, clock: FrozenClock, tmp_path: Path
) -> None:
    api, url = kitchen
    (ticket,) = api.place_order([("Soup", 1, None, "kitchen")])
    config_path = tmp_path / "restman" / "kitchen.json"
    app = make_app(url, None, clock, config_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await _sign_in(pilot, api, app)
        await until(pilot, lambda: shown_ids(app, "NEW") == [ticket["id"]])
        assert app.who == EMAIL
    saved = json.loads(config_path.read_text())
    assert saved["token"] in api.sessions
    assert saved["email"] == EMAIL
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_path.parent.stat().st_mode) == 0o700


async def test_wrong_code_is_refused_on_the_screen(
    kitchen: Kitchen, clock: FrozenClock, tmp_path: Path
) -> None:
    api, url = kitchen
    app = make_app(url, None, clock, tmp_path / "kitchen.json")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        await pilot.press(*EMAIL, "enter")
        await until(pilot, lambda: EMAIL in api.codes)
        wrong = "000000" if api.codes[EMAIL] != "000000" else "111111"
        await until(pilot, lambda: app.screen.query_one("#code").has_focus)
        await pilot.press(*wrong, "enter")
        message = app.screen.query_one("#sign-in-message")
        await until(pilot, lambda: "Sign-in failed" in str(message.render()))
        assert isinstance(app.screen, SignInScreen)
        assert not app.ready


async def test_expired_session_offers_sign_in_again(
    kitchen: Kitchen, token: str, clock: FrozenClock, tmp_path: Path
) -> None:
    api, url = kitchen
    (ticket,) = api.place_order([("Soup", 1, None, "kitchen")])
    app = make_app(url, token, clock, tmp_path / "kitchen.json")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: shown_ids(app, "NEW") == [ticket["id"]])
        api.expire_sessions()
        await pilot.press("enter")
        await _sign_in(pilot, api, app)
        await until(pilot, lambda: app.ready and app.online is True)
        assert api.tickets[ticket["id"]]["status"] == "NEW"  # the refused bump changed nothing
        await pilot.press("enter")
        await until(pilot, lambda: api.tickets[ticket["id"]]["status"] == "ACCEPTED")


async def test_rebound_keys_help_and_quit(
    kitchen: Kitchen, token: str, clock: FrozenClock, tmp_path: Path
) -> None:
    api, url = kitchen
    (ticket,) = api.place_order([("Soup", 1, None, "kitchen")])
    app = make_app(url, token, clock, tmp_path / "kitchen.json", keys={"bump": "b"})
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: shown_ids(app, "NEW") == [ticket["id"]])
        await pilot.press("enter")  # no longer bound
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("b")  # the help screen is on top: the board ignores it
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen))
        assert api.tickets[ticket["id"]]["status"] == "NEW"
        await pilot.press("b")
        await until(pilot, lambda: api.tickets[ticket["id"]]["status"] == "ACCEPTED")
        await pilot.press("q", "q")  # a ticket is open: the second q confirms
        await until(pilot, lambda: not app.is_running)
