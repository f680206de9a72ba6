"""Identifiers: application-generated UUIDs, rendered lowercase and hyphenated."""

from __future__ import annotations

import uuid

from restman_core.errors import InvalidInput, NotFound


def new_id() -> uuid.UUID:
    """A new random (version 4) id."""
    return uuid.uuid4()


def parse_id(value: object, *, what: str = "id", missing_is_not_found: bool = False) -> uuid.UUID:
    """Parse an id in any form ``uuid.UUID`` accepts (hyphenated, 32 hex, braced, urn).

    A malformed id raises :class:`InvalidInput`, or :class:`NotFound` when the id came from a path
    and ``missing_is_not_found`` is set (a malformed id cannot name an existing object).
    """
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, AttributeError, TypeError) as exc:
        if missing_is_not_found:
            raise NotFound(f"{what} not found") from exc
        raise InvalidInput(f"{what} is not a valid id", details={"field": what}) from exc
