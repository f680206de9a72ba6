"""The contract's list parameters: ``limit`` (default 50, max 200) and a ``before`` cursor."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

from litestar.openapi.spec import OpenAPIFormat, Schema
from litestar.params import QueryParameter

from restman_core.domain.clock import ensure_utc
from restman_core.errors import InvalidInput
from restman_core.ports.storage import Page

UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
CURSOR_FORMATS = [
    # page_of reads a cursor as an RFC 3339 timestamp, else as an id: the document says so.
    Schema(format=OpenAPIFormat.DATE_TIME),
    Schema(format=OpenAPIFormat.UUID),
]
Limit = Annotated[
    int, QueryParameter(ge=1, le=200, description="Page size (default 50, at most 200)")
]
Before = Annotated[
    str | None,
    QueryParameter(
        description="Cursor: the created_at timestamp (RFC 3339) or the id of the last item of "
        "the previous page; the page holds older items only",
        max_length=64,
        schema_extra={"any_of": CURSOR_FORMATS},
    ),
]
CreatedAtOf = Callable[[uuid.UUID], Awaitable[datetime]]


def timestamp_cursor(text: str) -> datetime | None:
    """The UTC moment of an RFC 3339 cursor, or None when ``text`` is not a timestamp."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    try:
        return ensure_utc(moment)
    except OverflowError:
        # A valid local time whose UTC value leaves years 1..9999 (e.g. 0001-01-01T00:00+01:00).
        raise InvalidInput(
            "before is outside the supported range of timestamps", details={"field": "before"}
        ) from None


async def page_of(limit: int, before: str | None, created_at_of: CreatedAtOf | None) -> Page:
    """A :class:`Page` from the query: a timestamp cursor as is, an id cursor through
    ``created_at_of`` (which raises NotFound for an id the caller may not see)."""
    if before is None or not before.strip():
        return Page(limit=limit)
    text = before.strip()
    moment = timestamp_cursor(text)
    if moment is not None:
        return Page(limit=limit, before=moment)
    try:
        item_id = uuid.UUID(text)
    except ValueError:
        item_id = None
    if item_id is None or created_at_of is None:
        raise InvalidInput(
            "before must be a timestamp or the id of an item of this list",
            details={"field": "before"},
        )
    return Page(limit=limit, before=await created_at_of(item_id), before_id=item_id)
