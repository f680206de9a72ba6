"""Modifiers, allergens, hours and the staff's view over HTTP on the embedded platform: a
coffee with a required size and an optional milk, ordered, on the ticket and the bill; wrong
choices refused with nothing written; idempotent replays with modifiers; a closed restaurant;
86 and undo by staff; stock back on an early cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.harness import Harness, User, _text, mails_to
from tests.support.services import wait_for


class Cafe:
    def __init__(self, owner: User, rid: str, food: dict[str, Any], groups: dict[str, Any]):
        self.owner, self.rid, self.food, self.groups = owner, rid, food, groups

    def option(self, group: str, name: str) -> str:
        return str(next(o["id"] for o in self.groups[group]["options"] if o["name"] == name))

    def line(self, *choices: tuple[str, str], quantity: int = 1, **extra: Any) -> dict[str, Any]:
        return {
            "food_id": self.food["id"],
            "quantity": quantity,
            "modifiers": [{"option_id": self.option(g, n)} for g, n in choices],
            **extra,
        }

    def body(self, *lines: dict[str, Any]) -> dict[str, Any]:
        return {"restaurant_id": self.rid, "order_type": "takeaway", "items": list(lines)}


async def cafe_of(harness: Harness, **restaurant: Any) -> Cafe:
    owner = await harness.new_user("rest")
    c, h = harness.client, owner.headers
    rid = (await c.post("/api/restaurants", json={"name": "Cafe", **restaurant}, headers=h)).json()[
        "id"
    ]
    cid = (
        await c.post(f"/api/restaurants/{rid}/categories", json={"name": "Hot"}, headers=h)
    ).json()["id"]
    groups: dict[str, Any] = {}
    specs: tuple[dict[str, Any], ...] = (
        {
            "name": "Size",
            "min_selected": 1,
            "max_selected": 1,
            "options": [
                {"name": "Small", "price_delta": "-0.50"},
                {"name": "Large", "price_delta": "0.50"},
            ],
        },
        {
            "name": "Milk",
            "max_selected": 1,
            "options": [{"name": "Oat milk", "price_delta": "0.40", "stock_remaining": 5}],
        },
    )
    for spec in specs:
        r = await c.post(f"/api/restaurants/{rid}/modifier-groups", json=spec, headers=h)
        assert r.status_code == 201, r.text
        groups[spec["name"]] = r.json()
    food = {
        "category_id": cid,
        "name": "Coffee",
        "price": "3.00",
        "stock_remaining": 20,
        "allergens": ["milk"],
        "modifier_group_ids": [groups["Size"]["id"], groups["Milk"]["id"]],
    }
    r = await c.post(f"/api/restaurants/{rid}/foods", json=food, headers=h)
    assert r.status_code == 201, r.text
    return Cafe(owner, rid, r.json(), groups)


async def food_stock(harness: Harness, cafe: Cafe) -> tuple[int, int]:
    c, h = harness.client, cafe.owner.headers
    food = (await c.get(f"/api/restaurants/{cafe.rid}/foods/{cafe.food['id']}", headers=h)).json()
    groups = (await c.get(f"/api/restaurants/{cafe.rid}/modifier-groups", headers=h)).json()
    milk = next(g for g in groups if g["name"] == "Milk")
    return food["stock_remaining"], milk["options"][0]["stock_remaining"]


async def test_a_coffee_with_size_and_milk_is_ordered_cooked_and_billed(
    harness: Harness,
) -> None:
    cafe = await cafe_of(harness)
    c = harness.client
    menu = (await c.get(f"/api/restaurants/{cafe.rid}/menu")).json()
    (coffee,) = menu["categories"][0]["foods"]
    assert coffee["allergens"] == ["milk"]
    assert [g["name"] for g in coffee["modifier_groups"]] == ["Size", "Milk"]
    assert (menu["is_open_now"], menu["next_opening_at"]) == (True, None)

    customer = await harness.new_user("user")
    body = cafe.body(
        cafe.line(("Size", "Large"), ("Milk", "Oat milk"), quantity=2, allergy_note="nut allergy")
    )
    r = await c.post("/api/orders", json=body, headers=customer.headers)
    assert r.status_code == 201, r.text
    order = r.json()
    (item,) = order["items"]
    assert (item["unit_price"], item["subtotal"], order["total_amount"]) == ("3.90", "7.80", "7.80")
    assert [(m["group_name"], m["name"], m["price_delta"]) for m in item["modifiers"]] == [
        ("Size", "Large", "0.50"),
        ("Milk", "Oat milk", "0.40"),
    ]
    assert item["allergy_note"] == "nut allergy"
    (ticket,) = await harness.tickets_of(cafe.owner.headers, order["id"])
    assert [m["name"] for m in ticket["items"][0]["modifiers"]] == ["Large", "Oat milk"]
    assert ticket["allergy_notes"] == ["2x Coffee: nut allergy"]
    bill = await harness.bill_of(customer.headers, order["id"])
    assert bill["subtotal"] == "7.80"
    assert await food_stock(harness, cafe) == (18, 3)

    # The ready mail names the modifiers with their prices.
    url = f"/api/kitchen/tickets/{ticket['id']}/status"
    for status in ("ACCEPTED", "IN_PROGRESS", "READY"):
        r = await c.patch(url, json={"status": status}, headers=cafe.owner.headers)
        assert r.status_code == 200, r.text

    async def ready_mail() -> list[str]:
        return [_text(m) for m in mails_to(harness.outbox, customer.email) if "ready" in _text(m)]

    mails = await wait_for(ready_mail, what="the ready mail", until=bool, timeout=30)
    assert "2 × Coffee (Large +0.50, Oat milk +0.40)" in mails[0]

    # A later menu edit leaves the placed order as it was.
    h = cafe.owner.headers
    gid = cafe.groups["Milk"]["id"]
    assert (
        await c.delete(f"/api/restaurants/{cafe.rid}/modifier-groups/{gid}", headers=h)
    ).status_code == 200
    again = (await c.get(f"/api/orders/{order['id']}", headers=customer.headers)).json()
    assert again["items"] == order["items"]


@pytest.mark.parametrize(
    ("choices", "group"),
    [((), "Size"), ((("Size", "Small"), ("Size", "Large")), "Size")],
)
async def test_a_wrong_choice_is_a_400_naming_the_group_and_writes_nothing(
    harness: Harness, choices: tuple[tuple[str, str], ...], group: str
) -> None:
    cafe = await cafe_of(harness)
    customer = await harness.new_user("user")
    r = await harness.client.post(
        "/api/orders", json=cafe.body(cafe.line(*choices)), headers=customer.headers
    )
    assert r.status_code == 400, r.text
    assert r.json()["details"]["group"] == group
    assert group in r.json()["message"]
    assert await food_stock(harness, cafe) == (20, 5)
    assert (await harness.client.get("/api/orders", headers=customer.headers)).json() == []


async def test_modifier_input_is_bounded(harness: Harness) -> None:
    cafe = await cafe_of(harness)
    c, h = harness.client, cafe.owner.headers
    url = f"/api/restaurants/{cafe.rid}/modifier-groups"
    r = await c.post(url, json={"name": "G", "min_selected": 2, "max_selected": 1}, headers=h)
    assert (r.status_code, r.json()["details"]["field"]) == (400, "min_selected")
    r = await c.post(
        url, json={"name": "G", "options": [{"name": "x", "price_delta": "1e9"}]}, headers=h
    )
    assert r.status_code == 400
    customer = await harness.new_user("user")
    line = cafe.line(("Size", "Large"))
    line["modifiers"][0]["quantity"] = 11
    r = await c.post("/api/orders", json=cafe.body(line), headers=customer.headers)
    assert r.status_code == 400
    r = await c.post(
        "/api/orders",
        json=cafe.body(cafe.line(("Size", "Large"), allergy_note="x" * 301)),
        headers=customer.headers,
    )
    assert (r.status_code, r.json()["details"]["field"]) == (400, "items[0].allergy_note")


async def test_replays_with_modifiers_answer_the_first_order(harness: Harness) -> None:
    cafe = await cafe_of(harness)
    customer = await harness.new_user("user")
    key = {**customer.headers, "Idempotency-Key": "coffee-1"}
    body = cafe.body(cafe.line(("Size", "Large"), ("Milk", "Oat milk")))
    first = await harness.client.post("/api/orders", json=body, headers=key)
    again = await harness.client.post("/api/orders", json=body, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["items"] == first.json()["items"]
    other = cafe.body(cafe.line(("Size", "Small")))
    assert (await harness.client.post("/api/orders", json=other, headers=key)).status_code == 409
    assert await food_stock(harness, cafe) == (19, 4)


async def test_a_closed_restaurant_answers_409_with_its_next_opening(harness: Harness) -> None:
    soon = datetime.now(UTC) + timedelta(hours=3)
    later = soon + timedelta(hours=1)
    window = [[soon.strftime("%H:%M"), later.strftime("%H:%M")]]
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    cafe = await cafe_of(harness, timezone="UTC", opening_hours=dict.fromkeys(days, window))
    menu = (await harness.client.get(f"/api/restaurants/{cafe.rid}/menu")).json()
    assert menu["is_open_now"] is False
    assert menu["next_opening_at"] is not None
    customer = await harness.new_user("user")
    r = await harness.client.post(
        "/api/orders", json=cafe.body(cafe.line(("Size", "Large"))), headers=customer.headers
    )
    assert r.status_code == 409, r.text
    assert r.json()["details"]["next_opening_at"] == menu["next_opening_at"]
    bad = await harness.client.patch(
        f"/api/restaurants/{cafe.rid}", json={"timezone": "Moon/Base"}, headers=cafe.owner.headers
    )
    assert (bad.status_code, bad.json()["details"]["field"]) == (400, "timezone")


async def test_staff_see_and_undo_an_86_and_an_early_cancel_gives_stock_back(
    harness: Harness,
) -> None:
    cafe = await cafe_of(harness)
    c = harness.client
    cook = await harness.new_staff(cafe.owner, cafe.rid)
    food_url = f"/api/restaurants/{cafe.rid}/foods/{cafe.food['id']}"
    r = await c.post(food_url + "/availability", json={"is_available": False}, headers=cook.headers)
    assert r.status_code == 200
    menu = (await c.get(f"/api/restaurants/{cafe.rid}/menu")).json()
    assert menu["categories"][0]["foods"] == []
    listed = (await c.get(f"/api/restaurants/{cafe.rid}/foods", headers=cook.headers)).json()
    assert [(f["name"], f["is_available"], f["stock_remaining"]) for f in listed] == [
        ("Coffee", False, 20)
    ]
    orderable = await c.get(
        f"/api/restaurants/{cafe.rid}/foods?include_unavailable=false", headers=cook.headers
    )
    assert orderable.json() == []
    r = await c.post(food_url + "/availability", json={"is_available": True}, headers=cook.headers)
    assert r.json()["is_available"] is True
    categories = (
        await c.get(f"/api/restaurants/{cafe.rid}/categories", headers=cook.headers)
    ).json()
    assert [x["name"] for x in categories] == ["Hot"]

    gid, oat = cafe.groups["Milk"]["id"], cafe.option("Milk", "Oat milk")
    url = f"/api/restaurants/{cafe.rid}/modifier-groups/{gid}/options/{oat}/availability"
    r = await c.post(url, json={"is_available": False}, headers=cook.headers)
    assert r.json()["options"][0]["is_available"] is False
    customer = await harness.new_user("user")
    body = cafe.body(cafe.line(("Size", "Large"), ("Milk", "Oat milk")))
    r = await c.post("/api/orders", json=body, headers=customer.headers)
    assert (r.status_code, r.json()["details"]["group"]) == (400, "Milk")
    await c.post(url, json={"is_available": True}, headers=cook.headers)
    order = (await c.post("/api/orders", json=body, headers=customer.headers)).json()
    assert await food_stock(harness, cafe) == (19, 4)
    r = await c.patch(
        f"/api/orders/{order['id']}/status", json={"status": "CANCELLED"}, headers=customer.headers
    )
    assert r.status_code == 200, r.text
    assert await food_stock(harness, cafe) == (20, 5)
