"""Wiring of the operators' tools: dead letters, log replay and the analytics rebuild.

A bootstrap module like :mod:`restman_core.bootstrap_events`: it picks the SQL adapters and
builds the consumers' own handlers, so the front ends (admin routes, ``restman events ...``,
``restman analytics rebuild``) only parse and render. Dead letters live in the SQL
``dead_letters`` table in both modes (see the README, "Dead letters and replay").
"""

from __future__ import annotations

from restman_core.adapters.sql.analytics_truth import SqlAnalyticsTruth
from restman_core.adapters.sql.dead_letter_store import SqlDeadLetterStore
from restman_core.adapters.sql.event_history import SqlEventHistory
from restman_core.bootstrap_events import (
    CONSUMER_KINDS,
    PipelineOptions,
    Platform,
    build_handler,
)
from restman_core.domain.access import Actor, Role
from restman_core.errors import InvalidInput
from restman_core.services.access import require_role
from restman_core.services.analytics_rebuild import RebuildReport, rebuild_analytics
from restman_core.services.dead_letters import DeadLetterService
from restman_core.services.pipeline.base import PipelineHandler
from restman_core.services.pipeline.replay import ReplayReport, replay_log


def _handler(platform: Platform, consumer: str) -> PipelineHandler:
    if consumer not in CONSUMER_KINDS:
        raise InvalidInput(
            f"unknown consumer {consumer!r}; choose from {', '.join(CONSUMER_KINDS)}",
            details={"field": "consumer"},
        )
    return build_handler(platform, consumer, PipelineOptions())


def dead_letter_service(platform: Platform) -> DeadLetterService:
    """The dead-letter use cases on this platform's database."""
    return DeadLetterService(
        SqlDeadLetterStore(platform.db), platform.clock, lambda kind: _handler(platform, kind)
    )


async def replay_events(
    platform: Platform, actor: Actor, consumer: str, from_seq: int
) -> ReplayReport:
    """Run ``consumer``'s handler over the log from ``from_seq`` (admins only; see
    :func:`restman_core.services.pipeline.replay.replay_log`)."""
    require_role(actor, Role.ADMIN)
    if from_seq < 0:
        raise InvalidInput("--from must be 0 or more", details={"field": "from"})
    return await replay_log(SqlEventHistory(platform.db), _handler(platform, consumer), from_seq)


async def rebuild_analytics_now(platform: Platform, actor: Actor) -> RebuildReport:
    """Truncate the analytics store and re-project every fact from SQL (admins only)."""
    return await rebuild_analytics(actor, SqlAnalyticsTruth(platform.db), platform.analytics)
