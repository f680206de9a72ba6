"""One poller per process that fans kitchen ticket changes out to connected streams.

The poller reads the shared event log every ``poll_seconds`` (250 ms by default), so a change
committed by any process (another API instance, a worker) reaches every connected display within
a second, in any deployment, with one query per process rather than one per display; when the
relay runs in this process (embedded) it reads as soon as the relay numbered new events. Each
subscriber has a bounded queue; a subscriber that falls too far behind is cut off and its client
reconnects with ``Last-Event-ID``, losing nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from restman_core.errors import RestmanError
from restman_core.ports.ticket_feed import TicketChange
from restman_core.services.ticket_feed import FeedScope, TicketFeedService, in_scope

log = logging.getLogger(__name__)
QUEUE_LIMIT = 1000
BATCH = 500


@dataclass(eq=False)
class Subscriber:
    """A connected stream. ``start`` is the hub's cursor when it joined: every change after it
    arrives on ``queue``; ``None`` on the queue means the stream must end."""

    scope: FeedScope
    start: int
    queue: asyncio.Queue[TicketChange | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_LIMIT + 1)
    )

    def offer(self, change: TicketChange | None) -> bool:
        """Queue a change; False (and an end marker) when the subscriber is too far behind."""
        if change is not None and self.queue.qsize() >= QUEUE_LIMIT:
            self.queue.put_nowait(None)
            return False
        self.queue.put_nowait(change)
        return True


class TicketHub:
    def __init__(self, feed: TicketFeedService, *, poll_seconds: float = 0.25) -> None:
        self._feed = feed
        self._poll = poll_seconds
        self._subscribers: set[Subscriber] = set()
        self._cursor: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    async def subscribe(self, scope: FeedScope) -> Subscriber:
        """Join the fan-out, starting the poller on first use."""
        async with self._lock:
            if self._cursor is None or self._task is None or self._task.done():
                if self._cursor is None:
                    self._cursor = await self._feed.last_seq()
                self._task = asyncio.create_task(self._run(), name="kitchen-ticket-hub")
            subscriber = Subscriber(scope=scope, start=self._cursor)
            self._subscribers.add(subscriber)
            return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    async def close(self) -> None:
        """Stop polling and end every stream."""
        for subscriber in list(self._subscribers):
            subscriber.queue.put_nowait(None)
        self._subscribers.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                more = await self._poll_once()
            except RestmanError as exc:
                log.warning("kitchen stream poll failed: %s", exc.message)
                more = False
            if not more:
                await self._feed.wait(self._poll)

    async def _poll_once(self) -> bool:
        """Deliver one batch; True when a full batch suggests more are waiting."""
        assert self._cursor is not None
        changes = await self._feed.changes_after(self._cursor, limit=BATCH)
        for change in changes:
            for subscriber in list(self._subscribers):
                wanted = change.seq > subscriber.start and in_scope(change, subscriber.scope)
                if wanted and not subscriber.offer(change):
                    self._subscribers.discard(subscriber)
            self._cursor = change.seq
        return len(changes) == BATCH
