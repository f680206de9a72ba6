"""Changes reach the kitchen through the running API and its embedded pipeline: an order the
owner PATCHes to COMPLETED leaves no ticket on the board or in all-day; added items arrive as
addition tickets; a voided item shows VOID; what may not change is a 409 and nothing changes."""

from __future__ import annotations

from typing import Any

from tests.api.harness import Harness, User
from tests.support.services import wait_for

OPEN = "status=NEW&status=ACCEPTED&status=IN_PROGRESS&status=READY"


async def seated_order(harness: Harness, owner: User, rid: str, fid: str) -> dict[str, Any]:
    customer = await harness.new_user("user")
    body = {
        "restaurant_id": rid,
        "items": [{"food_id": fid, "quantity": 2}],
        "order_type": "dine_in",
        "table": "12",
    }
    r = await harness.client.post("/api/orders", json=body, headers=customer.headers)
    assert r.status_code == 201, r.text
    order = dict(r.json())
    await harness.tickets_of(owner.headers, order["id"])
    return order


async def board(harness: Harness, owner: User, rid: str) -> list[dict[str, Any]]:
    r = await harness.client.get(
        f"/api/kitchen/tickets?restaurant_id={rid}&{OPEN}", headers=owner.headers
    )
    assert r.status_code == 200
    return list(r.json())


async def test_an_order_patched_to_completed_leaves_the_board_at_once(harness: Harness) -> None:
    owner = await harness.new_user("rest")
    rid, _, fid = await harness.restaurant_with_food(owner)
    order = await seated_order(harness, owner, rid, fid)
    c = harness.client
    url = f"/api/orders/{order['id']}/status"
    for status in ("ACCEPTED", "IN_PROGRESS", "READY", "COMPLETED"):
        r = await c.patch(url, json={"status": status}, headers=owner.headers)
        assert r.status_code == 200, r.text
    assert await board(harness, owner, rid) == []
    r = await c.get(f"/api/kitchen/all-day?restaurant_id={rid}", headers=owner.headers)
    assert r.json() == []


async def test_added_items_arrive_as_an_addition_and_a_void_shows_on_the_ticket(
    harness: Harness,
) -> None:
    owner = await harness.new_user("rest")
    rid, _, fid = await harness.restaurant_with_food(owner)
    order = await seated_order(harness, owner, rid, fid)
    c = harness.client
    body = {"items": [{"food_id": fid, "quantity": 1, "notes": "no onions"}]}
    r = await c.post(f"/api/orders/{order['id']}/items", json=body, headers=owner.headers)
    assert r.status_code == 201, r.text
    added = [i for i in r.json()["items"] if i["is_addition"]]
    assert [(i["quantity"], i["notes"]) for i in added] == [(1, "no onions")]

    async def additions() -> list[dict[str, Any]]:
        return [t for t in await board(harness, owner, rid) if t["is_addition"]]

    (addition,) = await wait_for(additions, what="the addition ticket", timeout=30)
    assert addition["order_id"] == order["id"]
    assert [i["order_item_id"] for i in addition["items"]] == [added[0]["id"]]

    r = await c.delete(f"/api/orders/{order['id']}/items/{added[0]['id']}", headers=owner.headers)
    assert r.status_code == 200, r.text
    assert r.json()["total_amount"] == order["total_amount"]
    voided = await c.get(f"/api/kitchen/tickets/{addition['id']}", headers=owner.headers)
    assert [i["voided"] for i in voided.json()["items"]] == [True]
    assert voided.json()["status"] == "CANCELLED"  # nothing left to cook on it


async def test_a_ready_item_or_a_closed_order_is_a_409_and_nothing_changes(
    harness: Harness,
) -> None:
    owner = await harness.new_user("rest")
    rid, _, fid = await harness.restaurant_with_food(owner)
    order = await seated_order(harness, owner, rid, fid)
    c = harness.client
    (ticket,) = await harness.tickets_of(owner.headers, order["id"])
    for status in ("ACCEPTED", "IN_PROGRESS", "READY"):
        r = await c.patch(
            f"/api/kitchen/tickets/{ticket['id']}/status",
            json={"status": status},
            headers=owner.headers,
        )
        assert r.status_code == 200, r.text
    item = order["items"][0]["id"]
    r = await c.delete(f"/api/orders/{order['id']}/items/{item}", headers=owner.headers)
    assert r.status_code == 409
    assert "READY" in r.json()["message"]
    r = await c.patch(
        f"/api/orders/{order['id']}/status", json={"status": "CANCELLED"}, headers=owner.headers
    )
    assert r.status_code == 200
    body = {"items": [{"food_id": fid, "quantity": 1}]}
    r = await c.post(f"/api/orders/{order['id']}/items", json=body, headers=owner.headers)
    assert r.status_code == 409
    assert r.json()["details"]["status"] == "CANCELLED"
    after = (await c.get(f"/api/orders/{order['id']}", headers=owner.headers)).json()
    assert [(i["voided"], i["is_addition"]) for i in after["items"]] == [(False, False)]
    r = await c.post(f"/api/orders/{order['id']}/items", json={"items": []}, headers=owner.headers)
    assert r.status_code in (400, 409)


