"""The money routes over HTTP: a table of four splitting its check with one partial refund (the
README's worked example), bad input answered 400/409 naming the problem with nothing written,
payment and refund replays, and cancelling a paid order with its refund."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.api.harness import Harness, User
from tests.support.services import wait_for


async def table_of_four(harness: Harness) -> tuple[User, User, str, dict[str, Any]]:
    """A restaurant at 10 % with a 10 % dine-in service charge and wine at 20 %; table 7 orders
    four pizzas and a bottle. Answers (owner, customer, order id, bill)."""
    owner, customer = await harness.new_user("rest"), await harness.new_user("user")
    c, h = harness.client, owner.headers
    r = await c.post(
        "/api/restaurants",
        json={"name": "Da Mario", "tax_rate": "0.10", "service_charge_rate": "0.10"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert r.json()["service_charge_rate"] == "0.1"
    rid = r.json()["id"]
    cat = await c.post(f"/api/restaurants/{rid}/categories", json={"name": "All"}, headers=h)
    foods = {}
    for name, price, rate in (("Pizza", "12.00", None), ("Wine", "30.00", "0.20")):
        body: dict[str, Any] = {"category_id": cat.json()["id"], "name": name, "price": price}
        if rate:
            body["tax_rate"] = rate
        f = await c.post(f"/api/restaurants/{rid}/foods", json=body, headers=h)
        assert f.status_code == 201, f.text
        foods[name] = f.json()["id"]
    order = await c.post(
        "/api/orders",
        json={
            "restaurant_id": rid,
            "order_type": "dine_in",
            "table": "7",
            "items": [
                {"food_id": foods["Pizza"], "quantity": 4},
                {"food_id": foods["Wine"], "quantity": 1},
            ],
        },
        headers=customer.headers,
    )
    assert order.status_code == 201, order.text
    bill = await harness.bill_of(customer.headers, order.json()["id"])
    return owner, customer, order.json()["id"], bill


async def test_a_table_of_four_splits_its_check_with_one_partial_refund(harness: Harness) -> None:
    owner, customer, oid, bill = await table_of_four(harness)
    c, url = harness.client, f"/api/billing/orders/{oid}"
    assert bill["subtotal"] == "78.00"
    assert bill["taxes"] == [
        {"rate": "0.1", "taxable": "48.00", "amount": "4.80"},
        {"rate": "0.2", "taxable": "30.00", "amount": "6.00"},
    ]
    assert bill["service_charge"] == "7.80"
    assert bill["total_amount"] == bill["amount_due"] == "96.60"
    split = await c.post(url + "/split", json={"by": "equal", "parts": 4}, headers=customer.headers)
    assert split.status_code == 200, split.text
    parts = split.json()["parts"]
    assert [p["amount"] for p in parts] == ["24.15"] * 4
    for n, part in enumerate(parts):
        body = {
            "amount": "24.15",
            "payment_method": "card",
            "tip_amount": "2.00",
            "part_id": part["id"],
        }
        paid = await c.post(
            url + "/payments", json=body, headers={**customer.headers, "Idempotency-Key": f"p{n}"}
        )
        assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "PAID"
    assert paid.json()["amount_paid"] == "96.60"
    assert paid.json()["tip_amount"] == "8.00"
    wine = next(line for line in paid.json()["lines"] if line["name"] == "Wine")
    refund = {"item_ids": [wine["item_id"]], "reason": "corked"}
    r = await c.post(
        url + "/refunds", json=refund, headers={**owner.headers, "Idempotency-Key": "r1"}
    )
    assert r.status_code == 200, r.text
    # The wine, its 20 % tax and its share of the service charge: 30.00 + 6.00 + 3.00.
    assert r.json()["refunded_amount"] == "39.00"
    assert r.json()["status"] == "PARTIALLY_REFUNDED"
    assert r.json()["amount_due"] == "0.00"
    again = await c.post(
        url + "/refunds", json=refund, headers={**owner.headers, "Idempotency-Key": "r1"}
    )
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["refunded_amount"] == "39.00"
    shown = (await c.get(url, headers=customer.headers)).json()
    assert shown == again.json()
    assert [p["status"] for p in shown["parts"]] == ["PAID"] * 4
    assert len(shown["payments"]) == 4
    assert shown["refunds"][0]["amount"] == "39.00"

    rid = shown["restaurant_id"]

    async def revenue() -> dict[str, Any]:
        r = await c.get(f"/api/analytics/revenue?restaurant_id={rid}", headers=owner.headers)
        return dict(r.json())

    # Net sales: 78.00 less the wine's 30.00; gross: 96.60 + 8.00 tips less the 39.00 refund.
    expected = {"refund_total": "39.00", "total_revenue": "48.00", "gross_total": "65.60"}
    report = await wait_for(
        revenue,
        until=lambda seen: all(seen[k] == v for k, v in expected.items()),
        what="the payments and the refund in revenue",
    )
    assert report["discount_total"] == "0.00"

    async def methods() -> list[dict[str, Any]]:
        url = f"/api/analytics/payment-methods?restaurant_id={rid}"
        return list((await c.get(url, headers=owner.headers)).json())

    card = {"payment_method": "card", "payments": 4, "amount_total": "96.60", "tip_total": "8.00"}
    await wait_for(methods, until=lambda seen: seen == [card], what="tips per method")


async def test_bad_money_input_names_the_problem_and_writes_nothing(harness: Harness) -> None:
    owner, customer, oid, bill = await table_of_four(harness)
    c, url = harness.client, f"/api/billing/orders/{oid}"
    cases: list[tuple[str, User, dict[str, Any], int, str]] = [
        ("/payments", customer, {"amount": "-1.00", "payment_method": "cash"}, 400, "amount"),
        ("/payments", customer, {"amount": "0", "payment_method": "cash"}, 400, "amount"),
        ("/payments", customer, {"amount": "1.001", "payment_method": "cash"}, 400, "amount"),
        ("/payments", customer, {"amount": "96.61", "payment_method": "cash"}, 409, "amount"),
        ("/split", customer, {"by": "amounts", "amounts": ["50.00", "40.00"]}, 400, "amounts"),
        ("/split", customer, {"by": "thirds"}, 400, "by"),
        ("/discounts", owner, {"kind": "percent", "value": "101", "reason": "x"}, 400, "value"),
        ("/discounts", owner, {"kind": "amount", "value": "78.01", "reason": "x"}, 400, "value"),
        ("/refunds", owner, {"amount": "1.00", "reason": "x"}, 409, "amount"),
        ("/refunds", owner, {"amount": "1.00"}, 400, ""),
    ]
    for path, who, body, status, field in cases:
        r = await c.post(url + path, json=body, headers=who.headers)
        assert r.status_code == status, (path, body, r.text)
        assert r.json()["message"]
        if field:
            assert field in r.text, (path, body, r.text)
    assert (await c.get(url, headers=customer.headers)).json() == bill


async def test_cancelling_a_paid_order_takes_a_full_refund_with_it(harness: Harness) -> None:
    owner, customer, oid, _ = await table_of_four(harness)
    c = harness.client
    paid = await c.post(
        f"/api/billing/orders/{oid}/finalize",
        json={"payment_method": "cash"},
        headers=customer.headers,
    )
    assert paid.status_code == 200, paid.text
    status = f"/api/orders/{oid}/status"
    refused = await c.patch(status, json={"status": "CANCELLED"}, headers=owner.headers)
    assert refused.status_code == 409
    assert "refund" in refused.json()["message"]
    done = await c.patch(
        status,
        json={"status": "CANCELLED", "refund": {"reason": "walked out"}},
        headers=owner.headers,
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "CANCELLED"
    bill = (await c.get(f"/api/billing/orders/{oid}", headers=owner.headers)).json()
    assert bill["status"] == "REFUNDED"
    assert bill["refunded_amount"] == bill["amount_paid"] == "96.60"


async def test_payment_keys_replay_conflict_and_never_pay_twice(harness: Harness) -> None:
    _, customer, oid, _ = await table_of_four(harness)
    c, url = harness.client, f"/api/billing/orders/{oid}/payments"
    keyed = {**customer.headers, "Idempotency-Key": "double-tap"}
    body = {"amount": "10.00", "payment_method": "card"}
    answers = await asyncio.gather(*(c.post(url, json=body, headers=keyed) for _ in range(3)))
    assert {r.status_code for r in answers} == {200}, [r.text for r in answers]
    bill = (await c.get(f"/api/billing/orders/{oid}", headers=customer.headers)).json()
    assert len(bill["payments"]) == 1
    assert bill["amount_paid"] == "10.00"
    clash = await c.post(url, json={**body, "amount": "11.00"}, headers=keyed)
    assert clash.status_code == 409
    assert "Idempotency-Key" in clash.json()["message"]
