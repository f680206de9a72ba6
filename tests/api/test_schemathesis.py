"""Property-based run of the whole OpenAPI document: generated requests (valid and not) for
every operation, signed in as a restaurant owner with a real restaurant, must never get a 5xx
and every response must match the documented status codes, content types and schemas."""

from __future__ import annotations

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
        case.call_and_validate(
            base_url=base, headers={**headers, **(case.headers or {})}, checks=CHECKS
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
