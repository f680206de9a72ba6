"""Contract details: rate limits with Retry-After, soft deletes, menu cache invalidation,
pagination cursors, the caller's profile and session management."""

from __future__ import annotations

from pathlib import Path

from tests.api.harness import Harness, running_api


async def test_rate_limited_sign_in_says_when_to_retry(tmp_path: Path) -> None:
    async with running_api(tmp_path, auth_rate_limit_per_email=2, run_pipeline=False) as api:
        body = {"email": "busy@example.com"}
        for _ in range(2):
            assert (await api.client.post("/api/auth/request-otp", json=body)).status_code == 200
        r = await api.client.post("/api/auth/request-otp", json=body)
        assert r.status_code == 429
        assert r.json()["error"] == "RATE_LIMITED"
        assert int(r.headers["retry-after"]) >= 1


async def test_deleted_restaurants_vanish_for_everyone_but_their_owner(harness: Harness) -> None:
    owner, customer = await harness.new_user("rest"), await harness.new_user("user")
    rid, _, fid = await harness.restaurant_with_food(owner)
    c = harness.client
    r = await c.delete(f"/api/restaurants/{rid}", headers=owner.headers)
    assert r.status_code == 200
    assert r.json() == {"message": "Restaurant deleted successfully"}
    assert (await c.get(f"/api/restaurants/{rid}")).status_code == 404
    assert (await c.get(f"/api/restaurants/{rid}", headers=customer.headers)).status_code == 404
    mine = await c.get(f"/api/restaurants/{rid}", headers=owner.headers)
    assert mine.status_code == 200
    assert mine.json()["is_active"] is False
    assert (await c.get(f"/api/restaurants/{rid}/menu")).status_code == 404
    listed = (await c.get("/api/restaurants?limit=200")).json()
    assert rid not in [x["id"] for x in listed]
    body = {"restaurant_id": rid, "items": [{"food_id": fid, "quantity": 1}]}
    r = await c.post("/api/orders", json=body, headers=customer.headers)
    assert r.status_code == 404


async def test_menu_changes_show_at_once(harness: Harness) -> None:
    owner = await harness.new_user("rest")
    rid, cid, fid = await harness.restaurant_with_food(owner)
    c = harness.client

    async def menu_foods() -> list[tuple[str, str]]:
        menu = (await c.get(f"/api/restaurants/{rid}/menu")).json()
        return [(f["name"], f["price"]) for cat in menu["categories"] for f in cat["foods"]]

    assert await menu_foods() == [("Margherita", "12.99")]  # now cached
    r = await c.patch(
        f"/api/restaurants/{rid}/foods/{fid}", json={"price": "13.50"}, headers=owner.headers
    )
    assert r.status_code == 200
    assert await menu_foods() == [("Margherita", "13.50")]
    r = await c.post(
        f"/api/restaurants/{rid}/foods/{fid}/availability",
        json={"is_available": False},
        headers=owner.headers,
    )
    assert r.json()["is_available"] is False
    assert await menu_foods() == []
    other = await c.put(
        f"/api/restaurants/{rid}/categories/{cid}", json={"name": "Pies"}, headers=owner.headers
    )
    assert other.json()["name"] == "Pies"
    assert (await c.get(f"/api/restaurants/{rid}/menu")).json()["categories"][0]["name"] == "Pies"


async def test_lists_page_with_limit_and_before(harness: Harness) -> None:
    owner, customer = await harness.new_user("rest"), await harness.new_user("user")
    rid, _, fid = await harness.restaurant_with_food(owner)
    placed = [(await harness.place(customer, rid, fid, quantity=1))["id"] for _ in range(5)]
    c, h = harness.client, customer.headers
    first = (await c.get("/api/orders?limit=2", headers=h)).json()
    assert [o["id"] for o in first] == placed[::-1][:2]
    after_id = (await c.get(f"/api/orders?limit=2&before={first[-1]['id']}", headers=h)).json()
    assert [o["id"] for o in after_id] == placed[::-1][2:4]
    stamp = first[-1]["created_at"]
    by_time = (await c.get(f"/api/orders?limit=10&before={stamp}", headers=h)).json()
    assert [o["id"] for o in by_time] == placed[::-1][2:]
    assert "items" not in first[0]


async def test_me_and_sessions(harness: Harness) -> None:
    owner = await harness.new_user("rest")
    rid, _, _ = await harness.restaurant_with_food(owner)
    c = harness.client
    me = (await c.get("/api/auth/me", headers=owner.headers)).json()
    assert (me["id"], me["email"], me["role"], me["is_active"]) == (
        owner.user_id,
        owner.email,
        "rest",
        True,
    )
    assert [r["id"] for r in me["restaurants"]] == [rid]
    second = await harness.sign_in(owner.email)
    assert second.role == "rest"  # the role of an existing account never changes
    r = await c.post("/api/auth/logout", json={"session_token": "not-mine"}, headers=owner.headers)
    assert r.status_code == 404
    r = await c.post("/api/auth/logout-all", headers=second.headers)
    assert r.status_code == 200
    assert r.json()["sessions_ended"] == 2
    assert (await c.get("/api/auth/me", headers=owner.headers)).status_code == 401
    assert (await c.get("/api/auth/me", headers=second.headers)).status_code == 401
