"""The board on the smallest kitchen screen (80x24): a column with more cards than fit says how
many are out of view (``+N below``) and scrolls to them with the keys, and no card's order
number or timer is ever cut short, with or without the all-day panel."""

from __future__ import annotations

import re
from pathlib import Path

from restman_tui.app import KitchenApp
from restman_tui.widgets import BoardColumn
from tests.tui.fake_api import FakeKitchenApi
from tests.tui.support import FrozenClock, ago, make_app, screen_text, shown_ids, until

Kitchen = tuple[FakeKitchenApi, str]


def _more_line(app: KitchenApp) -> str:
    column = app.query_one("#column-new", BoardColumn)
    line = column.query_one(".column-more")
    return str(line.render()) if line.display else ""


async def test_a_full_column_says_how_many_cards_are_below_and_scrolls_to_them(
    kitchen: Kitchen, token: str, clock: FrozenClock, tmp_path: Path
) -> None:
    api, url = kitchen
    placed = [
        api.place_order([(f"Dish {n}", 1, "no salt", "grill")], at=ago(clock, 30 - n))[0]
        for n in range(6)
    ]
    ids = [t["id"] for t in placed]
    app = make_app(url, token, clock, tmp_path / "kitchen.json")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: shown_ids(app, "NEW") == ids)
        column = app.query_one("#column-new", BoardColumn)
        await until(pilot, lambda: column.hidden_below > 0)
        below = column.hidden_below
        assert _more_line(app) == f"+{below} below"
        assert f"+{below} below" in screen_text(app)
        # A ticket placed now lands at the bottom, out of view: the count says so at once.
        (late,) = api.place_order([("Late dish", 1, None, "grill")])
        await until(pilot, lambda: late["id"] in shown_ids(app, "NEW"))
        await until(pilot, lambda: column.hidden_below == below + 1)
        assert late["order_number"] not in screen_text(app)
        # Page down: the column scrolls, cards above are counted too.
        await pilot.press("pagedown")
        await until(pilot, lambda: column.hidden_above > 0)
        assert f"+{column.hidden_above} above" in _more_line(app)
        # Down to the last card: the new ticket is on screen, nothing is left below.
        for _ in range(len(ids) + 1):
            await pilot.press("down")
        await until(pilot, lambda: app.board.selected_id == late["id"])
        await until(pilot, lambda: column.hidden_below == 0)
        assert late["order_number"] in screen_text(app)
        assert "below" not in _more_line(app)
        await pilot.press("pageup", "pageup", "pageup", "pageup", "pageup", "pageup", "pageup")
        await until(pilot, lambda: app.board.selected_id == ids[0])
        await until(pilot, lambda: column.hidden_above == 0 and column.hidden_below > 0)


async def test_a_column_that_fits_says_nothing(
    kitchen: Kitchen, token: str, clock: FrozenClock, tmp_path: Path
) -> None:
    api, url = kitchen
    (ticket,) = api.place_order([("Soup", 1, None, "grill")])
    app = make_app(url, token, clock, tmp_path / "kitchen.json")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: shown_ids(app, "NEW") == [ticket["id"]])
        column = app.query_one("#column-new", BoardColumn)
        assert (column.hidden_above, column.hidden_below) == (0, 0)
        assert _more_line(app) == ""


async def test_order_numbers_and_timers_are_whole_at_80_columns(
    kitchen: Kitchen, token: str, clock: FrozenClock, tmp_path: Path
) -> None:
    api, url = kitchen
    placed = [
        api.place_order([("Chicken wings", 2, None, "grill")], at=ago(clock, minutes))[0]
        for minutes in (75.5, 12, 3)
    ]
    for ticket, status in zip(placed, ("READY", "IN_PROGRESS", "ACCEPTED"), strict=True):
        for step in ("ACCEPTED", "IN_PROGRESS", "READY")[
            : ("ACCEPTED", "IN_PROGRESS", "READY").index(status) + 1
        ]:
            api.move(ticket["id"], step, api.tickets[ticket["id"]]["version"])
    api.place_order([("Soup", 1, None, "cold")])
    app = make_app(url, token, clock, tmp_path / "kitchen.json")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(app.board.ordered()) == 4)
        _assert_whole(app)
        await pilot.press("a")  # the all-day panel moves under the board, not beside it
        await until(pilot, lambda: bool(app.board.all_day))
        _assert_whole(app)


def _assert_whole(app: KitchenApp) -> None:
    screen = screen_text(app)
    for ticket in app.board.ordered():
        number = app.board.number_of(ticket.id)
        assert f"{number} #{ticket.order_number}" in screen, screen
    for age in ("1:15:30", "12:00", "3:00", "0:00"):
        assert re.search(rf"[─━ ]{re.escape(age)}[─━ ]", screen), (age, screen)
