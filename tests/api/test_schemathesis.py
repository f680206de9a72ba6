"""Property-based run of the whole OpenAPI document: generated requests (valid and not) for
every operation, signed in as a restaurant owner with a real restaurant, must never get a 5xx
and every response must match the documented status codes, content types and schemas."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.harness import CODE, _text, mails_to
from tests.api.threaded import threaded_api
from tests.support.services import wait_for_sync

SKIPPED = r"^/api/(kitchen/stream|auth/logout)"  # endless stream; would end our own session


def _sign_in(base: str, outbox: Path) -> dict[str, str]:
    with httpx.Client(base_url=base) as client:
        address = "fuzz-owner@example.com"
        client.post("/api/auth/request-otp", json={"email": address, "role": "rest"})
        wait_for_sync(
            lambda: mails_to(outbox, address), what=f"a sign-in mail to {address}", timeout=30
        )
        match = CODE.search(_text(mails_to(outbox, address)[-1]))
        assert match
        token = client.post(
            "/api/auth/verify-otp", json={"email": address, "code": match.group(1)}
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        rid = client.post("/api/restaurants", json={"name": "Fuzz"}, headers=headers).json()["id"]
        cid = client.post(
            f"/api/restaurants/{rid}/categories", json={"name": "All"}, headers=headers
        ).json()["id"]
        client.post(
            f"/api/restaurants/{rid}/foods",
            json={"category_id": cid, "name": "Thing", "price": "1.00"},
            headers=headers,
        )
        return headers


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    data_dir = tmp_path_factory.mktemp("fuzz")
    with threaded_api(data_dir) as base:
        yield base, _sign_in(base, data_dir / "outbox")


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_MODE = 8


def _exercise(operation: Any, mode: GenerationMode, base: str, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_MODE,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    def run(case: Any) -> None:
        # Our session over a generated Authorization header: otherwise nearly every signed-in
        # route answers 401 and its body is never judged.
        case.call_and_validate(
            base_url=base, headers={**(case.headers or {}), **headers}, checks=CHECKS
        )

    run()


def test_no_server_errors_and_documented_answers(served: tuple[str, dict[str, str]]) -> None:
    base, headers = served
    schema = schemathesis.openapi.from_url(f"{base}/schema/openapi.json")
    failures: dict[str, str] = {}
    exercised = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # every operation of ours parses
        if re.match(SKIPPED, operation.path):
            continue
        exercised += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _exercise(operation, mode, base, headers)
            except (KeyboardInterrupt, SystemExit):
                raise
            except Unsatisfiable:
                continue  # nothing to negate: the operation takes no input
            except BaseException as exc:  # collect every operation's failure, report them all
                failures[f"{operation.method.upper()} {operation.path} ({mode})"] = str(exc)[:1500]
    assert exercised >= 40
    report = "\n\n".join(f"{k}: {v}" for k, v in failures.items())
    assert not failures, report


def test_schema_names_every_operation(served: tuple[str, dict[str, str]]) -> None:
    base, _ = served
    document = httpx.get(f"{base}/schema/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert re.match(r"^[a-z][A-Za-z]+$", operation["operationId"]), (path, method)
            assert operation.get("summary"), (path, method)
    assert httpx.get(f"{base}/schema").status_code == 200  # the browsable UI


# Valid data is accepted ---------------------------------------------------------------------
# Requests generated from the document's schemas alone (positive mode) must never be refused as
# malformed: the document states every rule the server checks on its own. A 400 may still say
# that the request names ids the restaurant does not have, or asks what the bill's state does
# not allow (the document cannot know the data); those answers are listed here, each matched by
# its message, and any other 400 or 422 fails the run.
ACCEPTED_ROUTES = (
    "placeOrder",
    "createCategory",
    "createFood",
    "createModifierGroup",
    "addBillDiscount",
    "splitBill",
    "payBill",
    "requestOtp",
    "verifyOtp",
    "addOrderItems",
    # Edits last: they may close the restaurant or the food the routes above order.
    "replaceFood",
    "updateFood",
    "replaceCategory",
    "updateCategory",
    "createRestaurant",
    "updateRestaurant",
)
ANSWERS_ABOUT_THE_DATA = re.compile(
    "|".join(
        [
            r"is not offered with",  # a modifier option id that is no option of the food
            r"^Unknown modifier groups for this restaurant",
            r"id is not an option of this group",  # an option id the group does not have
            r"^Items not of this order",  # item ids that are not the bill's items
            r"^Every item must be in exactly one part",
            r"is not a part of this bill",  # a part id the bill does not have
            r"^The bill is not split",  # a part id on a bill without parts
            r"^The parts do not cover the bill",  # amounts that do not sum to what is due
            r"^Every part must be worth more than zero",  # more parts than cents due
            r"^Discounts would be above the subtotal",
            r"^The bill is split: part_id names the part paid",
            # Rules across the items of one list or two fields of a modifier group: the
            # document states each field's range, not how options compare with each other.
            r"is listed twice",
            r"ranges overlap",
            r"is above max_selected",
            r"is required but has no orderable option",
            # A pickup is judged against the clock of the moment: the document gives its format.
            r"^pickup_at must be in the future",
            r"^pickup_at may be at most \d+ days ahead",
        ]
    )
)
ACCEPTANCE_EXAMPLES = 25


BILL_ROUTES = ("addBillDiscount", "splitBill", "payBill")


def _status(client: httpx.Client, path: str) -> int:
    return client.get(path).status_code


def _menu_of(base: str, headers: dict[str, str]) -> dict[str, str]:
    """A restaurant with one category and one food, and for each bill route a placed order
    with an open bill of its own (a split made by one route changes what another may do)."""
    with httpx.Client(base_url=base, headers=headers) as client:
        rid = client.post("/api/restaurants", json={"name": "Valid"}).json()["id"]
        cid = client.post(f"/api/restaurants/{rid}/categories", json={"name": "All"}).json()["id"]
        fid = client.post(
            f"/api/restaurants/{rid}/foods",
            json={"category_id": cid, "name": "Feast", "price": "100.00"},
        ).json()["id"]
        ids = {"restaurant_id": rid, "category_id": cid, "food_id": fid}
        dine_in = client.post(
            "/api/orders",
            json={
                "restaurant_id": rid,
                "items": [{"food_id": fid, "quantity": 1}],
                "order_type": "dine_in",
                "table": "T1",
            },
        )
        assert dine_in.status_code == 201, dine_in.text
        ids["addOrderItems"] = dine_in.json()["id"]
        for route in BILL_ROUTES:
            order = client.post(
                "/api/orders",
                json={"restaurant_id": rid, "items": [{"food_id": fid, "quantity": 3}]},
            )
            assert order.status_code == 201, order.text
            oid = ids[route] = order.json()["id"]
            bill = f"/api/billing/orders/{oid}"
            wait_for_sync(
                functools.partial(_status, client, bill),
                until=lambda status: status == 200,
                what=f"the bill of order {oid} to open",
                timeout=60,
            )
        return ids


@pytest.fixture
def aimed(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], dict[str, str]]]:
    """An API of its own (these requests change its data), signed in as an owner, with the
    objects the generated requests are aimed at."""
    with threaded_api(tmp_path) as base:
        headers = _sign_in(base, tmp_path / "outbox")
        yield base, headers, _menu_of(base, headers)


def _aim(case: Any, route: str, ids: dict[str, str]) -> None:
    """Point the generated request at the real restaurant, category, food and order, so that
    the body's own rules are what the server judges (not a missing restaurant)."""
    wanted = {
        "restaurant_id": ids["restaurant_id"],
        "category_id": ids["category_id"],
        "food_id": ids["food_id"],
        "order_id": ids.get(route),
    }
    for name, value in wanted.items():
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = value
    if not isinstance(case.body, dict):
        return
    for name in ("restaurant_id", "category_id"):
        if name in case.body:
            case.body[name] = ids[name]
    for line in case.body.get("items") or []:
        if isinstance(line, dict):
            line["food_id"] = ids["food_id"]
    # Ids that can only name what does not exist here (a new group has no options yet, the
    # restaurant no modifier groups) would hide the rest of the body behind their answer.
    case.body.pop("modifier_group_ids", None)
    for option in case.body.get("options") or []:
        if isinstance(option, dict):
            option.pop("id", None)


