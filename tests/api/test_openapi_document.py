"""The OpenAPI document states what the server enforces about request bodies."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from restman_api.app import create_app
from restman_api.bodies import Body
from restman_api.body_rules import (
    MONEY_PATTERN,
    PERCENT_PATTERN,
    POSITIVE_MONEY_PATTERN,
    PRICE_DELTA_PATTERN,
    RATE_PATTERN,
)
from restman_core.config import Settings
from restman_core.domain.access import Role
from restman_core.domain.bill_book import DiscountKind
from restman_core.domain.bill_split import SPLIT_KINDS
from restman_core.domain.billing import PaymentMethod
from restman_core.domain.courses import COURSES
from restman_core.domain.menus import (
    MAX_ALLERGENS,
    MAX_NAME,
    MAX_STATION,
)
from restman_core.domain.modifiers import (
    MAX_GROUPS_PER_FOOD,
    MAX_MODIFIER_NAME,
    MAX_MODIFIER_QUANTITY,
    MAX_OPTIONS_PER_GROUP,
    MAX_SELECTED,
)
from restman_core.domain.orders import (
    MAX_LINES,
    MAX_QUANTITY,
    MIN_QUANTITY,
    OrderStatus,
    OrderType,
)
from restman_core.domain.schedule import DAYS, MAX_RANGES_PER_DAY
from restman_core.domain.users import MAX_EMAIL
from restman_core.services.order_requests import (
    MAX_ALLERGY_NOTE,
    MAX_IDEMPOTENCY_KEY,
    MAX_MODIFIERS_PER_LINE,
    MAX_TABLE,
)
from tests.api.harness import Harness


def _document(tmp_path: Path) -> dict[str, Any]:
    app = create_app(settings=Settings(data_dir=tmp_path), run_pipeline=False)
    return app.openapi_schema.to_schema()


def _body_schema_names(document: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for operations in document["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                ref = media["schema"].get("$ref", "")
                if ref:
                    names.add(ref.rsplit("/", 1)[-1])
    return names


def test_every_request_body_refuses_unknown_fields_in_the_document(tmp_path: Path) -> None:
    document = _document(tmp_path)
    schemas = document["components"]["schemas"]
    bodies = _body_schema_names(document)
    assert len(bodies) >= 15
    loose = [name for name in bodies if schemas[name].get("additionalProperties") is not False]
    assert not loose, f"request bodies documented as open to unknown fields: {sorted(loose)}"
    # Nested bodies (an order's lines) are bodies too.
    assert schemas["OrderLine"]["additionalProperties"] is False


def test_only_request_bodies_are_closed(tmp_path: Path) -> None:
    """Response and enum schemas keep their shape: closing them would be a claim the server
    never made."""
    schemas = _document(tmp_path)["components"]["schemas"]
    body_names = {cls.__name__ for cls in _subclasses(Body)}
    for name, schema in schemas.items():
        if name not in body_names:
            assert (
                "additionalProperties" not in schema or schema["additionalProperties"] is not False
            )


def _subclasses(cls: type[Body]) -> list[type[Body]]:
    found: list[type[Body]] = []
    for sub in cls.__subclasses__():
        found.extend([sub, *_subclasses(sub)])
    return found


# The rules the document states are the core's ------------------------------------------------


def _props(schemas: dict[str, Any], body: str, field: str) -> dict[str, Any]:
    """A body field's schema without its null alternative."""
    prop = schemas[body]["properties"][field]
    alternatives: list[dict[str, Any]] = [
        a for a in prop.get("oneOf", [prop]) if a.get("type") != "null"
    ]
    assert len(alternatives) == 1, prop
    return alternatives[0]


def _enum(schemas: dict[str, Any], body: str, field: str) -> list[Any]:
    found = _props(schemas, body, field)
    if "$ref" in found:
        found = schemas[found["$ref"].rsplit("/", 1)[-1]]
    return list(found["enum"])


def test_orders_state_the_core_limits(tmp_path: Path) -> None:
    schemas = _document(tmp_path)["components"]["schemas"]
    items = _props(schemas, "PlaceOrder", "items")
    assert (items["minItems"], items["maxItems"]) == (1, MAX_LINES)
    quantity = _props(schemas, "OrderLine", "quantity")
    assert (quantity["minimum"], quantity["maximum"]) == (MIN_QUANTITY, MAX_QUANTITY)
    chosen = _props(schemas, "ModifierChoice", "quantity")
    assert (chosen["minimum"], chosen["maximum"]) == (1, MAX_MODIFIER_QUANTITY)
    assert _props(schemas, "OrderLine", "modifiers")["maxItems"] == MAX_MODIFIERS_PER_LINE
    assert _props(schemas, "OrderLine", "allergy_note")["maxLength"] == MAX_ALLERGY_NOTE
    assert _props(schemas, "PlaceOrder", "table")["maxLength"] == MAX_TABLE
    assert _props(schemas, "PlaceOrder", "restaurant_id")["format"] == "uuid"
    assert _enum(schemas, "PlaceOrder", "order_type") == [t.value for t in OrderType]
    assert _enum(schemas, "StatusChange", "status") == [s.value for s in OrderStatus]
    # A dine-in order names its table.
    assert schemas["PlaceOrder"]["if"]["properties"]["order_type"]["const"] == "dine_in"
    assert schemas["PlaceOrder"]["then"]["required"] == ["table"]


