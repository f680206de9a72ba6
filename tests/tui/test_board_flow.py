"""The kitchen display against the fake API over HTTP: what a cook sees and what the API ends
up recording when the cook presses keys."""

from __future__ import annotations

from pathlib import Path

from tests.tui.fake_api import FakeKitchenApi
from tests.tui.support import FrozenClock, ago, card_text, make_app, shown_ids, until

Kitchen = tuple[FakeKitchenApi, str]


async def test_placed_order_appears_through_the_stream_and_rings(
    kitchen: Kitchen, token: str, clock: FrozenClock, tmp_path: Path
) -> None:
    api, url = kitchen
    app = make_app(url, token, clock, tmp_path / "kitchen.json")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.loaded)
        (ticket,) = api.place_order(
            [("Burger", 2, "no onions", "grill"), ("Fries", 1, None, "grill")],
            table="4",
            special="Nut allergy",
        )
        await until(pilot, lambda: shown_ids(app, "NEW") == [ticket["id"]])
        text = card_text(app, ticket["id"])
        assert f"#{ticket['order_number']}" in text
        assert "Dine-in · T4" in text
        assert "2× Burger" in text
        assert "no onions" in text
        assert "1× Fries" in text
        assert "Nut allergy" in text
        assert app.bells == 1
        assert app.board.is_highlighted(ticket["id"], clock())


async def test_bump_moves_the_card_and_the_api_agrees(
    kitchen: Kitchen, token: str, clock: FrozenClock, tmp_path: Path
) -> None:
    api, url = kitchen
    (ticket,) = api.place_order([("Soup", 1, None, "kitchen")])
    app = make_app(url, token, clock, tmp_path / "kitchen.json")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: shown_ids(app, "NEW") == [ticket["id"]])
        assert app.bells == 0  # tickets already open at start-up do not ring
        await pilot.press("enter")
        await until(pilot, lambda: shown_ids(app, "ACCEPTED") == [ticket["id"]])
        assert api.tickets[ticket["id"]]["status"] == "ACCEPTED"
        await pilot.press("space")
        await until(pilot, lambda: shown_ids(app, "IN_PROGRESS") == [ticket["id"]])
        await pilot.press("enter")
        await until(pilot, lambda: shown_ids(app, "READY") == [ticket["id"]])
        assert api.tickets[ticket["id"]]["status"] == "READY"
        await pilot.press("enter")
        await until(pilot, lambda: api.tickets[ticket["id"]]["status"] == "DELIVERED_TO_SERVICE")
        await until(pilot, lambda: not any(shown_ids(app, s) for s in ("NEW", "READY")))


async def test_recall_undoes_the_last_bump(
    kitchen: Kitchen, token: str, clock: FrozenClock, tmp_path: Path
) -> None:
    api, url = kitchen
    (first,) = api.place_order([("Salad", 1, None, "cold")], at=ago(clock, 6))
    (second,) = api.place_order([("Soup", 1, None, "cold")], at=ago(clock, 2))
    app = make_app(url, token, clock, tmp_path / "kitchen.json")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: shown_ids(app, "NEW") == [first["id"], second["id"]])
        await pilot.press("2", "d")  # the second card straight to service
        await until(pilot, lambda: api.tickets[second["id"]]["status"] == "DELIVERED_TO_SERVICE")
        await until(pilot, lambda: shown_ids(app, "NEW") == [first["id"]])
        await pilot.press("r")
        await until(pilot, lambda: shown_ids(app, "NEW") == [first["id"], second["id"]])
        assert api.tickets[second["id"]]["status"] == "NEW"
        assert app.board.is_highlighted(second["id"], clock())
        assert app.board.selected_id == second["id"]
        await pilot.press("r")  # nothing left to recall: a notification, no change
        await until(
            pilot, lambda: any("Nothing to recall" in str(n.message) for n in app._notifications)
        )
        assert api.tickets[first["id"]]["status"] == "NEW"


async def test_item_done_marks_the_selected_item_and_moves_on(
    kitchen: Kitchen, token: str, clock: FrozenClock, tmp_path: Path
) -> None:
    api, url = kitchen
    (ticket,) = api.place_order([("Burger", 2, None, "grill"), ("Steak", 1, "rare", "grill")])
    app = make_app(url, token, clock, tmp_path / "kitchen.json")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: shown_ids(app, "NEW") == [ticket["id"]])
        await pilot.press("1", "i")
        await until(pilot, lambda: api.tickets[ticket["id"]]["items"][0]["done"])
        await until(pilot, lambda: app.board.item_index == 1)
        assert "✓2× Burger" in card_text(app, ticket["id"])
        assert not api.tickets[ticket["id"]]["items"][1]["done"]
        await pilot.press("p", "i")  # back to the burger: undo the mark
        await until(pilot, lambda: not api.tickets[ticket["id"]]["items"][0]["done"])


