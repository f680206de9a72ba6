"""The quote through the running API and its embedded pipeline: the customer's ready mail
shows the quoted ready time on the restaurant's clock, and the kitchen-times report, asked for
its quote error, says how far the ready time fell from that quote."""

from __future__ import annotations

from datetime import datetime
from email.message import Message
from typing import Any
from zoneinfo import ZoneInfo

from tests.api.harness import Harness, _text, mails_to
from tests.support.services import wait_for


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_the_quote_in_the_mail_and_the_quote_error_in_the_report(harness: Harness) -> None:
    owner = await harness.new_user("rest")
    customer = await harness.new_user("user")
    rid, _, fid = await harness.restaurant_with_food(owner)
    r = await harness.client.patch(
        f"/api/restaurants/{rid}", json={"timezone": "Asia/Kolkata"}, headers=owner.headers
    )
    assert r.status_code == 200, r.text
    order = await harness.place(customer, rid, fid)
    for ticket in await harness.tickets_of(owner.headers, order["id"]):
        version = ticket["version"]
        for status in ("ACCEPTED", "IN_PROGRESS", "READY"):
            moved = await harness.client.patch(
                f"/api/kitchen/tickets/{ticket['id']}/status",
                json={"status": status, "expected_version": version},
                headers=owner.headers,
            )
            assert moved.status_code == 200, moved.text
            version = moved.json()["version"]

    async def mails() -> list[Message]:
        return mails_to(harness.outbox, customer.email)

    arrived = await wait_for(
        mails,
        until=lambda found: any("is ready" in str(m["Subject"]) for m in found),
        what="the ready mail",
        timeout=60,
    )
    seen = (await harness.client.get(f"/api/orders/{order['id']}", headers=customer.headers)).json()
    quoted = _moment(seen["quoted_ready_at"]).astimezone(ZoneInfo("Asia/Kolkata"))
    text = _text(arrived[-1])
    assert f"{quoted:%H:%M} (Asia/Kolkata)" in text, text
    ready_at = next(
        _moment(h["changed_at"]) for h in seen["status_history"] if h["status"] == "READY"
    )

    url = f"/api/analytics/kitchen-times?restaurant_id={rid}"

    async def report() -> Any:
        return (await harness.client.get(f"{url}&quote_error=true", headers=owner.headers)).json()

    found = await wait_for(
        report,
        until=lambda body: body["quoted_orders"] == 1 and len(body["stations"]) == 1,
        what="the quote and the ticket's timing",
        timeout=60,
    )
    error = round((ready_at - _moment(seen["quoted_ready_at"])).total_seconds(), 1)
    assert found["quote_error_p50_seconds"] == found["quote_error_p90_seconds"]
    assert abs(found["quote_error_p50_seconds"] - error) <= 0.1
    assert [(e["restaurant_id"], e["quoted_orders"]) for e in found["restaurants"]] == [(rid, 1)]
    assert found["stations"] == (await harness.client.get(url, headers=owner.headers)).json()
    nothing = await harness.client.get(
        f"{url}&quote_error=true&start_date=2100-01-01", headers=owner.headers
    )
    assert nothing.json()["quote_error_p50_seconds"] is None
