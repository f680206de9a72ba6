"""Idempotent writes and races: replays, key reuse, concurrent payments, stale tickets."""

from __future__ import annotations

import asyncio

from tests.api.harness import Harness


async def test_order_replay_and_conflict(harness: Harness) -> None:
    owner, customer = await harness.new_user("rest"), await harness.new_user("user")
    rid, _, fid = await harness.restaurant_with_food(owner, stock=10)
    body = {"restaurant_id": rid, "items": [{"food_id": fid, "quantity": 2}]}
    key = {**customer.headers, "Idempotency-Key": "order-1"}
    first = await harness.client.post("/api/orders", json=body, headers=key)
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    again = await harness.client.post("/api/orders", json=body, headers=key)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    other = {**body, "items": [{"food_id": fid, "quantity": 3}]}
    clash = await harness.client.post("/api/orders", json=other, headers=key)
    assert clash.status_code == 409
    assert clash.json()["error"] == "CONFLICT"
    # The same key from another user is that user's own key.
    someone = await harness.new_user("user")
    theirs = await harness.client.post(
        "/api/orders", json=body, headers={**someone.headers, "Idempotency-Key": "order-1"}
    )
    assert theirs.status_code == 201
    assert theirs.json()["id"] != first.json()["id"]
    menu = (await harness.client.get(f"/api/restaurants/{rid}/menu")).json()
    assert menu["categories"][0]["foods"][0]["stock_remaining"] == 6  # replays took nothing


async def test_concurrent_identical_orders_with_one_key_place_one(harness: Harness) -> None:
    owner, customer = await harness.new_user("rest"), await harness.new_user("user")
    rid, _, fid = await harness.restaurant_with_food(owner)
    body = {"restaurant_id": rid, "items": [{"food_id": fid, "quantity": 1}]}
    key = {**customer.headers, "Idempotency-Key": "double-click"}
    answers = await asyncio.gather(
        *(harness.client.post("/api/orders", json=body, headers=key) for _ in range(4))
    )
    assert {r.status_code for r in answers} == {201}
    assert len({r.json()["id"] for r in answers}) == 1
    listed = (await harness.client.get("/api/orders", headers=customer.headers)).json()
    assert len(listed) == 1


async def test_finalize_replay_conflict_and_a_single_winner(harness: Harness) -> None:
    owner, customer = await harness.new_user("rest"), await harness.new_user("user")
    rid, _, fid = await harness.restaurant_with_food(owner)
    order = await harness.place(customer, rid, fid)
    await harness.bill_of(customer.headers, order["id"])
    url = f"/api/billing/orders/{order['id']}/finalize"
    racers = await asyncio.gather(
        harness.client.post(url, json={"payment_method": "cash"}, headers=customer.headers),
        harness.client.post(url, json={"payment_method": "card"}, headers=owner.headers),
        harness.client.post(url, json={"payment_method": "upi"}, headers=customer.headers),
    )
    codes = sorted(r.status_code for r in racers)
    assert codes == [200, 409, 409], [r.text for r in racers]
    winner = next(r for r in racers if r.status_code == 200).json()
    bill = await harness.bill_of(customer.headers, order["id"])
    assert bill["status"] == "PAID"
    assert bill["payment_method"] == winner["payment_method"]

    second = await harness.place(customer, rid, fid)
    await harness.bill_of(customer.headers, second["id"])
    url = f"/api/billing/orders/{second['id']}/finalize"
    keyed = {**customer.headers, "Idempotency-Key": "pay-1"}
    body = {"payment_method": "card", "tip_amount": "2.00"}
    paid = await harness.client.post(url, json=body, headers=keyed)
    assert paid.status_code == 200
    assert paid.json()["tip_amount"] == "2.00"
    replay = await harness.client.post(url, json=body, headers=keyed)
    assert replay.status_code == 200
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["id"] == paid.json()["id"]
    clash = await harness.client.post(url, json={"payment_method": "cash"}, headers=keyed)
    assert clash.status_code == 409


async def test_stale_ticket_version_is_409(harness: Harness) -> None:
    owner, customer = await harness.new_user("rest"), await harness.new_user("user")
    rid, _, fid = await harness.restaurant_with_food(owner)
    order = await harness.place(customer, rid, fid)
    ticket = (await harness.tickets_of(owner.headers, order["id"]))[0]
    staff = await harness.new_staff(owner, rid)
    url = f"/api/kitchen/tickets/{ticket['id']}/status"
    version = ticket["version"]
    first = await harness.client.patch(
        url, json={"status": "ACCEPTED", "expected_version": version}, headers=staff.headers
    )
    assert first.status_code == 200
    assert first.json()["version"] == version + 1
    stale = await harness.client.patch(
        url, json={"status": "IN_PROGRESS", "expected_version": version}, headers=owner.headers
    )
    assert stale.status_code == 409
    assert stale.json()["error"] == "CONFLICT"
    recall = await harness.client.post(
        f"/api/kitchen/tickets/{ticket['id']}/recall", headers=owner.headers
    )
    assert recall.status_code == 200
    assert recall.json()["status"] == "NEW"
    item = ticket["items"][0]["id"]
    marked = await harness.client.patch(
        f"/api/kitchen/tickets/{ticket['id']}/items/{item}",
        json={"done": True},
        headers=staff.headers,
    )
    assert marked.status_code == 200
    assert marked.json()["items"][0]["done"] is True
    all_day = (
        await harness.client.get(f"/api/kitchen/all-day?restaurant_id={rid}", headers=staff.headers)
    ).json()
    assert all_day == []  # the only item is done
