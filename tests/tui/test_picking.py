"""Picking a ticket on the board: by its short number, which it keeps while it is on the board
however the cards before it move, and by typing its order number; and quitting, which asks
first while tickets are open."""

from __future__ import annotations

from pathlib import Path

from restman_tui.app import KitchenApp
from restman_tui.screens import PickScreen, QuitScreen
from tests.tui.fake_api import FakeKitchenApi
from tests.tui.support import FrozenClock, ago, card_text, make_app, shown_ids, until

Kitchen = tuple[FakeKitchenApi, str]


def _title(app: KitchenApp, ticket_id: str) -> str:
    return card_text(app, ticket_id).splitlines()[0]


async def test_a_card_keeps_its_number_when_cards_before_it_are_bumped(
    kitchen: Kitchen, token: str, clock: FrozenClock, tmp_path: Path
) -> None:
    api, url = kitchen
    tickets = [
        api.place_order([(food, 1, None, "grill")], at=ago(clock, 10 - n))[0]
        for n, food in enumerate(("Soup", "Salad", "Steak", "Pie"))
    ]
    soup, salad, steak, pie = (t["id"] for t in tickets)
    app = make_app(url, token, clock, tmp_path / "kitchen.json")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: shown_ids(app, "NEW") == [soup, salad, steak, pie])
        assert _title(app, steak).startswith(f"3 #{tickets[2]['order_number']}")
        await pilot.press("1", "d", "2", "enter")  # the soup out, the salad accepted
        await until(pilot, lambda: shown_ids(app, "NEW") == [steak, pie])
        await until(pilot, lambda: shown_ids(app, "ACCEPTED") == [salad])
        # The steak is the first card of its column now, and still number 3.
        assert _title(app, steak).startswith("3 #")
        assert _title(app, salad).startswith("2 #")
        await pilot.press("3", "enter")
        await until(pilot, lambda: api.tickets[steak]["status"] == "ACCEPTED")
        assert api.tickets[pie]["status"] == "NEW"
        assert api.tickets[salad]["status"] == "ACCEPTED"
        # A new ticket takes the number the soup freed; the others keep theirs.
        (tart,) = api.place_order([("Tart", 1, None, "grill")])
        await until(pilot, lambda: tart["id"] in shown_ids(app, "NEW"))
        assert _title(app, tart["id"]).startswith(f"1 #{tart['order_number']}")
        assert _title(app, pie).startswith("4 #")


async def test_typing_an_order_number_picks_its_ticket(
    kitchen: Kitchen, token: str, clock: FrozenClock, tmp_path: Path
) -> None:
    api, url = kitchen
    older = api.place_order([("Soup", 1, None, "grill")], at=ago(clock, 5))[0]
    grill, cold = api.place_order([("Steak", 1, None, "grill"), ("Salad", 1, None, "cold")])
    app = make_app(url, token, clock, tmp_path / "kitchen.json")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: len(shown_ids(app, "NEW")) == 3)
        assert app.board.selected_id == older["id"]
        number = grill["order_number"]
        await pilot.press("number_sign")
        await until(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press(*number.lower(), "enter")
        await until(pilot, lambda: app.board.selected_id == grill["id"])
        assert not isinstance(app.screen, PickScreen)
        # Again with `/` and the start of the number: the same order's next ticket.
        await pilot.press("slash", *number[:4], "enter")
        await until(pilot, lambda: app.board.selected_id == cold["id"])
        await pilot.press("enter")  # and the keys act on the picked ticket
        await until(pilot, lambda: api.tickets[cold["id"]]["status"] == "ACCEPTED")
        assert api.tickets[grill["id"]]["status"] == "NEW"
        # A number no shown order has: the selection stays and the cook is told.
        await pilot.press("slash", "Z", "Z", "enter")
        await until(
            pilot, lambda: any("ZZ is not shown" in str(n.message) for n in app._notifications)
        )
        assert app.board.selected_id == cold["id"]
        # Escape leaves the prompt without picking anything.
        await pilot.press("slash", *number, "escape")
        await until(pilot, lambda: not isinstance(app.screen, PickScreen))
        assert app.board.selected_id == cold["id"]


async def test_quit_asks_while_tickets_are_open(
    kitchen: Kitchen, token: str, clock: FrozenClock, tmp_path: Path
) -> None:
    api, url = kitchen
    (ticket,) = api.place_order([("Soup", 1, None, "grill")])
    app = make_app(url, token, clock, tmp_path / "kitchen.json")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: shown_ids(app, "NEW") == [ticket["id"]])
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, QuitScreen))
        assert "1 ticket is still open" in str(app.screen.query_one("#quit Static").render())
        await pilot.press("enter")  # the board's keys do nothing while it asks
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, QuitScreen))
        assert app.is_running
        assert api.tickets[ticket["id"]]["status"] == "NEW"
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, QuitScreen))
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running)


async def test_quit_on_an_empty_board_does_not_ask(
    kitchen: Kitchen, token: str, clock: FrozenClock, tmp_path: Path
) -> None:
    _, url = kitchen
    app = make_app(url, token, clock, tmp_path / "kitchen.json")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.loaded)
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running)
