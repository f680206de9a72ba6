"""The pipeline's worker kinds and tuning, and how a worker names itself to Kafka.

Part of the bootstrap layer (it reads :class:`Settings`); :mod:`restman_core.bootstrap_events`
builds the workers from these and re-exports every name here.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from restman_core.config import Settings
from restman_core.errors import ConfigurationError
from restman_core.services.pipeline import (
    ANALYTICS,
    BILLING,
    KITCHEN,
    NOTIFICATIONS,
    ORDERS,
    group_id,
)

RELAY = "relay"
SCHEDULER = "scheduler"
RECONCILER = "reconciler"
WORKER_KINDS = (RELAY, KITCHEN, BILLING, ORDERS, NOTIFICATIONS, ANALYTICS, SCHEDULER, RECONCILER)
CONSUMER_KINDS = (KITCHEN, BILLING, ORDERS, NOTIFICATIONS, ANALYTICS)


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """Tuning that is not in Settings (tests shorten the timings)."""

    # Long enough for one publish (half the lease, plus the producer's 5 s report margin) to
    # fail before a standby may take over; short enough that a crashed relay is replaced fast.
    # A restarted relay does not wait for it: its holder name is stable (see worker_identity).
    relay_lease_seconds: float = 12.0
    relay_batch_size: int = 200
    poll_interval_seconds: float = 0.1
    # In-process consumers are woken by the relay; polling only covers other processes' relays.
    consumer_idle_seconds: float = 1.0
    consumer_batch_size: int = 200
    max_attempts: int | None = None  # None: Settings.kafka_consumer_max_attempts
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = 30.0
    analytics_batch_size: int = 500
    analytics_max_delay_seconds: float = 1.0
    housekeeping_interval_seconds: float = 300.0
    stop_grace_seconds: float = 5.0
    consumer_overrides: Mapping[str, Any] = field(default_factory=dict)
    topic_prefix: str = ""
    reconcile_interval_seconds: float | None = None  # None: Settings.reconcile_interval_seconds
    reconcile_grace_seconds: float | None = None  # None: Settings.reconcile_grace_seconds
    reconcile_batch_size: int = 500


def worker_identity(settings: Settings) -> str:
    """This worker process's stable name: ``RESTMAN_WORKER_ID``, or the host name. A restarted
    process has the same one, which lets it take back its relay lease and (static membership)
    its partitions at once, instead of waiting for the dead process's lease and sessions."""
    return (settings.worker_id or socket.gethostname())[:60]


def group_settings(settings: Settings, kind: str) -> dict[str, Any]:
    """librdkafka settings for consumer ``kind``'s group membership: the session timeout and
    heartbeat, and (static membership) ``group.instance.id`` = ``<group>@<worker id>``."""
    session_ms = settings.kafka_session_timeout_ms
    config: dict[str, Any] = {
        "session.timeout.ms": session_ms,
        "heartbeat.interval.ms": max(500, session_ms // 10),
    }
    if settings.kafka_static_membership:
        config["group.instance.id"] = f"{group_id(kind)}@{worker_identity(settings)}"
    return config


def expand_kinds(kinds: Iterable[str]) -> list[str]:
    """Worker kinds in canonical order; ``all`` means every kind. Raises ConfigurationError
    for an unknown kind."""
    wanted = {kind.strip().lower() for kind in kinds}
    if "all" in wanted:
        return list(WORKER_KINDS)
    unknown = sorted(wanted - set(WORKER_KINDS))
    if unknown or not wanted:
        raise ConfigurationError(
            f"Unknown worker kind(s) {', '.join(unknown) or '(none)'}; choose from "
            f"{', '.join(WORKER_KINDS)} or all."
        )
    return [kind for kind in WORKER_KINDS if kind in wanted]
