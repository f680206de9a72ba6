"""Client configuration for the Kafka adapters, built from plain values.

``bootstrap`` hands the values over (from ``Settings.kafka_*``); nothing here reads the
environment. Every client logs through the ``restman.kafka.client`` logger instead of
librdkafka's stderr output.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from restman_core.errors import ConfigurationError

DEFAULT_PORT = 9092
DEFAULT_CLIENT_ID = "restman"

# Consumers store an offset only after its message took effect; letting a caller switch
# either of these would break at-least-once delivery, so they are not overridable.
_PINNED_CONSUMER_KEYS = ("enable.auto.commit", "enable.auto.offset.store")

_CLIENT_LOG = "restman.kafka.client"


class KafkaSettingsLike(Protocol):
    """The ``kafka_*`` fields of :class:`restman_core.config.Settings`."""

    @property
    def kafka_brokers(self) -> str | None: ...
    @property
    def kafka_topic_partitions(self) -> int: ...
    @property
    def kafka_replication_factor(self) -> int: ...
    @property
    def kafka_consumer_max_attempts(self) -> int: ...


@dataclass(frozen=True, slots=True)
class KafkaOptions:
    """Where the brokers are and how RestMan uses them."""

    bootstrap: str
    client_id: str = DEFAULT_CLIENT_ID
    topic_partitions: int = 3
    replication_factor: int = 1
    consumer_max_attempts: int = 5

    @classmethod
    def from_settings(
        cls, settings: KafkaSettingsLike, *, client_id: str = DEFAULT_CLIENT_ID
    ) -> KafkaOptions:
        """Options from settings; raises ConfigurationError when no brokers are configured."""
        if not settings.kafka_brokers:
            raise ConfigurationError("KAFKA_BROKERS is not set; there is no broker to use.")
        return cls(
            bootstrap=parse_bootstrap(settings.kafka_brokers),
            client_id=client_id,
            topic_partitions=settings.kafka_topic_partitions,
            replication_factor=settings.kafka_replication_factor,
            consumer_max_attempts=settings.kafka_consumer_max_attempts,
        )


def parse_bootstrap(value: str) -> str:
    """Normalise a comma-separated broker list to ``host:port,host:port``.

    Blank entries are dropped, a ``kafka://``, ``tcp://`` or ``plaintext://`` prefix is
    removed and a missing port becomes 9092. Raises :class:`ConfigurationError` when nothing
    remains or a port is not a number.
    """
    brokers = [_parse_broker(entry) for entry in value.split(",") if entry.strip()]
    if not brokers:
        raise ConfigurationError("KAFKA_BROKERS lists no broker.")
    return ",".join(brokers)


def _parse_broker(entry: str) -> str:
    entry = entry.strip()
    scheme, sep, rest = entry.partition("://")
    if sep:
        if scheme.lower() not in ("kafka", "tcp", "plaintext"):
            raise ConfigurationError(f"Unsupported broker address scheme {scheme!r}.")
        entry = rest.rstrip("/")
    host, sep, port = entry.rpartition(":")
    # A bracketed IPv6 address without a port ends with "]"; a bare host has no colon.
    if not sep or entry.endswith("]"):
        return f"{entry}:{DEFAULT_PORT}"
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigurationError(f"Broker address {entry!r} is not host:port.")
    return f"{host}:{port}"


def client_config(
    bootstrap: str, client_id: str, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Settings shared by every client; ``overrides`` win."""
    config: dict[str, Any] = {
        "bootstrap.servers": parse_bootstrap(bootstrap),
        "client.id": client_id,
        "logger": logging.getLogger(_CLIENT_LOG),
        # Brokers close idle connections routinely; that is not worth an error line.
        "log.connection.close": False,
    }
    config.update(overrides or {})
    return config


def producer_config(
    bootstrap: str,
    client_id: str,
    *,
    delivery_timeout_seconds: float,
    linger_ms: int = 5,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An idempotent, acks=all producer whose every message is reported within the timeout.

    Idempotence keeps per-partition order across internal retries; murmur2 partitioning puts
    a key on the same partition as Java clients would.
    """
    if delivery_timeout_seconds <= 0:
        raise ConfigurationError("The delivery timeout must be positive.")
    config = client_config(bootstrap, client_id)
    config.update(
        {
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": linger_ms,
            "partitioner": "murmur2_random",
            "message.timeout.ms": max(1, int(delivery_timeout_seconds * 1000)),
        }
    )
    config.update(overrides or {})
    return config


def consumer_config(
    bootstrap: str, client_id: str, group_id: str, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A classic-protocol group member that commits only offsets stored after success.

    A new group starts at the earliest retained event so nothing published before its first
    start is missed (handlers are idempotent, so replays are harmless).
    """
    pinned = sorted(set(overrides or {}) & set(_PINNED_CONSUMER_KEYS))
    if pinned:
        raise ConfigurationError(f"Consumer settings {pinned} cannot be overridden.")
    if not group_id:
        raise ConfigurationError("A consumer needs a group id.")
    config = client_config(bootstrap, client_id)
    config.update(
        {
            "group.id": group_id,
            "enable.auto.commit": True,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
        }
    )
    config.update(overrides or {})
    return config
