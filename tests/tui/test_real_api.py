"""The kitchen display against the real API (create_app over embedded storage, served by
uvicorn on 127.0.0.1): a cook signs in with the mailed code and runs an order through."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from restman_tui.screens import SignInScreen
from tests.api.harness import Harness, mails_to
from tests.api.live import live_api
from tests.support.services import wait_for
from tests.tui.support import FrozenClock, make_app, shown_ids, until


async def _ticket(h: Harness, headers: dict[str, str], ticket_id: str) -> dict[str, Any]:
    response = await h.client.get(f"/api/kitchen/tickets/{ticket_id}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _order_status(h: Harness, headers: dict[str, str], order_id: str) -> str:
    response = await h.client.get(f"/api/orders/{order_id}", headers=headers)
    return str(response.json()["status"])


async def test_a_cook_runs_an_order_on_the_real_api(tmp_path: Path) -> None:
    async with live_api(tmp_path / "api") as h:
        owner = await h.new_user("rest")
        rid, _, fid = await h.restaurant_with_food(owner)
        staff = await h.new_staff(owner, rid)
        customer = await h.new_user("user")
        mails_before = len(mails_to(h.outbox, staff.email))
        app = make_app(str(h.client.base_url), None, FrozenClock(), tmp_path / "kitchen.json")
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, SignInScreen))
            await pilot.press(*staff.email, "enter")
            await until(pilot, lambda: len(mails_to(h.outbox, staff.email)) > mails_before)
            code = await h.last_code(staff.email)  # the newest mail's code
            await until(pilot, lambda: app.screen.query_one("#code").has_focus)
            await pilot.press(*code, "enter")
            await until(pilot, lambda: app.loaded and app.online is True, timeout=30)
            assert app.restaurant_id == rid

            order = await h.place(customer, rid, fid, quantity=2)
            await until(pilot, lambda: len(shown_ids(app, "NEW")) == 1, timeout=30)
            (ticket_id,) = shown_ids(app, "NEW")
            assert app.board.tickets[ticket_id].order_id == order["id"]
            assert app.bells == 1

            await pilot.press("enter")
            await until(pilot, lambda: shown_ids(app, "ACCEPTED") == [ticket_id])
            assert (await _ticket(h, staff.headers, ticket_id))["status"] == "ACCEPTED"

            await pilot.press("a")
            await until(pilot, lambda: [x.quantity for x in app.board.all_day] == [2])
            await pilot.press("i")
            await until(pilot, lambda: app.board.all_day == [])
            assert (await _ticket(h, staff.headers, ticket_id))["items"][0]["done"] is True

            await pilot.press("d")
            await until(pilot, lambda: not shown_ids(app, "ACCEPTED"))
            assert (await _ticket(h, staff.headers, ticket_id))["status"] == "DELIVERED_TO_SERVICE"
            # Its only ticket delivered, the order completes; a completed order's ticket is
            # never reopened, so the recall is refused and the ticket stays delivered.
            await wait_for(
                lambda: _order_status(h, staff.headers, order["id"]),
                until="COMPLETED".__eq__,
                what="the order completed by kitchen progress",
            )
            await pilot.press("r")
            await until(
                pilot,
                lambda: any(
                    "can no longer be recalled" in str(n.message) for n in app._notifications
                ),
            )
            assert not shown_ids(app, "ACCEPTED")
            assert (await _ticket(h, staff.headers, ticket_id))["status"] == "DELIVERED_TO_SERVICE"
