"""Use cases of the live kitchen feed: who may follow which restaurants, and the changes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from restman_core.domain.access import Actor
from restman_core.ports.storage import Database, Transaction
from restman_core.ports.ticket_feed import EventLogStatus, TicketChange, TicketFeed
from restman_core.services.access import operated_restaurants, scoped

FeedScope = frozenset[uuid.UUID] | None
"""Restaurants a follower sees: ``None`` means every restaurant (admins)."""


def in_scope(change: TicketChange, scope: FeedScope) -> bool:
    """Whether a follower with ``scope`` may see ``change``."""
    return scope is None or change.restaurant_id in scope


class TicketFeedService:
    """Ticket changes for kitchen displays, scoped to the restaurants the actor operates."""

    def __init__(self, db: Database, feed: TicketFeed) -> None:
        self._db = db
        self._feed = feed

    async def scope(self, actor: Actor, restaurant_id: uuid.UUID | None = None) -> FeedScope:
        """The restaurants the actor may follow, narrowed to ``restaurant_id`` when given (a
        restaurant that is not theirs gives an empty scope: nothing is revealed). Customers
        are Forbidden."""

        async def work(tx: Transaction) -> FeedScope:
            return scoped(await operated_restaurants(tx, actor), restaurant_id)

        return await self._db.run(work)

    async def last_seq(self) -> int:
        return await self._feed.last_seq()

    async def changes_after(self, seq: int, *, limit: int = 500) -> Sequence[TicketChange]:
        """Every follower's changes after ``seq``; filter them with :func:`in_scope`."""
        return await self._feed.changes_after(max(0, seq), limit=limit)

    async def status(self) -> EventLogStatus:
        return await self._feed.status()

    async def wait(self, seconds: float) -> None:
        """Between two reads: up to ``seconds``, less when new changes may be there."""
        await self._feed.wait(seconds)

    async def close(self) -> None:
        await self._feed.close()
