"""Shared request-parsing helpers: msgspec bodies become the raw field mappings use cases take."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

# Litestar keeps its schema plugin for msgspec structs in a private module; the test of the
# document (tests/api/test_contract.py) fails loudly if it moves.
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.openapi.spec import Schema
    from litestar.typing import FieldDefinition


class Body(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=False):
    """Base of every request body: unknown fields are a 400 naming them, and so is text with a
    NUL character (PostgreSQL cannot store it, so refusing it here keeps every backend alike
    and keeps driver errors away from use cases that never expect them)."""

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if isinstance(value, str) and "\x00" in value:
                # msgspec turns a ValueError raised here into a validation error naming the body.
                raise ValueError(f"{name} must not contain NUL characters")


def fields_of(body: msgspec.Struct) -> dict[str, Any]:
    """The fields the client actually sent (UNSET ones left out), as JSON builtins: ids and
    money become strings, so use cases parse them with their own rules."""
    built = msgspec.to_builtins(body)
    assert isinstance(built, dict)
    return built


class StrictBodySchemas(StructSchemaPlugin):
    """OpenAPI for request bodies that says what the server enforces: every :class:`Body`
    refuses unknown fields, so its schema carries ``additionalProperties: false`` and a client
    generated from the document cannot send a field the server would refuse."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return super().is_plugin_supported_field(field_definition) and issubclass(
            field_definition.type_, Body
        )

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        schema.additional_properties = False
        return schema
