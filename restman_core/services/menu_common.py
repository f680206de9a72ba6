"""Pieces every menu use case shares: the cache key, menu events, cache invalidation, and the
PUT/PATCH field rule."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from restman_core.domain.events import DomainEvent
from restman_core.errors import RestmanError
from restman_core.ports.cache import Cache

log = logging.getLogger(__name__)
Fields = Mapping[str, Any]


def menu_cache_key(restaurant_id: uuid.UUID) -> str:
    return f"menu:{restaurant_id}"


def menu_event(
    kind: str, restaurant_id: uuid.UUID, payload: Mapping[str, Any], at: datetime
) -> DomainEvent:
    """A ``menu.*`` or ``restaurant.*`` event, keyed by the restaurant."""
    return DomainEvent(
        event_type=kind,
        key=restaurant_id,
        occurred_at=at,
        payload={"restaurant_id": str(restaurant_id), **payload},
    )


async def invalidate_menu(cache: Cache | None, restaurant_id: uuid.UUID) -> None:
    """Drop the cached menu after a committed change. A cache outage only delays freshness by
    at most the TTL, so it is logged, not raised."""
    if cache is None:
        return
    try:
        await cache.delete(menu_cache_key(restaurant_id))
    except RestmanError:
        log.warning("could not invalidate the menu cache of %s", restaurant_id)


def pick(fields: Fields, name: str, current: Any, *, replace_all: bool, default: Any = None) -> Any:
    """The new value of one field: given → given; omitted → kept (PATCH) or default (PUT)."""
    if name in fields:
        return fields[name]
    return default if replace_all else current
