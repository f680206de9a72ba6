"""The expediter's terminal: the board text (ready orders first, every ticket and station,
HELD spelled out), picking an order by typing its number, and sending one out on the real API."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from restman_tui.config import KitchenConfig
from restman_tui.expo import ExpoApp, ExpoEntry, expo_text, pick
from restman_tui.screens import QuitScreen
from tests.api.live import live_api
from tests.tui.fake_api import FakeKitchenApi
from tests.tui.support import FROZEN, FrozenClock, until


def entry(number: str, ready: bool, *tickets: tuple[str, str, bool]) -> ExpoEntry:
    return ExpoEntry.from_json(
        {
            "order": {"id": f"id-{number}", "status": "IN_PROGRESS"},
            "order_number": number,
            "table": "4",
            "ready_for_expo": ready,
            "tickets": [
                {
                    "id": f"{number}-{station}",
                    "status": status,
                    "version": 1,
                    "station": station,
                    "held": held,
                    "created_at": (FROZEN - timedelta(minutes=7)).isoformat(),
                }
                for station, status, held in tickets
            ],
        }
    )


def test_ready_orders_come_first_with_every_ticket() -> None:
    waiting = entry("AAA111", False, ("grill", "IN_PROGRESS", False), ("pastry", "NEW", True))
    ready = entry("BBB222", True, ("bar", "READY", False))
    lines = expo_text([waiting, ready], FROZEN, "BB").plain.splitlines()
    assert lines[0] == "EXPO │ 2 open │ 1 ready to send"
    assert lines[2:5] == [
        "#BBB222 · T4  7:00  READY TO SEND",
        "   bar        READY",
        "#AAA111 · T4  7:00",
    ]
    assert lines[5:7] == ["   grill      IN PROGRESS", "   pastry     HELD"]
    assert lines[-1] == "send out #: BB"


def test_a_typed_number_must_name_one_order() -> None:
    orders = [entry("AB1234", True), entry("AB9999", False), entry("CD0000", False)]
    assert pick(orders, "ab") is None
    picked = pick(orders, "#ab9")
    assert picked is not None
    assert picked.number == "AB9999"
    assert pick(orders, "") is None


async def test_the_expediter_sends_a_ready_order_out_on_the_real_api(tmp_path: Path) -> None:
    async with live_api(tmp_path / "api") as h:
        owner = await h.new_user("rest")
        rid, _, fid = await h.restaurant_with_food(owner)
        customer = await h.new_user("user")
        order = await h.place(customer, rid, fid, quantity=1)
        (ticket,) = await h.tickets_of(owner.headers, order["id"])
        for status in ("ACCEPTED", "IN_PROGRESS", "READY"):
            r = await h.client.patch(
                f"/api/kitchen/tickets/{ticket['id']}/status",
                json={"status": status},
                headers=owner.headers,
            )
            assert r.status_code == 200, r.text
        config = KitchenConfig(api_url=str(h.client.base_url), token=owner.token, restaurant_id=rid)
        app = ExpoApp(config, clock=FrozenClock(), refresh_seconds=0.2)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: [e.ready for e in app.entries] == [True], timeout=30)
            await pilot.press(*order["number"][:4], "enter")
            await until(pilot, lambda: app.entries == [], timeout=30)

        r = await h.client.get(f"/api/orders/{order['id']}", headers=owner.headers)
        assert r.json()["status"] == "COMPLETED"


async def test_the_expediter_is_asked_before_quitting_on_open_orders(
    kitchen: tuple[FakeKitchenApi, str], token: str, clock: FrozenClock
) -> None:
    api, url = kitchen
    app = ExpoApp(KitchenConfig(api_url=url, token=token), clock=clock, refresh_seconds=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        api.place_order([("Soup", 1, None, "cold")])
        await until(pilot, lambda: len(app.entries) == 1)
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, QuitScreen))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, QuitScreen))
        assert app.is_running
        await pilot.press("q", "q")
        await until(pilot, lambda: not app.is_running)
