"""Shared request-parsing helpers: msgspec bodies become the raw field mappings use cases take."""

from __future__ import annotations

from types import UnionType
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin, get_type_hints

import msgspec

# Litestar keeps its schema plugin for msgspec structs in a private module; the test of the
# document (tests/api/test_contract.py) fails loudly if it moves.
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.spec import Reference, Schema
from msgspec import UnsetType

from restman_api.body_rules import Rule

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.typing import FieldDefinition


class Body(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=False):
    """Base of every request body: unknown fields are a 400 naming them, and so is text with a
    NUL character (PostgreSQL cannot store it, so refusing it here keeps every backend alike
    and keeps driver errors away from use cases that never expect them)."""

    @classmethod
    def document(cls, schema: Schema, context: DocumentContext) -> None:
        """Add to the body's schema what its field annotations cannot say (rules across
        fields, values that depend on the settings). The default adds nothing."""

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


class DocumentContext(msgspec.Struct, frozen=True):
    """The settings the document's rules depend on (one app, one document)."""

    code_length: int


def _rules_of(annotation: Any) -> list[Rule | None]:
    """The :class:`Rule` of each alternative of a field's annotation, in the order the schema
    lists them (``X | UnsetType | None``: X's alone; ``A | B``: A's, then B's)."""
    if get_origin(annotation) in (Union, UnionType):
        return [
            found
            for a in get_args(annotation)
            if a not in (UnsetType, type(None))
            for found in _rules_of(a)
        ]
    if get_origin(annotation) is Annotated:
        return [next((m for m in annotation.__metadata__ if isinstance(m, Rule)), None)]
    return [None]


def alternatives(schema: Schema | Reference) -> list[Schema]:
    """The schemas a value of the field may take, the null alternative left out."""
    if isinstance(schema, Reference):
        return []
    if schema.one_of:
        return [s for s in schema.one_of if isinstance(s, Schema) and s.type != "null"]
    return [schema]


def apply_rules(body: type[Body], schema: Schema) -> None:
    """Copy the rules of ``body``'s field annotations into its schema's properties."""
    hints = get_type_hints(body, include_extras=True)
    for name in body.__struct_fields__:
        rules = _rules_of(hints[name])
        prop = (schema.properties or {}).get(name)
        if not isinstance(prop, Schema) or not any(rules):
            continue
        # One rule per alternative of the annotation, in the schema's order.
        for found, alternative in zip(rules, alternatives(prop), strict=True):
            if found is not None:
                found.apply(alternative)


class StrictBodySchemas(StructSchemaPlugin):
    """OpenAPI for request bodies that says what the server enforces: every :class:`Body`
    refuses unknown fields, so its schema carries ``additionalProperties: false`` and a client
    generated from the document cannot send a field the server would refuse; each field states
    the core's limits for it (:mod:`restman_api.body_rules`), so data valid by the document is
    data the server accepts."""

    def __init__(self, context: DocumentContext) -> None:
        self._context = context

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return super().is_plugin_supported_field(field_definition) and issubclass(
            field_definition.type_, Body
        )

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        schema.additional_properties = False
        body: type[Body] = field_definition.type_
        apply_rules(body, schema)
        body.document(schema, self._context)
        return schema
