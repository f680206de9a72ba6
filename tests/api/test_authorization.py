"""The authorization matrix: every role against the routes, with the status the contract implies
(another tenant's object is 404, a role that may never call a route is 403, no session is 401),
and no object of one tenant visible to another."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.harness import Harness, User

ROLES = (
    "anonymous",
    "customer",
    "other_customer",
    "owner",
    "other_owner",
    "staff",
    "other_staff",
    "admin",
)


@dataclass
class World:
    users: dict[str, User]
    ids: dict[str, str]


@pytest.fixture(scope="module")
async def world(harness: Harness) -> World:
    owner, other_owner = await harness.new_user("rest"), await harness.new_user("rest")
    rid, cid, fid = await harness.restaurant_with_food(owner)
    other_rid, _, _ = await harness.restaurant_with_food(other_owner)
    customer, other_customer = await harness.new_user("user"), await harness.new_user("user")
    order = await harness.place(customer, rid, fid)
    ticket = (await harness.tickets_of(owner.headers, order["id"]))[0]
    dine = {"restaurant_id": rid, "items": [{"food_id": fid, "quantity": 1}]}
    dine |= {"order_type": "dine_in", "table": "7"}
    seated = await harness.client.post("/api/orders", json=dine, headers=customer.headers)
    assert seated.status_code == 201, seated.text
    await harness.tickets_of(owner.headers, seated.json()["id"])
    # The cases that change an order (add an item, void one) get dine-in orders of their own,
    # so that in any order of the cases, firing and delivering find the first one unchanged.
    to_add = await harness.client.post("/api/orders", json=dine, headers=customer.headers)
    to_void = await harness.client.post("/api/orders", json=dine, headers=customer.headers)
    assert to_add.status_code == to_void.status_code == 201, (to_add.text, to_void.text)
    await harness.tickets_of(owner.headers, to_void.json()["id"])
    await harness.bill_of(owner.headers, order["id"])
    # Bills of their own for the money routes, so that the routes that change a bill never
    # change what another case expects: one to pay on, one paid to refund.
    to_pay = await harness.place(customer, rid, fid)
    await harness.bill_of(owner.headers, to_pay["id"])
    to_refund = await harness.place(customer, rid, fid)
    await harness.bill_of(owner.headers, to_refund["id"])
    paid = await harness.client.post(
        f"/api/billing/orders/{to_refund['id']}/finalize",
        json={"payment_method": "card"},
        headers=customer.headers,
    )
    assert paid.status_code == 200, paid.text
    users = {
        "customer": customer,
        "other_customer": other_customer,
        "owner": owner,
        "other_owner": other_owner,
        "staff": await harness.new_staff(owner, rid),
        "other_staff": await harness.new_staff(other_owner, other_rid),
        "admin": await harness.new_admin(),
    }
    group = await harness.client.post(
        f"/api/restaurants/{rid}/modifier-groups",
        json={"name": "Extras", "options": [{"name": "Extra cheese", "price_delta": "1.00"}]},
        headers=owner.headers,
    )
    assert group.status_code == 201, group.text
    ids = {
        "gid": group.json()["id"],
        "opt": group.json()["options"][0]["id"],
        "missing": "00000000-0000-4000-8000-000000000000",
        "rid": rid,
        "cid": cid,
        "fid": fid,
        "oid": order["id"],
        "tid": ticket["id"],
        "cust": customer.user_id,
        "other_rid": other_rid,
        "dine": seated.json()["id"],
        "add_dine": to_add.json()["id"],
        "void_dine": to_void.json()["id"],
        "void_item": to_void.json()["items"][0]["id"],
        "pay_oid": to_pay["id"],
        "refund_oid": to_refund["id"],
    }
    return World(users, ids)


def expect(
    anonymous: int,
    customer: int,
    other_customer: int,
    owner: int,
    other_owner: int,
    staff: int,
    other_staff: int,
    admin: int,
) -> dict[str, int]:
    return dict(
        zip(
            ROLES,
            (anonymous, customer, other_customer, owner, other_owner, staff, other_staff, admin),
            strict=True,
        )
    )


R = "/api/restaurants/{rid}"
CASES: list[tuple[str, str, dict[str, Any] | None, dict[str, int]]] = [
    ("GET", R, None, expect(200, 200, 200, 200, 200, 200, 200, 200)),
    ("GET", R + "/menu", None, expect(200, 200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/restaurants/my", None, expect(401, 403, 403, 200, 200, 200, 200, 200)),
    (
        "POST",
        "/api/restaurants",
        {"name": "New place"},
        expect(401, 403, 403, 201, 201, 403, 403, 201),
    ),
    ("PATCH", R, {"description": "Wood-fired"}, expect(401, 403, 403, 200, 404, 403, 403, 200)),
    ("POST", R + "/categories", {"name": "Sides"}, expect(401, 403, 403, 201, 404, 403, 403, 201)),
    (
        "PATCH",
        R + "/categories/{cid}",
        {"description": "Round ones"},
        expect(401, 403, 403, 200, 404, 403, 403, 200),
    ),
    (
        "PATCH",
        R + "/foods/{fid}",
        {"description": "Classic"},
        expect(401, 403, 403, 200, 404, 403, 403, 200),
    ),
    (
        "POST",
        R + "/foods/{fid}/availability",
        {"is_available": True},
        expect(401, 403, 403, 200, 404, 200, 404, 200),
    ),
    ("GET", R + "/staff", None, expect(401, 403, 403, 200, 404, 403, 403, 200)),
    (
        "POST",
        R + "/modifier-groups",
        {"name": "Sauces", "options": [{"name": "Mayo"}]},
        expect(401, 403, 403, 201, 404, 403, 403, 201),
    ),
    ("GET", R + "/modifier-groups", None, expect(401, 403, 403, 200, 404, 200, 404, 200)),
    (
        "PUT",
        R + "/modifier-groups/{gid}",
        {"name": "Extras", "options": [{"id": "{opt}", "name": "Extra cheese"}]},
        expect(401, 403, 403, 200, 404, 403, 403, 200),
    ),
    (
        "PATCH",
        R + "/modifier-groups/{gid}",
        {"max_selected": 3},
        expect(401, 403, 403, 200, 404, 403, 403, 200),
    ),
    # Deleting a group that is not there: the roles that may delete get 404.
    (
        "DELETE",
        R + "/modifier-groups/{missing}",
        None,
        expect(401, 403, 403, 404, 404, 403, 403, 404),
    ),
    (
        "POST",
        R + "/modifier-groups/{gid}/options/{opt}/availability",
        {"is_available": True},
        expect(401, 403, 403, 200, 404, 200, 404, 200),
    ),
    ("GET", R + "/foods", None, expect(401, 403, 403, 200, 404, 200, 404, 200)),
    ("GET", R + "/foods/{fid}", None, expect(401, 403, 403, 200, 404, 200, 404, 200)),
    ("GET", R + "/categories", None, expect(401, 403, 403, 200, 404, 200, 404, 200)),
    ("GET", "/api/orders/{oid}", None, expect(401, 200, 404, 200, 404, 200, 404, 200)),
    ("GET", "/api/orders", None, expect(401, 200, 200, 200, 200, 200, 200, 200)),
    (
        "GET",
        "/api/orders?restaurant_id={rid}",
        None,
        expect(401, 403, 403, 200, 200, 200, 200, 200),
    ),
    ("GET", "/api/kitchen/tickets", None, expect(401, 403, 403, 200, 200, 200, 200, 200)),
    ("GET", "/api/kitchen/tickets/{tid}", None, expect(401, 403, 403, 200, 404, 200, 404, 200)),
    ("GET", "/api/kitchen/all-day", None, expect(401, 403, 403, 200, 200, 200, 200, 200)),
    ("GET", "/api/billing/orders/{oid}", None, expect(401, 200, 404, 200, 404, 200, 404, 200)),
    (
        "POST",
        "/api/billing/orders/{oid}/discounts",
        {"kind": "amount", "value": "0.01", "reason": "regular"},
        # Staff may discount only up to a limit the restaurant sets; this one sets none.
        expect(401, 403, 404, 200, 404, 403, 404, 200),
    ),
    (
        "DELETE",
        "/api/billing/orders/{oid}/discounts/00000000-0000-4000-8000-000000000000",
        None,
        # Past the permission checks, a discount the bill does not have is a 400.
        expect(401, 403, 404, 400, 404, 403, 404, 400),
    ),
    (
        "POST",
        "/api/billing/orders/{oid}/split",
        {"by": "equal", "parts": 2},
        expect(401, 200, 404, 200, 404, 200, 404, 200),
    ),
    (
        "POST",
        "/api/billing/orders/{pay_oid}/payments",
        {"amount": "0.01", "payment_method": "cash"},
        expect(401, 200, 404, 200, 404, 200, 404, 200),
    ),
    (
        "POST",
        "/api/billing/orders/{refund_oid}/refunds",
        {"amount": "0.01", "reason": "cold"},
        expect(401, 403, 404, 200, 404, 403, 404, 200),
    ),
    ("GET", "/api/billing/users/{cust}", None, expect(401, 200, 404, 404, 404, 404, 404, 200)),
    ("GET", "/api/billing/restaurants/{rid}", None, expect(401, 403, 403, 200, 404, 200, 404, 200)),
    ("GET", "/api/analytics/top-foods", None, expect(401, 403, 403, 200, 200, 403, 403, 200)),
    (
        "GET",
        "/api/analytics/revenue?restaurant_id={rid}",
        None,
        expect(401, 403, 403, 200, 404, 403, 403, 200),
    ),
    (
        "GET",
        "/api/analytics/restaurants/{rid}/top-foods",
        None,
        expect(401, 403, 403, 200, 404, 403, 403, 200),
    ),
    ("GET", "/api/analytics/payment-methods", None, expect(401, 403, 403, 200, 200, 403, 403, 200)),
    (
        "GET",
        "/api/analytics/payment-methods?restaurant_id={rid}",
        None,
        expect(401, 403, 403, 200, 404, 403, 403, 200),
    ),
    (
        "GET",
        "/api/analytics/restaurants/{rid}/top-modifiers",
        None,
        expect(401, 403, 403, 200, 404, 403, 403, 200),
    ),
    ("GET", "/api/auth/me", None, expect(401, 200, 200, 200, 200, 200, 200, 200)),
    (
        "POST",
        "/api/orders/{add_dine}/items",
        {"items": [{"food_id": "{fid}", "quantity": 1}]},
        expect(401, 403, 404, 201, 404, 201, 404, 201),
    ),
    # One course only, fired at placement: whoever may fire finds it already fired.
    (
        "POST",
        "/api/kitchen/orders/{dine}/fire",
        {"course": 2},
        expect(401, 403, 403, 409, 404, 409, 404, 409),
    ),
    ("GET", "/api/kitchen/expo", None, expect(401, 403, 403, 200, 200, 200, 200, 200)),
    (
        "GET",
        "/api/kitchen/expo?restaurant_id={rid}",
        None,
        expect(401, 403, 403, 200, 200, 200, 200, 200),
    ),
    # Its ticket is NEW: whoever may bump it finds nothing READY.
    (
        "POST",
        "/api/kitchen/orders/{dine}/deliver",
        None,
        expect(401, 403, 403, 409, 404, 409, 404, 409),
    ),
    # The owner voids the item first; staff and admin may too, and find it already voided.
    (
        "DELETE",
        "/api/orders/{void_dine}/items/{void_item}",
        None,
        expect(401, 403, 404, 200, 404, 409, 404, 409),
    ),
]


def _filled(value: Any, ids: dict[str, str]) -> Any:
    """The body with ``{name}`` placeholders replaced by the world's ids."""
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _filled(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, ids) for v in value]
    return value


