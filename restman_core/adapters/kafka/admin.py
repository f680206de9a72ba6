"""Topic administration: make sure RestMan's topics exist, and check the broker answers.

The admin client blocks, so every call runs in a worker thread. Each function takes the
``security`` every client uses (plaintext by default).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from restman_core.adapters.kafka.config import (
    DEFAULT_CLIENT_ID,
    PLAINTEXT,
    KafkaSecurity,
    client_config,
)
from restman_core.adapters.kafka.headers import dlq_topic
from restman_core.errors import ConfigurationError, Unavailable

logger = logging.getLogger(__name__)

# Errors that mean the request itself is wrong, not that the broker is away.
_CONFIGURATION_ERRORS = frozenset(
    {
        KafkaError.INVALID_REPLICATION_FACTOR,
        KafkaError.INVALID_PARTITIONS,
        KafkaError.TOPIC_EXCEPTION,
        KafkaError.POLICY_VIOLATION,
        KafkaError.TOPIC_AUTHORIZATION_FAILED,
        KafkaError.CLUSTER_AUTHORIZATION_FAILED,
    }
)


async def ensure_topics(
    bootstrap: str,
    topics: Iterable[str],
    partitions: int = 3,
    replication: int = 1,
    *,
    dlq: bool = True,
    client_id: str = DEFAULT_CLIENT_ID,
    timeout_seconds: float = 15.0,
    security: KafkaSecurity = PLAINTEXT,
) -> list[str]:
    """Create each of ``topics`` (and, with ``dlq``, its ``<topic>.dlq``) that is missing.

    Returns the names this call created. A topic that already exists, or that another process
    creates at the same moment, counts as success; existing topics are never altered. Raises
    :class:`Unavailable` when the broker cannot be reached and :class:`ConfigurationError`
    when the broker refuses the request itself (for example too few brokers for
    ``replication``).
    """
    wanted = _with_dead_letters(topics, dlq=dlq)
    if partitions < 1 or replication < 1:
        raise ConfigurationError("Topics need at least one partition and one replica.")
    config = client_config(bootstrap, f"{client_id}-admin", security=security)
    return await asyncio.to_thread(
        _create_missing, config, wanted, partitions, replication, timeout_seconds
    )


async def topic_partitions(
    bootstrap: str,
    *,
    client_id: str = DEFAULT_CLIENT_ID,
    timeout_seconds: float = 10.0,
    security: KafkaSecurity = PLAINTEXT,
) -> dict[str, int]:
    """Every topic the broker knows, with its partition count; raises Unavailable (also when
    the broker refuses the login or TLS handshake: it cannot be used either way)."""
    config = client_config(bootstrap, f"{client_id}-admin", security=security)
    return await asyncio.to_thread(_topic_partitions, config, timeout_seconds)


async def broker_reachable(
    bootstrap: str,
    *,
    client_id: str = DEFAULT_CLIENT_ID,
    timeout_seconds: float = 5.0,
    security: KafkaSecurity = PLAINTEXT,
) -> bool:
    """Whether a broker answers a metadata request within the timeout (for health checks)."""
    try:
        await topic_partitions(
            bootstrap, client_id=client_id, timeout_seconds=timeout_seconds, security=security
        )
    except Unavailable:
        return False
    return True


def _with_dead_letters(topics: Iterable[str], *, dlq: bool) -> list[str]:
    wanted: list[str] = []
    for topic in topics:
        for name in (topic, dlq_topic(topic)) if dlq else (topic,):
            if name not in wanted:
                wanted.append(name)
    return wanted


def _topic_partitions(config: dict[str, Any], timeout_seconds: float) -> dict[str, int]:
    admin = _admin_client(config)
    try:
        metadata = admin.list_topics(timeout=timeout_seconds)
    except KafkaException as exc:
        logger.warning("Kafka metadata request failed: %s", exc)
        raise Unavailable("The event broker is not reachable.") from exc
    return {name: len(topic.partitions) for name, topic in metadata.topics.items()}


def _create_missing(
    config: dict[str, Any],
    wanted: list[str],
    partitions: int,
    replication: int,
    timeout_seconds: float,
) -> list[str]:
    existing = _topic_partitions(config, timeout_seconds)
    missing = [name for name in wanted if name not in existing]
    if not missing:
        return []
    admin = _admin_client(config)
    futures = admin.create_topics(
        [NewTopic(name, partitions, replication) for name in missing],
        operation_timeout=timeout_seconds,
        request_timeout=timeout_seconds,
    )
    created: list[str] = []
    for name, future in futures.items():
        try:
            future.result(timeout=timeout_seconds + 5)
        except KafkaException as exc:
            _raise_unless_exists(name, exc)
            continue
        except TimeoutError as exc:
            raise Unavailable(f"Creating topic {name} timed out.") from exc
        logger.info("Created Kafka topic %s (%d partitions)", name, partitions)
        created.append(name)
    return created


def _admin_client(config: dict[str, Any]) -> AdminClient:
    try:
        return AdminClient(config)
    except KafkaException as exc:
        # librdkafka checks settings (for example an unreadable CA file) when the client is
        # made; the message names the setting, never the password.
        logger.warning("Kafka admin client settings refused: %s", exc)
        raise ConfigurationError("The Kafka client settings are invalid.") from exc


def _raise_unless_exists(name: str, exc: KafkaException) -> None:
    error = exc.args[0] if exc.args and isinstance(exc.args[0], KafkaError) else None
    code = error.code() if error is not None else None
    if code == KafkaError.TOPIC_ALREADY_EXISTS:
        return
    logger.warning("Creating Kafka topic %s failed: %s", name, exc)
    if code in _CONFIGURATION_ERRORS:
        raise ConfigurationError(f"The broker refused to create topic {name}.") from exc
    raise Unavailable(f"Topic {name} could not be created.") from exc
