"""Wiring the HTTP API needs beyond :class:`restman_core.bootstrap.Platform`: the kitchen ticket
feed. Kept beside ``bootstrap`` because front ends never import an adapter; ``bootstrap`` may
absorb it as ``Platform.ticket_feed``."""

from __future__ import annotations

from restman_core.adapters.sql.ticket_feed import open_ticket_feed
from restman_core.bootstrap import Platform
from restman_core.services.ticket_feed import TicketFeedService


def build_ticket_feed(platform: Platform) -> TicketFeedService:
    """The feed service over the platform's database; the caller closes it on shutdown."""
    return TicketFeedService(platform.db, open_ticket_feed(platform.db))
