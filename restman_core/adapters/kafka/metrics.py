"""What a consumer counts, and how it reports each count to an optional observer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

logger = logging.getLogger(__name__)

MetricName = Literal["processed", "failed_attempt", "dead_lettered", "dropped", "lag"]


@dataclass(frozen=True, slots=True)
class ConsumerMetric:
    """One observation: counters carry ``value=1`` per occurrence; ``lag`` carries the number
    of messages behind the partition's last known end (a gauge)."""

    name: MetricName
    group: str
    topic: str
    partition: int
    value: int = 1


MetricObserver = Callable[[ConsumerMetric], None]


@dataclass(slots=True)
class ConsumerStats:
    """Running totals of one consumer (read them any time; only the consumer writes them).

    ``processed``: messages whose handler succeeded. ``failed_attempts``: handler attempts
    that raised. ``dead_lettered``: messages sent to ``<topic>.dlq``. ``dropped``: messages
    given up on with the dead-letter topic switched off. ``lag``: per (topic, partition), the
    messages behind the end of the partition as last reported by fetches.
    """

    processed: int = 0
    failed_attempts: int = 0
    dead_lettered: int = 0
    dropped: int = 0
    lag: dict[tuple[str, int], int] = field(default_factory=dict)


class StatsRecorder:
    """Updates :class:`ConsumerStats` and tells the observer, which must never break
    consumption (its errors are logged and swallowed)."""

    def __init__(self, group: str, observer: MetricObserver | None) -> None:
        self.stats = ConsumerStats()
        self._group = group
        self._observer = observer

    def count(self, name: MetricName, topic: str, partition: int) -> None:
        """Add one occurrence of counter ``name``."""
        if name == "processed":
            self.stats.processed += 1
        elif name == "failed_attempt":
            self.stats.failed_attempts += 1
        elif name == "dead_lettered":
            self.stats.dead_lettered += 1
        elif name == "dropped":
            self.stats.dropped += 1
        self._notify(ConsumerMetric(name, self._group, topic, partition))

    def lag(self, topic: str, partition: int, behind: int) -> None:
        """Record the lag gauge of one partition."""
        self.stats.lag[(topic, partition)] = behind
        self._notify(ConsumerMetric("lag", self._group, topic, partition, behind))

    def _notify(self, metric: ConsumerMetric) -> None:
        if self._observer is None:
            return
        try:
            self._observer(metric)
        except Exception:
            logger.exception("Consumer metric observer failed on %s", metric.name)
