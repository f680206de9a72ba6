"""Client configuration for the Kafka adapters, built from plain values.

``bootstrap`` hands the values over (from ``Settings.kafka_*``); nothing here reads the
environment. Every client logs through the ``restman.kafka.client`` logger instead of
librdkafka's stderr output, and every client gets the same :class:`KafkaSecurity` (TLS and
SASL login for managed Kafka; plaintext unless told otherwise).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Protocol

from restman_core.errors import ConfigurationError

DEFAULT_PORT = 9092
DEFAULT_CLIENT_ID = "restman"

# Consumers store an offset only after its message took effect; letting a caller switch
# either of these would break at-least-once delivery, so they are not overridable.
_PINNED_CONSUMER_KEYS = ("enable.auto.commit", "enable.auto.offset.store")
FETCH_WAIT_MAX_MS = 100
"""How long a consumer's fetch waits for new messages (see :func:`consumer_config`)."""

_CLIENT_LOG = "restman.kafka.client"


SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


class SecretLike(Protocol):
    """A secret that reveals its value only when asked (pydantic's ``SecretStr``)."""

    def get_secret_value(self) -> str: ...


class KafkaSecuritySettingsLike(Protocol):
    """The security fields of :class:`restman_core.config.Settings`."""

    @property
    def kafka_security_protocol(self) -> str: ...
    @property
    def kafka_sasl_mechanism(self) -> str | None: ...
    @property
    def kafka_sasl_username(self) -> str | None: ...
    @property
    def kafka_sasl_password(self) -> SecretLike | None: ...
    @property
    def kafka_ssl_ca_location(self) -> str | PathLike[str] | None: ...


@dataclass(frozen=True, slots=True)
class KafkaSecurity:
    """How clients authenticate to and encrypt traffic with the brokers.

    ``protocol`` is librdkafka's ``security.protocol``. The SASL protocols need a mechanism,
    user name and password; the others take none. ``ssl_ca_location`` (a PEM file) replaces
    the system's trusted CAs and only applies to the TLS protocols. Invalid combinations raise
    :class:`ConfigurationError`. The password is left out of ``repr`` so the value can be
    logged; :meth:`librdkafka_config` does contain it and must never be logged.
    """

    protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)
    ssl_ca_location: str | None = None

    def __post_init__(self) -> None:
        if self.protocol not in SECURITY_PROTOCOLS:
            raise ConfigurationError(
                f"Kafka security protocol {self.protocol!r} is not one of "
                f"{', '.join(SECURITY_PROTOCOLS)}."
            )
        login = (self.sasl_mechanism, self.sasl_username, self.sasl_password)
        if self.uses_sasl:
            if self.sasl_mechanism not in SASL_MECHANISMS:
                raise ConfigurationError(
                    f"SASL mechanism {self.sasl_mechanism!r} is not one of "
                    f"{', '.join(SASL_MECHANISMS)}."
                )
            if not self.sasl_username or not self.sasl_password:
                raise ConfigurationError(f"{self.protocol} needs a SASL user name and password.")
        elif any(value is not None for value in login):
            raise ConfigurationError(f"{self.protocol} takes no SASL mechanism or credentials.")
        if self.ssl_ca_location is not None and not self.uses_tls:
            raise ConfigurationError(f"{self.protocol} does not use TLS; drop the CA location.")

    @property
    def uses_sasl(self) -> bool:
        """Whether clients log in (SASL_PLAINTEXT, SASL_SSL)."""
        return self.protocol.startswith("SASL_")

    @property
    def uses_tls(self) -> bool:
        """Whether connections are encrypted (SSL, SASL_SSL)."""
        return self.protocol.endswith("SSL")

    @classmethod
    def from_settings(cls, settings: KafkaSecuritySettingsLike) -> KafkaSecurity:
        """The security configured in settings (``RESTMAN_KAFKA_SECURITY_PROTOCOL`` etc.)."""
        password = settings.kafka_sasl_password
        ca_location = settings.kafka_ssl_ca_location
        return cls(
            protocol=settings.kafka_security_protocol,
            sasl_mechanism=settings.kafka_sasl_mechanism,
            sasl_username=settings.kafka_sasl_username,
            sasl_password=password.get_secret_value() if password is not None else None,
            ssl_ca_location=str(ca_location) if ca_location is not None else None,
        )

    def librdkafka_config(self) -> dict[str, Any]:
        """The librdkafka keys for this security (contains the password: never log it)."""
        config: dict[str, Any] = {"security.protocol": self.protocol}
        if self.uses_sasl:
            config["sasl.mechanisms"] = self.sasl_mechanism
            config["sasl.username"] = self.sasl_username
            config["sasl.password"] = self.sasl_password
        if self.ssl_ca_location is not None:
            config["ssl.ca.location"] = self.ssl_ca_location
        return config


PLAINTEXT = KafkaSecurity()


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
    bootstrap: str,
    client_id: str,
    overrides: Mapping[str, Any] | None = None,
    *,
    security: KafkaSecurity = PLAINTEXT,
) -> dict[str, Any]:
    """Settings shared by every client, ``security`` included; ``overrides`` win."""
    config: dict[str, Any] = {
        "bootstrap.servers": parse_bootstrap(bootstrap),
        "client.id": client_id,
        "logger": logging.getLogger(_CLIENT_LOG),
        # Brokers close idle connections routinely; that is not worth an error line.
        "log.connection.close": False,
        # librdkafka backs off reconnecting up to 10 s by default; a broker that is back should
        # be used within a second or two, and a failed connect attempt costs nothing.
        "reconnect.backoff.max.ms": 1000,
    }
    config.update(security.librdkafka_config())
    config.update(overrides or {})
    return config


def producer_config(
    bootstrap: str,
    client_id: str,
    *,
    delivery_timeout_seconds: float,
    linger_ms: int = 5,
    overrides: Mapping[str, Any] | None = None,
    security: KafkaSecurity = PLAINTEXT,
) -> dict[str, Any]:
    """An idempotent, acks=all producer whose every message is reported within the timeout.

    Idempotence keeps per-partition order across internal retries; murmur2 partitioning puts
    a key on the same partition as Java clients would.
    """
    if delivery_timeout_seconds <= 0:
        raise ConfigurationError("The delivery timeout must be positive.")
    config = client_config(bootstrap, client_id, security=security)
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
    bootstrap: str,
    client_id: str,
    group_id: str,
    overrides: Mapping[str, Any] | None = None,
    *,
    security: KafkaSecurity = PLAINTEXT,
) -> dict[str, Any]:
    """A classic-protocol group member that commits only offsets stored after success.

    A new group starts at the earliest retained event so nothing published before its first
    start is missed (handlers are idempotent, so replays are harmless). A fetch waits at most
    100 ms for new messages (librdkafka's default is 500 ms): a broker that answers a waiting
    fetch only when its wait is over (tansu does) would otherwise hold every order's placement
    about 100 ms on its way to the kitchen; the cost is ten empty fetches a second per idle
    consumer.
    """
    pinned = sorted(set(overrides or {}) & set(_PINNED_CONSUMER_KEYS))
    if pinned:
        raise ConfigurationError(f"Consumer settings {pinned} cannot be overridden.")
    if not group_id:
        raise ConfigurationError("A consumer needs a group id.")
    config = client_config(bootstrap, client_id, security=security)
    config.update(
        {
            "group.id": group_id,
            "enable.auto.commit": True,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": FETCH_WAIT_MAX_MS,
        }
    )
    config.update(overrides or {})
    return config
