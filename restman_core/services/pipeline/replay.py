"""``restman events replay``: run one consumer's handler again over the log from a ``log_seq``.

Handlers record processed event ids in the same transaction as the effect, so an event already
applied is skipped and a missing one takes effect once: replaying is safe at any time, beside
the running consumers. The report counts the events read, those the handler applies, and those
that failed (logged; their dead letters, if any, stay). An outage (Unavailable) ends the run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from restman_core.errors import Unavailable
from restman_core.ports.event_history import EventHistory
from restman_core.ports.events import ReceivedEvent
from restman_core.services.pipeline.base import PipelineHandler

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ReplayReport:
    consumer: str
    from_seq: int
    read: int = 0
    handled: int = 0
    failed: int = 0
    through_seq: int = 0


async def replay_log(
    history: EventHistory, handler: PipelineHandler, from_seq: int, *, batch_size: int = 500
) -> ReplayReport:
    """Feed ``handler`` every event of its types from ``from_seq`` on, in log order."""
    report = ReplayReport(handler.name, from_seq, through_seq=from_seq)
    position = from_seq
    while True:
        batch = await history.published_from(position, handler.topics, batch_size)
        for logged in batch:
            report.through_seq = logged.position
            if not handler.applies_to(logged.event):
                continue
            report.read += 1
            received = ReceivedEvent(logged.event, logged.event.topic, 0, logged.position)
            try:
                await handler(received)
            except Unavailable:
                raise
            except Exception:
                report.failed += 1
                log.exception("replay: %s failed on %s", handler.name, logged.event.event_id)
                continue
            report.handled += 1
        await _flush(handler)  # a batching handler's facts are stored before the run moves on
        if len(batch) < batch_size:
            return report
        position = batch[-1].position + 1


async def _flush(handler: PipelineHandler) -> None:
    flush = getattr(handler, "flush", None)
    if flush is not None:
        await flush()