async def test_an_addition_with_an_idempotency_key_is_made_once(harness: Harness) -> None:
    owner = await harness.new_user("rest")
    rid, _, fid = await harness.restaurant_with_food(owner)
    order = await seated_order(harness, owner, rid, fid)
    keyed = {**owner.headers, "Idempotency-Key": "table-12-dessert"}
    body = {"items": [{"food_id": fid, "quantity": 1}]}
    url = f"/api/orders/{order['id']}/items"
    first = await harness.client.post(url, json=body, headers=keyed)
    again = await harness.client.post(url, json=body, headers=keyed)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(again.json()["items"]) == 2


async def test_a_held_course_is_fired_once_through_the_api(harness: Harness) -> None:
    owner = await harness.new_user("rest")
    rid, cid, fid = await harness.restaurant_with_food(owner)
    c = harness.client
    r = await c.post(
        f"/api/restaurants/{rid}/foods",
        json={"category_id": cid, "name": "Tart", "price": "6.50", "course": 3},
        headers=owner.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["course"] == 3
    tart = r.json()["id"]
    customer = await harness.new_user("user")
    body = {
        "restaurant_id": rid,
        "items": [{"food_id": fid, "quantity": 1}, {"food_id": tart, "quantity": 2}],
        "order_type": "dine_in",
        "table": "3",
    }
    order = (await c.post("/api/orders", json=body, headers=customer.headers)).json()
    assert [i["course"] for i in order["items"]] == [2, 3]

    async def two_tickets() -> list[dict[str, Any]]:
        return await harness.tickets_of(owner.headers, order["id"])

    tickets = await wait_for(two_tickets, until=lambda t: len(t) == 2, what="two tickets")
    assert sorted((t["course"], t["held"]) for t in tickets) == [(2, False), (3, True)]
    url = f"/api/kitchen/orders/{order['id']}/fire"
    r = await c.post(url, json={"course": 3}, headers=owner.headers)
    assert r.status_code == 200, r.text
    assert sorted((t["course"], t["held"]) for t in r.json()) == [(2, False), (3, False)]
    again = await c.post(url, json={"course": 3}, headers=owner.headers)
    assert again.status_code == 409
    assert again.json()["details"] == {"course": 3}
    bad = await c.post(url, json={"course": 7}, headers=owner.headers)
    assert bad.status_code in (400, 422)
    assert "course" in bad.json()["message"]


async def test_the_expo_bump_sends_the_whole_order_out(harness: Harness) -> None:
    owner = await harness.new_user("rest")
    rid, _, fid = await harness.restaurant_with_food(owner)
    order = await seated_order(harness, owner, rid, fid)
    c = harness.client
    board = (await c.get(f"/api/kitchen/expo?restaurant_id={rid}", headers=owner.headers)).json()
    assert [(e["order"]["id"], e["ready_for_expo"]) for e in board] == [(order["id"], False)]
    url = f"/api/kitchen/orders/{order['id']}/deliver"
    early = await c.post(url, headers=owner.headers)
    assert early.status_code == 409
    assert "READY" in early.json()["message"]
    (ticket,) = board[0]["tickets"]
    for status in ("ACCEPTED", "IN_PROGRESS", "READY"):
        r = await c.patch(
            f"/api/kitchen/tickets/{ticket['id']}/status",
            json={"status": status},
            headers=owner.headers,
        )
        assert r.status_code == 200, r.text
    sent = await c.post(url, headers=owner.headers)
    assert sent.status_code == 200, sent.text
    assert sent.json()["order"]["status"] == "COMPLETED"
    assert [t["status"] for t in sent.json()["tickets"]] == ["DELIVERED_TO_SERVICE"]
    assert (await c.post(url, headers=owner.headers)).status_code == 409
    after = await c.get(f"/api/kitchen/expo?restaurant_id={rid}", headers=owner.headers)
    assert after.json() == []
