"""Shared request-parsing helpers: msgspec bodies become the raw field mappings use cases take."""

from __future__ import annotations

from typing import Any

import msgspec


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
