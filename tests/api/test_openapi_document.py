"""The OpenAPI document states what the server enforces about request bodies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from restman_api.app import create_app
from restman_api.bodies import Body
from restman_core.config import Settings


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
