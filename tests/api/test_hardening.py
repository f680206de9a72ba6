"""Defects an adversarial review of the API found against the contract: each test pins one
client- or attacker-visible behaviour (a 500, an internal message, a blocked preflight, a list
that could not be paged, an undocumented operation)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.harness import Harness
from tests.api.test_bad_input import assert_error

JSON = {"content-type": "application/json"}


async def test_preflight_is_not_blocked_by_auth(harness: Harness) -> None:
    """An OPTIONS request carries no credentials (browsers never send them on a preflight), so
    the session guard must not turn it into a 401."""
    r = await harness.client.options(
        "/api/orders",
        headers={"Origin": "https://kds.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert r.status_code == 204, r.text
    assert "POST" in r.headers["allow"]
    assert r.headers["x-request-id"]


@pytest.mark.parametrize(
    "cursor",
    ["0001-01-01T00:00:00%2B01:00", "9999-12-31T23:59:59-14:00"],
)
async def test_cursor_timestamps_past_the_calendar_are_refused(
    harness: Harness, cursor: str
) -> None:
    """A timestamp whose UTC value falls outside years 1..9999 is a 400, not an overflow 500."""
    r = await harness.client.get(f"/api/restaurants?before={cursor}")
    assert_error(r, 400, "VALIDATION_ERROR")


async def test_a_missing_body_is_named_not_a_framework_key(harness: Harness) -> None:
    owner = await harness.new_user("rest")
    r = await harness.client.post(
        "/api/restaurants", content=b"", headers={**owner.headers, **JSON}
    )
    body = assert_error(r, 400, "VALIDATION_ERROR")
    assert "'data'" not in body["message"]
    assert "body" in body["message"].lower()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/auth/request-otp", {"email": "nul\u0000@example.com"}),
        ("/api/restaurants", {"name": "Pizza\u0000Palace"}),
    ],
)
async def test_nul_characters_in_text_are_refused(
    harness: Harness, path: str, body: dict[str, Any]
) -> None:
    """PostgreSQL text cannot hold NUL; refusing it at the edge keeps every backend alike (on
    PostgreSQL the sign-in path answered 500)."""
    owner = await harness.new_user("rest")
    r = await harness.client.post(path, json=body, headers=owner.headers)
    assert_error(r, 400, "VALIDATION_ERROR")


async def test_ticket_list_pages_with_before(harness: Harness) -> None:
    owner, customer = await harness.new_user("rest"), await harness.new_user("user")
    rid, _, fid = await harness.restaurant_with_food(owner)
    placed = [(await harness.place(customer, rid, fid, quantity=1))["id"] for _ in range(3)]
    for order_id in placed:
        await harness.tickets_of(owner.headers, order_id)
    c, h = harness.client, owner.headers
    first = (await c.get(f"/api/kitchen/tickets?restaurant_id={rid}&limit=2", headers=h)).json()
    assert [t["order_id"] for t in first] == placed[:2]  # oldest first
    rest = await c.get(
        f"/api/kitchen/tickets?restaurant_id={rid}&limit=2&before={first[-1]['id']}", headers=h
    )
    assert rest.status_code == 200, rest.text
    assert [t["order_id"] for t in rest.json()] == placed[2:]
    stranger = await harness.new_user("rest")
    foreign = await c.get(
        f"/api/kitchen/tickets?before={first[-1]['id']}", headers=stranger.headers
    )
    assert_error(foreign, 404, "NOT_FOUND")
    bad = await c.get("/api/kitchen/tickets?before=yesterday", headers=h)
    assert_error(bad, 400, "VALIDATION_ERROR")


async def test_openapi_json_and_ui_are_served(harness: Harness) -> None:
    """The README's URLs: the document at /schema/openapi.json, the browsable UI at
    /schema/swagger (and /schema itself)."""
    c = harness.client
    document = await c.get("/schema/openapi.json")
    assert document.status_code == 200
    assert document.json()["openapi"].startswith("3.")
    for page in ("/schema/swagger", "/schema"):
        r = await c.get(page)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        assert "SwaggerUIBundle" in r.text  # the browsable UI, with the document inline
        assert '"operationId"' in r.text


async def test_every_operation_has_an_id_a_summary_and_its_errors(harness: Harness) -> None:
    document = (await harness.client.get("/schema/openapi.json")).json()
    problems: list[str] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            if not operation.get("operationId"):
                problems.append(f"{where}: no operationId")
            if not operation.get("summary"):
                problems.append(f"{where}: no summary")
            statuses = set(operation.get("responses", {}))
            if not any(s.startswith(("4", "5")) for s in statuses):
                problems.append(f"{where}: no error responses")
            public = operation.get("security") == [{}]
            if not public and "401" not in statuses:
                problems.append(f"{where}: needs a session but documents no 401")
    assert not problems, "\n".join(problems)


async def test_stream_of_a_restaurant_not_operated_is_404(harness: Harness) -> None:
    """Naming a restaurant the caller does not operate answers at once, as for every other
    object of someone else, instead of an endless stream that never shows a ticket."""
    owner, stranger = await harness.new_user("rest"), await harness.new_user("rest")
    rid, _, _ = await harness.restaurant_with_food(owner)
    r = await harness.client.get(
        f"/api/kitchen/stream?restaurant_id={rid}", headers=stranger.headers, timeout=5
    )
    assert_error(r, 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"name": "\xff\xfe"}', id="not-utf8"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="nested-past-the-decoder-depth"),
    ],
)
async def test_undecodable_bodies_are_bad_requests(harness: Harness, raw: bytes) -> None:
    owner = await harness.new_user("rest")
    r = await harness.client.post(
        "/api/restaurants", content=raw, headers={**owner.headers, **JSON}
    )
    assert_error(r, 400, "BAD_REQUEST")


async def test_undecodable_query_text_is_a_bad_request(harness: Harness) -> None:
    r = await harness.client.get("/api/restaurants?before=%FF%FE")
    assert r.status_code == 400, r.text
    assert r.json()["error"] in ("BAD_REQUEST", "VALIDATION_ERROR")


async def test_made_up_methods_do_not_mint_metric_series(harness: Harness) -> None:
    """The method label is client input: every invented method would otherwise add a series to
    the registry for the life of the process (unbounded memory)."""
    for method in ("BREWCOFFEE", "PROPFINDX"):
        r = await harness.client.request(method, "/api/restaurants")
        assert r.status_code in (404, 405), r.text
        assert r.json()["error"]
    text = (await harness.client.get("/metrics")).text
    assert "BREWCOFFEE" not in text
    assert "PROPFINDX" not in text
    assert 'method="OTHER"' in text
