"""``OPTIONS`` and 405 answers name every method the path serves, exactly as the OpenAPI
document lists them (RFC 9110 ``Allow``)."""

from __future__ import annotations

import re

from tests.api.harness import Harness

SOME_ID = "00000000-0000-0000-0000-000000000000"
METHODS = {"get", "post", "put", "patch", "delete"}


def _allowed(header: str) -> set[str]:
    return {m.strip().upper() for m in header.split(",") if m.strip()} - {"HEAD"}


async def test_options_lists_every_documented_method_of_each_path(harness: Harness) -> None:
    document = (await harness.client.get("/schema/openapi.json")).json()
    wrong: dict[str, tuple[set[str], set[str]]] = {}
    for path, operations in document["paths"].items():
        declared = {m.upper() for m in operations if m in METHODS} | {"OPTIONS"}
        r = await harness.client.options(re.sub(r"\{[^}]+\}", SOME_ID, path))
        allowed = _allowed(r.headers.get("allow", ""))
        if allowed != declared:
            wrong[path] = (declared, allowed)
    assert wrong == {}
    assert len(document["paths"]) >= 30


async def test_an_undocumented_method_is_405_naming_every_method(harness: Harness) -> None:
    r = await harness.client.delete("/api/orders")
    assert r.status_code == 405, r.text
    assert _allowed(r.headers["allow"]) >= {"GET", "POST"}
