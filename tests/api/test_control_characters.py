"""Text with control characters (terminal escapes, carriage returns, bidi overrides) is refused
with a 400 naming the field, in every text field; multi-line fields accept line breaks."""

from __future__ import annotations

from typing import Any

import pytest

from restman_core.domain.text import plain_text
from restman_core.errors import InvalidInput
from tests.api.harness import Harness, User

ESCAPE = "Pizza \x1b[2J\x1b]0;pwned\x07"


@pytest.fixture(scope="module")
async def menu(harness: Harness) -> tuple[User, str, str, str]:
    owner = await harness.new_user("rest")
    rid, cid, fid = await harness.restaurant_with_food(owner)
    return owner, rid, cid, fid


def _refused(response: Any, field: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "VALIDATION_ERROR", body
    assert f"{field} must not contain control characters" in body["message"], body


@pytest.mark.parametrize(
    ("where", "field", "value"),
    [
        ("restaurant", "name", ESCAPE),
        ("restaurant", "phone", "555\r0100"),
        ("restaurant", "description", "line\x1b[31m red"),
        ("restaurant", "address", "Main St \u202eevil"),
        ("category", "name", "Piz\x1fzas"),
        ("category", "station", "grill\x1b"),
        ("food", "name", "Margherita\x08\x08\x08"),
        ("food", "description", "tasty\x9b31m"),
    ],
)
async def test_menu_text_with_control_characters_is_refused(
    harness: Harness, menu: Any, where: str, field: str, value: str
) -> None:
    owner, rid, cid, fid = menu
    path = {
        "restaurant": f"/api/restaurants/{rid}",
        "category": f"/api/restaurants/{rid}/categories/{cid}",
        "food": f"/api/restaurants/{rid}/foods/{fid}",
    }[where]
    r = await harness.client.patch(path, json={field: value}, headers=owner.headers)
    _refused(r, field)


async def test_a_new_restaurant_named_with_an_escape_is_refused(harness: Harness) -> None:
    owner = await harness.new_user("rest")
    r = await harness.client.post("/api/restaurants", json={"name": ESCAPE}, headers=owner.headers)
    _refused(r, "name")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"special_instructions": "ring twice\x1b[8m"}, "special_instructions"),
        ({"order_type": "dine_in", "table": "T1\rT9"}, "table"),
        ({"delivery_address": "1 Road\x07"}, "delivery_address"),
    ],
)
async def test_order_text_with_control_characters_is_refused(
    harness: Harness, menu: Any, extra: dict[str, str], field: str
) -> None:
    _, rid, _, fid = menu
    customer = await harness.new_user("user")
    body = {"restaurant_id": rid, "items": [{"food_id": fid, "quantity": 1}], **extra}
    r = await harness.client.post("/api/orders", json=body, headers=customer.headers)
    _refused(r, field)


async def test_item_notes_with_control_characters_are_refused(harness: Harness, menu: Any) -> None:
    _, rid, _, fid = menu
    customer = await harness.new_user("user")
    item = {"food_id": fid, "quantity": 1, "notes": "no onions\x1b[0m"}
    r = await harness.client.post(
        "/api/orders", json={"restaurant_id": rid, "items": [item]}, headers=customer.headers
    )
    _refused(r, "items[0].notes")


async def test_multi_line_fields_keep_line_breaks(harness: Harness, menu: Any) -> None:
    owner, rid, _, fid = menu
    r = await harness.client.patch(
        f"/api/restaurants/{rid}/foods/{fid}",
        json={"description": "Tomato,\r\nmozzarella\tand basil"},
        headers=owner.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["description"] == "Tomato,\nmozzarella\tand basil"


@pytest.mark.parametrize("text", ["Café 🍕", "Crème brûlée", "👨\u200d🍳 chef's", "寿司"])
def test_ordinary_unicode_is_accepted(text: str) -> None:
    assert plain_text(text, field="name") == text


@pytest.mark.parametrize("text", ["a\nb", "a\tb", "a\u2028b", "a\x7fb", "a\u2066b"])
def test_single_line_fields_refuse_breaks_and_controls(text: str) -> None:
    with pytest.raises(InvalidInput, match="must not contain control characters"):
        plain_text(text, field="name")
