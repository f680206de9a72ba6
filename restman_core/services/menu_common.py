"""Pieces every menu use case shares: the cache key, menu events with the menu version bump,
cache invalidation, and the PUT/PATCH field rule."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from restman_core.domain.events import DomainEvent
from restman_core.errors import RestmanError
from restman_core.ports.cache import Cache
from restman_core.ports.storage import Transaction

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


async def record_menu_change(tx: Transaction, events: Sequence[DomainEvent]) -> None:
    """Write menu events to the outbox and bump the menu version of every restaurant they are
    keyed by, in the caller's transaction: the version is how menu caches in other processes
    learn of the change, so it commits exactly when the change does."""
    await tx.outbox.add(events)
    for restaurant_id in sorted({event.key for event in events}):
        await tx.restaurants.menu_changed(restaurant_id)


def restaurant_of_menu_key(key: str) -> uuid.UUID | None:
    """The restaurant whose menu ``key`` (from :func:`menu_cache_key`) caches, else None."""
    prefix, _, rest = key.partition(":")
    if prefix != "menu":
        return None
    try:
        return uuid.UUID(rest)
    except ValueError:
        return None


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
