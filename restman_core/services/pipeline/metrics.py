"""Pipeline metrics for Prometheus, read from the workers' own counters at scrape time.

Every worker keeps plain counters in its ``stats`` (consumers: processed, failed attempts, dead
letters, lag; the relay: published, backlog, failures; housekeeping: rows removed). The
collector turns whatever the running workers report into metric families, so nothing is
counted twice and a restarted worker simply reports again from zero (Prometheus counters
tolerate resets).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector, CollectorRegistry

from restman_core.services.pipeline.runner import Workers

# (stats attribute, metric name, help, is_counter)
_FIELDS = (
    ("processed", "restman_pipeline_processed", "Events handled successfully.", True),
    ("failed_attempts", "restman_pipeline_failed_attempts", "Handler attempts that failed.", True),
    ("dead_lettered", "restman_pipeline_dead_lettered", "Events given up on (DLQ).", True),
    ("published", "restman_pipeline_published", "Outbox rows the relay published.", True),
    ("failures", "restman_pipeline_failures", "Relay or housekeeping rounds that failed.", True),
    ("removed", "restman_pipeline_pruned_rows", "Rows pruned by housekeeping.", True),
    ("backlog", "restman_pipeline_backlog", "Outbox rows not yet published.", False),
    (
        "oldest_unpublished_seconds",
        "restman_pipeline_oldest_unpublished_seconds",
        "Age of the oldest outbox row not yet published (how far behind the relay is).",
        False,
    ),
    (
        "producer_rebuilds",
        "restman_pipeline_producer_rebuilds",
        "Broker clients the relay rebuilt after a failed delivery.",
        True,
    ),
    ("repaired", "restman_pipeline_repaired", "Missing effects the reconciler re-applied.", True),
    ("lag", "restman_pipeline_lag", "Events after the consumer's position.", False),
)


def stat_value(stats: Any, name: str) -> int | None:
    """A counter of a worker's stats; ``lag`` per partition (Kafka) is summed."""
    value = getattr(stats, name, None)
    if isinstance(value, dict):
        return sum(int(v) for v in value.values())
    if isinstance(value, int):
        return value
    return None


class PipelineCollector(Collector):
    """Reports the counters of ``workers`` (see the module docstring)."""

    def __init__(self, workers: Workers) -> None:
        self._workers = workers

    def collect(self) -> Iterator[Metric]:
        snapshot = self._workers.stats()
        for attribute, name, help_text, counter in _FIELDS:
            family: CounterMetricFamily | GaugeMetricFamily = (
                CounterMetricFamily(name, help_text, labels=["worker"])
                if counter
                else GaugeMetricFamily(name, help_text, labels=["worker"])
            )
            for worker, stats in sorted(snapshot.items()):
                value = stat_value(stats, attribute)
                if value is not None:
                    family.add_metric([worker], value)
            yield family
        crashes = CounterMetricFamily(
            "restman_pipeline_worker_crashes", "Worker restarts after a crash.", labels=["worker"]
        )
        for worker, count in sorted(self._workers.crashes.items()):
            crashes.add_metric([worker], count)
        yield crashes


def register_pipeline_metrics(
    workers: Workers, registry: CollectorRegistry = REGISTRY
) -> PipelineCollector:
    """Expose ``workers``' counters on ``registry`` (unregister the result when done)."""
    collector = PipelineCollector(workers)
    registry.register(collector)
    return collector
