"""The original's Postman journey (spec section 7, "intended" column) with only the documented
client corrections: a bearer token, the real code read from the mail, kitchen_ticket_id taken
from the ticket list, and the kitchen steps after the order was completed by hand finding its
ticket delivered with it. The collection's own aliases (``otp``, ``session_token``, ``/api/health``)
are sent as the collection sends them, and its spoofable identity headers are sent too: they
must change nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.api.harness import Harness, mails_to
from tests.support.services import wait_for

OWNER = "owner@example.com"


async def _sign_in_like_postman(harness: Harness, owner: str) -> tuple[str, str]:
    c = harness.client
    r = await c.post("/api/auth/request-otp", json={"email": owner, "role": "rest"})
    assert r.status_code == 200
    assert r.json() == {"message": "OTP sent to your email"}
    code = await harness.last_code(owner)
    r = await c.post("/api/auth/verify-otp", json={"email": owner, "otp": code})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["session_token"] == body["token"]
    assert body["role"] == "rest"
    return body["session_token"], body["user_id"]


async def _analytics(
    harness: Harness, headers: dict[str, str], path: str, shows: Callable[[Any], bool]
) -> Any:
    """Analytics are fed by events: wait until the report at ``path`` shows the journey, and
    return it."""

    async def report() -> Any:
        r = await harness.client.get(path, headers=headers)
        assert r.status_code == 200, r.text
        return r.json()

    return await wait_for(
        report, until=shows, what=f"{path} to show the journey", timeout=60, interval=0.2
    )


async def test_postman_journey(harness: Harness) -> None:
    await run_journey(harness, OWNER, ready_mail=lambda: _outbox_subjects(harness))


def _outbox_subjects(harness: Harness) -> list[str]:
    return [str(m["Subject"]) for m in mails_to(harness.outbox, OWNER)]


async def run_journey(harness: Harness, owner: str, *, ready_mail: Callable[[], list[str]]) -> None:
    """The collection's 37 requests in order, with the intended statuses and fields."""
    c = harness.client
    assert (await c.get("/api/auth/health")).json() == {
        "status": "healthy",
        "service": "auth-service",
    }
    token, user_id = await _sign_in_like_postman(harness, owner)
    spoof = "00000000-0000-0000-0000-000000000001"
    h = {"Authorization": f"Bearer {token}", "X-Owner-Id": spoof, "X-User-Id": spoof}
    assert (await c.get("/api/health")).status_code == 200

    r = await c.post(
        "/api/restaurants",
        headers=h,
        json={
            "name": "Pizza Palace",
            "description": "Best pizza in town",
            "address": "123 Main St, New York, NY",
            "phone": "+1-555-1234",
        },
    )
    assert r.status_code == 201, r.text
    restaurant = r.json()
    assert restaurant["is_active"] is True
    assert restaurant["owner_id"] == user_id
    rid = restaurant["id"]
    r = await c.get("/api/restaurants/my", headers=h)
    assert [x["id"] for x in r.json()] == [rid]

    r = await c.post(
        f"/api/restaurants/{rid}/categories",
        headers=h,
        json={"name": "Pizzas", "description": "Our delicious pizzas", "display_order": 1},
    )
    assert r.status_code == 201
    cid = r.json()["id"]
    r = await c.post(
        f"/api/restaurants/{rid}/foods",
        headers=h,
        json={
            "category_id": cid,
            "name": "Margherita Pizza",
            "description": "Classic pizza with tomato sauce, mozzarella, and basil",
            "price": "12.99",
            "is_available": True,
        },
    )
    assert r.status_code == 201
    assert r.json()["price"] == "12.99"
    fid = r.json()["id"]

    menu = (await c.get(f"/api/restaurants/{rid}/menu")).json()  # public: no token
    assert [len(cat["foods"]) for cat in menu["categories"]] == [1]
    assert menu["restaurant"]["id"] == rid

    r = await c.post(
        "/api/orders",
        headers=h,
        json={
            "restaurant_id": rid,
            "items": [{"food_id": fid, "quantity": 2}],
            "delivery_address": "123 Main St, Apt 4B, New York, NY 10001",
            "special_instructions": "Extra cheese please, ring doorbell twice",
        },
    )
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "PLACED"
    assert order["total_amount"] == "25.98"
    assert order["user_id"] == user_id
    assert [(i["unit_price"], i["subtotal"]) for i in order["items"]] == [("12.99", "25.98")]
    oid = order["id"]
    assert (await c.get(f"/api/orders/{oid}", headers=h)).json()["items"]
    assert [o["id"] for o in (await c.get("/api/orders", headers=h)).json()] == [oid]

    for status in ("ACCEPTED", "IN_PROGRESS", "READY", "COMPLETED"):
        r = await c.patch(f"/api/orders/{oid}/status", headers=h, json={"status": status})
        assert r.status_code == 200, r.text
        assert r.json()["status"] == status
    r = await c.patch(f"/api/orders/{oid}/status", headers=h, json={"status": "CANCELLED"})
    assert r.status_code == 409
    assert r.json()["error"] == "CONFLICT"

    # The order was completed by hand above, which delivered its ticket with it: the journey's
    # kitchen requests find the ticket closed (no ticket outlives its order on a board), and a
    # bump of it is the contract's 409.
    tickets = await harness.tickets_of(h, oid)
    r = await c.get("/api/kitchen/tickets?status=NEW", headers=h)
    assert oid not in [t["order_id"] for t in r.json()]
    kitchen_ticket_id = tickets[0]["id"]
    r = await c.get(f"/api/kitchen/tickets/{kitchen_ticket_id}", headers=h)
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["can_recall"]) == ("DELIVERED_TO_SERVICE", False)
    r = await c.patch(
        f"/api/kitchen/tickets/{kitchen_ticket_id}/status", headers=h, json={"status": "ACCEPTED"}
    )
    assert r.status_code == 409, r.text

    async def subjects() -> list[str]:
        return ready_mail()

    await wait_for(
        subjects,
        until=lambda seen: any("ready" in subject.lower() for subject in seen),
        what="the order-ready mail",
        timeout=30,
    )

    bill = await harness.bill_of(h, oid)
    assert (bill["subtotal"], bill["tax_amount"], bill["discount_amount"]) == (
        "25.98",
        "2.60",
        "0.00",
    )
    assert (bill["total_amount"], bill["status"], bill["payment_method"]) == (
        "28.58",
        "PENDING",
        None,
    )
    r = await c.post(
        f"/api/billing/orders/{oid}/finalize", headers=h, json={"payment_method": "card"}
    )
    assert r.status_code == 200
    assert r.json()["status"] == "PAID"
    assert r.json()["payment_method"] == "card"
    assert r.json()["paid_at"]
    again = await c.post(
        f"/api/billing/orders/{oid}/finalize", headers=h, json={"payment_method": "card"}
    )
    assert again.status_code == 409
    assert len((await c.get(f"/api/billing/users/{user_id}", headers=h)).json()) == 1
    assert len((await c.get(f"/api/billing/restaurants/{rid}", headers=h)).json()) == 1

    top = [
        {
            "food_id": fid,
            "food_name": "Margherita Pizza",
            "total_quantity": 2,
            "total_revenue": "25.98",
        }
    ]
    await _analytics(harness, h, "/api/analytics/top-foods?limit=10", top.__eq__)
    await _analytics(harness, h, f"/api/analytics/restaurants/{rid}/top-foods?limit=10", top.__eq__)
    # Revenue comes from other facts (the bill's) than top foods: it is waited for on its own.
    revenue = await _analytics(
        harness, h, "/api/analytics/revenue", lambda r: r["total_orders"] == 1
    )
    assert (revenue["total_revenue"], revenue["average_order_value"]) == ("25.98", "25.98")
    statuses = [{"status": "COMPLETED", "count": 1}]
    await _analytics(harness, h, "/api/analytics/orders-by-status", statuses.__eq__)

    r = await c.post("/api/auth/logout", headers=h, json={"session_token": token})
    assert r.status_code == 200
    assert r.json() == {"message": "Logged out successfully"}
    assert (await c.get("/api/restaurants/my", headers=h)).status_code == 401
