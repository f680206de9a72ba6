"""Bad input of every kind gets the right 4xx with the contract's JSON error body, never a 5xx;
framework errors (unknown route, wrong method, body too large, not JSON) use the same body."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from restman_api.app import BODY_METHODS, create_app, require_json
from tests.api.harness import Harness, User
from tests.api.harness import test_settings as api_settings

JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
async def menu(harness: Harness) -> tuple[User, str, str, str]:
    owner = await harness.new_user("rest")
    rid, cid, fid = await harness.restaurant_with_food(owner)
    return owner, rid, cid, fid


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code
    assert isinstance(body["message"], str)
    assert body["message"]
    assert set(body) <= {"error", "message", "details"}
    text = response.text.lower()
    assert "traceback" not in text
    assert "sqlalchemy" not in text
    assert "select " not in text
    return dict(body)


async def test_malformed_json_is_bad_request(harness: Harness, menu: Any) -> None:
    owner = menu[0]
    r = await harness.client.post(
        "/api/orders", content=b'{"restaurant_id": ', headers={**owner.headers, **JSON}
    )
    assert_error(r, 400, "BAD_REQUEST")


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"restaurant_id": 5, "items": []}, "restaurant_id"),
        ({"restaurant_id": "00000000-0000-0000-0000-000000000000", "items": "x"}, "items"),
        ({"restaurant_id": "not-an-id", "items": []}, "restaurant_id"),
        ([1, 2], "object"),
    ],
)
async def test_wrong_types_are_validation_errors(
    harness: Harness, menu: Any, body: Any, named: str
) -> None:
    r = await harness.client.post("/api/orders", json=body, headers=menu[0].headers)
    assert named in assert_error(r, 400, "VALIDATION_ERROR")["message"] + r.text


async def test_unknown_fields_are_rejected_by_name(harness: Harness, menu: Any) -> None:
    owner, rid, _, fid = menu
    body = {"restaurant_id": rid, "items": [{"food_id": fid, "quantity": 1}], "discount": "5"}
    r = await harness.client.post("/api/orders", json=body, headers=owner.headers)
    assert "discount" in assert_error(r, 400, "VALIDATION_ERROR")["message"]
    line = {"food_id": fid, "quantity": 1, "price": "0.01"}
    r = await harness.client.post(
        "/api/orders", json={"restaurant_id": rid, "items": [line]}, headers=owner.headers
    )
    assert "price" in assert_error(r, 400, "VALIDATION_ERROR")["message"]


@pytest.mark.parametrize(
    ("price", "why"),
    [
        ("-1.00", "negative"),
        (-5, "negative"),
        ("1.234", "two decimal places"),
        (1.999, "two decimal places"),
        ("1e400", "too large"),
        ("99999999999.00", "too large"),
        ("NaN", "finite"),
        ("twelve", "number"),
    ],
)
async def test_bad_money_is_refused(harness: Harness, menu: Any, price: Any, why: str) -> None:
    owner, rid, cid, _ = menu
    body = {"category_id": cid, "name": "Odd", "price": price}
    r = await harness.client.post(f"/api/restaurants/{rid}/foods", json=body, headers=owner.headers)
    if r.status_code == 400 and r.json()["error"] == "VALIDATION_ERROR":
        assert why in r.json()["message"] or why == "number"
    assert_error(r, 400, "VALIDATION_ERROR")


async def test_money_accepts_strings_and_numbers(harness: Harness, menu: Any) -> None:
    owner, rid, cid, _ = menu
    for given, shown in (("7.5", "7.50"), (8, "8.00"), (9.25, "9.25")):
        body = {"category_id": cid, "name": f"Dish {given}", "price": given}
        r = await harness.client.post(
            f"/api/restaurants/{rid}/foods", json=body, headers=owner.headers
        )
        assert r.status_code == 201, r.text
        assert r.json()["price"] == shown


async def test_order_totals_past_the_column_range_are_refused(harness: Harness) -> None:
    owner = await harness.new_user("rest")
    rid, _, fid = await harness.restaurant_with_food(owner, price="9999999999.99")
    body = {"restaurant_id": rid, "items": [{"food_id": fid, "quantity": 100}]}
    r = await harness.client.post("/api/orders", json=body, headers=owner.headers)
    assert_error(r, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize("quantity", [0, -1, 101, 10**30, "many", 1.5, None])
async def test_quantities_outside_1_to_100_are_refused(
    harness: Harness, menu: Any, quantity: Any
) -> None:
    owner, rid, _, fid = menu
    body = {"restaurant_id": rid, "items": [{"food_id": fid, "quantity": quantity}]}
    r = await harness.client.post("/api/orders", json=body, headers=owner.headers)
    assert_error(r, 400, "VALIDATION_ERROR")


async def test_huge_bodies_are_413(harness: Harness, menu: Any) -> None:
    big = b'{"name": "' + b"x" * 2_000_000 + b'"}'
    r = await harness.client.post(
        "/api/restaurants", content=big, headers={**menu[0].headers, **JSON}
    )
    assert_error(r, 413, "PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize(
    "path",
    ["/api/orders/not-a-uuid", "/api/kitchen/tickets/123", "/api/billing/orders/%20"],
)
async def test_malformed_ids_in_paths(harness: Harness, menu: Any, path: str) -> None:
    r = await harness.client.get(path, headers=menu[0].headers)
    assert r.status_code in (400, 404)
    assert_error(r, r.status_code, "NOT_FOUND" if r.status_code == 404 else "VALIDATION_ERROR")


@pytest.mark.parametrize(
    "query",
    [
        "/api/orders?status=BOGUS",
        "/api/orders?limit=0",
        "/api/orders?limit=201",
        "/api/orders?limit=ten",
        "/api/orders?before=yesterday",
        "/api/orders?restaurant_id=nope",
        "/api/kitchen/tickets?status=NEW&status=BOGUS",
        "/api/analytics/top-foods?start_date=2024-13-01",
        "/api/analytics/top-foods?limit=0",
        "/api/analytics/revenue?start_date=2024-02-02&end_date=2024-02-01",
    ],
)
async def test_unknown_query_values_are_refused(harness: Harness, menu: Any, query: str) -> None:
    r = await harness.client.get(query, headers=menu[0].headers)
    assert_error(r, 400, "VALIDATION_ERROR")


async def test_framework_errors_use_the_error_body(harness: Harness, menu: Any) -> None:
    c, h = harness.client, menu[0].headers
    assert_error(await c.get("/api/nothing-here"), 404, "NOT_FOUND")
    assert_error(await c.delete("/api/orders", headers=h), 405, "METHOD_NOT_ALLOWED")
    r = await c.post(
        "/api/orders",
        content=b"a=b",
        headers={**h, "content-type": "application/x-www-form-urlencoded"},
    )
    assert_error(r, 415, "UNSUPPORTED_MEDIA_TYPE")
    r = await c.get("/api/orders", headers={"Authorization": "Bearer not-a-session"})
    assert_error(r, 401, "UNAUTHORIZED")
    assert r.headers["www-authenticate"] == "Bearer"
    assert_error(
        await c.get("/api/orders", headers={"Authorization": "Basic abc"}), 401, "UNAUTHORIZED"
    )


async def test_a_patch_with_a_form_body_is_unsupported_media(harness: Harness, menu: Any) -> None:
    owner, rid = menu[0], menu[1]
    r = await harness.client.patch(
        f"/api/restaurants/{rid}",
        content=b"name=x",
        headers={**owner.headers, "content-type": "application/x-www-form-urlencoded"},
    )
    assert_error(r, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_every_body_route_checks_json_and_no_other_route_runs_a_hook(tmp_path: Path) -> None:
    # The check sits on the routes that take a body, not on the app: a GET runs no hook.
    app = create_app(settings=api_settings(tmp_path), bench_routes=True)
    handlers = [h for route in app.routes for h in getattr(route, "route_handlers", [])]
    with_body = [h for h in handlers if h.http_methods & BODY_METHODS]
    assert len(with_body) > 20
    for handler in handlers:
        expected = require_json if handler.http_methods & BODY_METHODS else None
        assert handler.resolve_before_request() is expected, handler


async def test_missing_code_and_bad_role_on_sign_in(harness: Harness) -> None:
    c = harness.client
    r = await c.post("/api/auth/verify-otp", json={"email": "a@example.com"})
    assert_error(r, 400, "VALIDATION_ERROR")
    r = await c.post("/api/auth/request-otp", json={"email": "a@example.com", "role": "chef"})
    assert_error(r, 400, "VALIDATION_ERROR")
    r = await c.post("/api/auth/request-otp", json={"email": "not an email"})
    assert_error(r, 400, "VALIDATION_ERROR")
    r = await c.post("/api/auth/verify-otp", json={"email": "a@example.com", "code": "000000"})
    assert_error(r, 401, "UNAUTHORIZED")


async def test_request_ids_are_echoed_or_made(harness: Harness) -> None:
    r = await harness.client.get("/health", headers={"X-Request-Id": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = await harness.client.get("/api/nothing", headers={"X-Request-Id": "trace-9"})
    assert r.headers["x-request-id"] == "trace-9"
    made = (await harness.client.get("/health", headers={"X-Request-Id": "bad id\x7f"})).headers
    assert made["x-request-id"]
    assert made["x-request-id"] != "bad id\x7f"