async def test_all_day_panel_counts_open_items(
    kitchen: Kitchen, token: str, clock: FrozenClock, tmp_path: Path
) -> None:
    api, url = kitchen
    api.place_order([("Burger", 2, None, "grill"), ("Salad", 1, None, "cold")], at=ago(clock, 9))
    (grill, _) = api.place_order([("Burger", 3, None, "grill"), ("Salad", 2, None, "cold")])
    app = make_app(url, token, clock, tmp_path / "kitchen.json")
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.loaded)
        await pilot.press("a")
        await until(pilot, lambda: len(app.board.all_day) == 2)
        counts = {line.food_name: line.quantity for line in app.board.all_day}
        assert counts == {"Burger": 5, "Salad": 3}
        assert "  5 Burger" in str(app.query_one("#all-day").render())
        app.board.select(grill["id"])
        await pilot.press("i")  # 3 burgers done: all day drops to 2
        await until(
            pilot,
            lambda: [(x.food_name, x.quantity) for x in app.board.all_day][:1] == [("Salad", 3)],
        )
        assert {x.food_name: x.quantity for x in app.board.all_day}["Burger"] == 2
        await pilot.press("a")
        assert not app.query_one("#all-day").display


async def test_station_filter_cycles_through_stations(
    kitchen: Kitchen, token: str, clock: FrozenClock, tmp_path: Path
) -> None:
    api, url = kitchen
    grill, cold = api.place_order([("Burger", 1, None, "grill"), ("Salad", 1, None, "cold")])
    app = make_app(url, token, clock, tmp_path / "kitchen.json")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: len(shown_ids(app, "NEW")) == 2)
        await pilot.press("s")
        await until(pilot, lambda: shown_ids(app, "NEW") == [cold["id"]])
        await pilot.press("enter")  # bumps the only card this station shows
        await until(pilot, lambda: api.tickets[cold["id"]]["status"] == "ACCEPTED")
        assert api.tickets[grill["id"]]["status"] == "NEW"
        await pilot.press("s")
        await until(
            pilot, lambda: shown_ids(app, "NEW") == [grill["id"]] and not shown_ids(app, "ACCEPTED")
        )
        await pilot.press("s")
        await until(
            pilot,
            lambda: (
                shown_ids(app, "NEW") == [grill["id"]]
                and shown_ids(app, "ACCEPTED") == [cold["id"]]
            ),
        )


async def test_concurrent_change_is_a_conflict_that_refreshes_the_card(
    kitchen: Kitchen, token: str, clock: FrozenClock, tmp_path: Path
) -> None:
    api, url = kitchen
    (ticket,) = api.place_order([("Soup", 1, None, "kitchen")])
    app = make_app(url, token, clock, tmp_path / "kitchen.json")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: shown_ids(app, "NEW") == [ticket["id"]])
        # This terminal's stream lags; meanwhile another terminal accepts the ticket.
        api.drop_streams(refuse=True)
        await until(pilot, lambda: app.online is False)
        api.change_elsewhere(ticket["id"])
        await pilot.press("enter")  # still believes the ticket is NEW at version 1
        await until(pilot, lambda: shown_ids(app, "ACCEPTED") == [ticket["id"]])
        assert api.tickets[ticket["id"]]["status"] == "ACCEPTED"  # nothing overwritten
        assert api.tickets[ticket["id"]]["version"] == 2
        assert any("changed on another terminal" in str(n.message) for n in app._notifications)


async def test_stream_loss_shows_a_banner_and_recovers_every_ticket(
    kitchen: Kitchen, token: str, clock: FrozenClock, tmp_path: Path
) -> None:
    api, url = kitchen
    app = make_app(url, token, clock, tmp_path / "kitchen.json")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.loaded)
        (old,) = api.place_order([("Soup", 1, None, "kitchen")], at=ago(clock, 1))
        await until(pilot, lambda: shown_ids(app, "NEW") == [old["id"]])
        seen = app.feed.last_event_id if app.feed else None
        assert seen == "1"
        api.drop_streams(refuse=True)
        banner = app.query_one("#offline")
        await until(pilot, lambda: app.online is False and banner.display)
        assert "OFFLINE" in str(banner.render())
        (new,) = api.place_order([("Pie", 1, None, "kitchen")])
        api.change_elsewhere(old["id"])
        api.accept_streams()
        await until(pilot, lambda: app.online is True and not banner.display)
        await until(pilot, lambda: shown_ids(app, "NEW") == [new["id"]])
        assert shown_ids(app, "ACCEPTED") == [old["id"]]
        assert api.last_event_ids[-1] is not None
        assert api.last_event_ids[-1] == seen
        assert app.bells == 2  # one each for the ticket placed live and while offline
        api.place_order([("Tart", 1, None, "kitchen")])  # and the stream works again
        await until(pilot, lambda: len(shown_ids(app, "NEW")) == 2)


async def test_bell_can_be_turned_off(
    kitchen: Kitchen, token: str, clock: FrozenClock, tmp_path: Path
) -> None:
    api, url = kitchen
    app = make_app(url, token, clock, tmp_path / "kitchen.json", bell=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.loaded)
        (ticket,) = api.place_order([("Soup", 1, None, "kitchen")])
        await until(pilot, lambda: shown_ids(app, "NEW") == [ticket["id"]])
        assert app.board.is_highlighted(ticket["id"], clock())
        assert app.bells == 0