def test_money_fields_carry_the_parsers_patterns(tmp_path: Path) -> None:
    schemas = _document(tmp_path)["components"]["schemas"]
    assert _props(schemas, "FoodCreate", "price")["pattern"] == MONEY_PATTERN
    assert _props(schemas, "NewPayment", "amount")["pattern"] == POSITIVE_MONEY_PATTERN
    assert _props(schemas, "NewPayment", "tip_amount")["pattern"] == MONEY_PATTERN
    assert _props(schemas, "Finalize", "tip_amount")["pattern"] == MONEY_PATTERN
    assert _props(schemas, "NewDiscount", "value")["pattern"] == POSITIVE_MONEY_PATTERN
    assert _props(schemas, "FoodCreate", "tax_rate")["pattern"] == RATE_PATTERN
    assert _props(schemas, "OptionBody", "price_delta")["pattern"] == PRICE_DELTA_PATTERN
    assert _props(schemas, "RestaurantCreate", "staff_discount_limit")["pattern"] == (
        PERCENT_PATTERN
    )
    assert _enum(schemas, "NewPayment", "payment_method") == [m.value for m in PaymentMethod]
    assert _enum(schemas, "NewDiscount", "kind") == [k.value for k in DiscountKind]
    assert _enum(schemas, "Split", "by") == list(SPLIT_KINDS)
    # Every money string of every body is documented with a pattern: none is a bare string.
    loose = [
        (cls.__name__, name)
        for cls in _subclasses(Body)
        for name, hint in get_type_hints(cls).items()
        if name in cls.__struct_fields__
        and Decimal in _leaves(hint)
        and "pattern" not in json.dumps(schemas[cls.__name__]["properties"][name])
    ]
    assert not loose


def test_menus_and_sign_in_state_the_core_limits(tmp_path: Path) -> None:
    schemas = _document(tmp_path)["components"]["schemas"]
    name = _props(schemas, "FoodCreate", "name")
    assert (name["minLength"], name["maxLength"]) == (1, MAX_NAME)
    assert _props(schemas, "GroupCreate", "name")["maxLength"] == MAX_MODIFIER_NAME
    assert _props(schemas, "GroupCreate", "options")["maxItems"] == MAX_OPTIONS_PER_GROUP
    assert _props(schemas, "GroupCreate", "max_selected")["maximum"] == MAX_SELECTED
    groups = _props(schemas, "FoodCreate", "modifier_group_ids")
    assert (groups["maxItems"], groups["uniqueItems"]) == (MAX_GROUPS_PER_FOOD, True)
    assert _props(schemas, "FoodCreate", "allergens")["maxItems"] == MAX_ALLERGENS
    assert _props(schemas, "CategoryCreate", "course")["enum"] == list(COURSES)
    assert _props(schemas, "CategoryCreate", "station")["maxLength"] == MAX_STATION
    hours = _props(schemas, "CategoryCreate", "available_hours")
    assert hours["propertyNames"]["enum"] == list(DAYS)
    assert hours["additionalProperties"]["maxItems"] == MAX_RANGES_PER_DAY
    for body in ("RequestOtp", "VerifyOtp", "StaffInvite"):
        email = _props(schemas, body, "email")
        assert (email["format"], email["maxLength"]) == ("email", MAX_EMAIL)
    assert _enum(schemas, "RequestOtp", "role") == [r.value for r in Role]
    # The code's length is the installation's setting.
    assert _props(schemas, "VerifyOtp", "code")["pattern"] == "^[0-9]{6}$"
    app = create_app(settings=Settings(data_dir=tmp_path, otp_length=8), run_pipeline=False)
    eight = app.openapi_schema.to_schema()["components"]["schemas"]
    assert _props(eight, "VerifyOtp", "otp")["pattern"] == "^[0-9]{8}$"


def test_cursors_and_idempotency_keys_are_documented(tmp_path: Path) -> None:
    document = _document(tmp_path)
    parameters = {
        (path, p["name"]): p["schema"]
        for path, operations in document["paths"].items()
        for operation in operations.values()
        for p in operation.get("parameters", [])
    }
    for path in ("/api/orders", "/api/restaurants", "/api/kitchen/tickets"):
        formats = {f["format"] for f in parameters[(path, "before")]["anyOf"]}
        assert formats == {"date-time", "uuid"}, path
    key = parameters[("/api/orders", "Idempotency-Key")]
    assert key["maxLength"] == MAX_IDEMPOTENCY_KEY
    assert key["pattern"] == r"\S"


def _leaves(hint: Any) -> set[Any]:
    """The plain types an annotation is made of (through unions, Annotated and lists)."""
    args = get_args(hint)
    if not args:
        return {hint}
    if get_origin(hint) is Annotated:
        return _leaves(args[0])
    return {leaf for arg in args for leaf in _leaves(arg)}


async def test_every_cursor_form_the_document_names_is_taken(harness: Harness) -> None:
    """An RFC 3339 timestamp is a cursor of every list, the dead letters' included (whose ids
    hold a colon as timestamps do)."""
    admin = await harness.new_admin()
    for path in ("/api/admin/dead-letters", "/api/orders", "/api/kitchen/tickets"):
        for cursor in ("2026-01-01T00:00:00Z", "2026-01-01T01:00:00.5+01:00"):
            answer = await harness.client.get(
                path, params={"before": cursor}, headers=admin.headers
            )
            assert answer.status_code == 200, (path, cursor, answer.text)
    missing = f"kitchen:{uuid.uuid4()}"
    answer = await harness.client.get(
        "/api/admin/dead-letters", params={"before": missing}, headers=admin.headers
    )
    assert answer.status_code == 404, answer.text