def _accepts(
    route: str, schema: Any, base: str, headers: dict[str, str], ids: dict[str, str]
) -> list[int]:
    """The statuses of the generated requests; fails on the first valid one refused."""
    answered: list[int] = []
    operation = schema.find_operation_by_id(route)

    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    @settings(
        max_examples=ACCEPTANCE_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    def run(case: Any) -> None:
        _aim(case, route, ids)
        # Our session, not a generated Authorization header: the request must get past
        # sign-in for its body to be judged.
        response = case.call(base_url=base, headers={**(case.headers or {}), **headers})
        answered.append(response.status_code)
        assert response.status_code < 500, (case.body, response.text)
        if response.status_code in (400, 422):
            message = response.json().get("message", "")
            assert ANSWERS_ABOUT_THE_DATA.search(message), (
                f"valid request rejected: {case.path_parameters} {case.body!r} -> "
                f"{response.status_code} {response.text}"
            )

    run()
    return answered


def test_valid_requests_are_never_refused_as_malformed(
    aimed: tuple[str, dict[str, str], dict[str, str]],
) -> None:
    base, headers, ids = aimed
    schema = schemathesis.openapi.from_url(f"{base}/schema/openapi.json")
    failures: dict[str, str] = {}
    for operation_id in ACCEPTED_ROUTES:
        try:
            answered = _accepts(operation_id, schema, base, headers, ids)
            # The check means something only if the server judged the bodies: some were
            # taken (a sign-in code is never guessed, so verifyOtp answers 401).
            taken = [s for s in answered if s < 300 or operation_id == "verifyOtp"]
            assert taken, f"no generated request was taken: {sorted(set(answered))}"
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # report every route's failure at once
            failures[operation_id] = str(exc)[:2000]
    assert not failures, "\n\n".join(f"{k}: {v}" for k, v in failures.items())
