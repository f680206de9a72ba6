"""Shared request-parsing helpers: msgspec bodies become the raw field mappings use cases take."""

from __future__ import annotations

from typing import Any

import msgspec


class Body(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=False):
    """Base of every request body: unknown fields are a 400 naming them."""


def fields_of(body: msgspec.Struct) -> dict[str, Any]:
    """The fields the client actually sent (UNSET ones left out), as JSON builtins: ids and
    money become strings, so use cases parse them with their own rules."""
    built = msgspec.to_builtins(body)
    assert isinstance(built, dict)
    return built