@pytest.mark.parametrize(
    ("method", "path", "body", "statuses"), CASES, ids=[f"{m} {p}" for m, p, _, _ in CASES]
)
async def test_each_role_gets_the_contract_status(
    harness: Harness,
    world: World,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    statuses: dict[str, int],
) -> None:
    url = path.format(**world.ids)
    if body is not None:
        body = _filled(body, world.ids)
    got = {}
    for role in ROLES:
        headers = world.users[role].headers if role in world.users else {}
        r = await harness.client.request(method, url, json=body, headers=headers)
        got[role] = r.status_code
        if r.status_code >= 400:
            assert set(r.json()) >= {"error", "message"}
    assert got == statuses


async def test_no_tenant_sees_another_tenants_objects(harness: Harness, world: World) -> None:
    c, ids = harness.client, world.ids
    other = world.users["other_owner"].headers
    r = await c.get(f"/api/orders?restaurant_id={ids['rid']}", headers=other)
    assert r.json() == []
    r = await c.get("/api/kitchen/tickets", headers=world.users["other_staff"].headers)
    assert ids["oid"] not in [t["order_id"] for t in r.json()]
    r = await c.get(f"/api/kitchen/tickets?restaurant_id={ids['rid']}", headers=other)
    assert r.json() == []
    r = await c.get("/api/orders", headers=world.users["other_customer"].headers)
    assert ids["oid"] not in [o["id"] for o in r.json()]
    r = await c.get("/api/kitchen/tickets", headers=world.users["admin"].headers)
    assert ids["oid"] in [t["order_id"] for t in r.json()]


async def test_customers_may_only_cancel_their_own_placed_orders(
    harness: Harness, world: World
) -> None:
    owner, customer = world.users["owner"], world.users["customer"]
    order = await harness.place(customer, world.ids["rid"], world.ids["fid"], quantity=1)
    url = f"/api/orders/{order['id']}/status"
    c = harness.client
    assert (
        await c.patch(url, json={"status": "ACCEPTED"}, headers=customer.headers)
    ).status_code == 403
    other = world.users["other_customer"].headers
    assert (await c.patch(url, json={"status": "CANCELLED"}, headers=other)).status_code == 404
    r = await c.patch(url, json={"status": "CANCELLED"}, headers=customer.headers)
    assert r.status_code == 200
    assert r.json()["status"] == "CANCELLED"
    bill = await harness.bill_of(owner.headers, order["id"])
    assert bill["status"] in ("PENDING", "CANCELLED")


async def test_identity_headers_from_clients_are_ignored(harness: Harness, world: World) -> None:
    other = world.users["other_customer"]
    spoof = {**other.headers, "X-User-Id": world.ids["cust"], "X-Owner-Id": world.ids["cust"]}
    r = await harness.client.get(f"/api/orders/{world.ids['oid']}", headers=spoof)
    assert r.status_code == 404
