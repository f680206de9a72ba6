"""Kafka security (TLS, SASL login): the librdkafka settings each mode renders, the Settings
that refuse incomplete combinations, and a live broker that plaintext still reaches while a
SASL client is refused (as :class:`Unavailable`, not a hang)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from restman_core.adapters.kafka import (
    KafkaEventPublisher,
    KafkaSecurity,
    ensure_topics,
    topic_partitions,
)
from restman_core.adapters.kafka.config import (
    PLAINTEXT,
    client_config,
    consumer_config,
    producer_config,
)
from restman_core.bootstrap import bootstrap as build_platform
from restman_core.bootstrap_events import PipelineOptions, _Pipeline
from restman_core.config import Settings
from restman_core.errors import ConfigurationError, Unavailable
from restman_core.maintenance import kafka_topics
from tests.kafka.helpers import order_event, read_topic

PASSWORD = "s3cr3t-" + uuid.uuid4().hex
SECURITY_KEYS = ("security.protocol", "sasl.mechanisms", "sasl.username", "sasl.password")

# A guard against a hang only: the clients give up after their own few seconds.
HANG_GUARD_SECONDS = 60.0


def settings(**values: Any) -> Settings:
    """Settings from exactly ``values`` (no .env file)."""
    return Settings(_env_file=None, **values)


def sasl(protocol: str = "SASL_SSL", mechanism: str = "SCRAM-SHA-512") -> KafkaSecurity:
    return KafkaSecurity(
        protocol=protocol,
        sasl_mechanism=mechanism,
        sasl_username="restman",
        sasl_password=PASSWORD,
    )


# ---- rendered librdkafka settings ----------------------------------------------------------


def test_plaintext_is_the_default_and_adds_only_the_protocol() -> None:
    config = client_config("broker:9092", "restman")
    assert config["security.protocol"] == "PLAINTEXT"
    assert not any(key.startswith(("sasl.", "ssl.")) for key in config)
    assert KafkaSecurity() == PLAINTEXT


def test_ssl_checks_the_brokers_against_the_given_ca() -> None:
    config = KafkaSecurity(protocol="SSL", ssl_ca_location="/etc/ca.pem").librdkafka_config()
    assert config == {"security.protocol": "SSL", "ssl.ca.location": "/etc/ca.pem"}
    assert KafkaSecurity(protocol="SSL").librdkafka_config() == {"security.protocol": "SSL"}


@pytest.mark.parametrize("protocol", ["SASL_PLAINTEXT", "SASL_SSL"])
@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_sasl_modes_render_the_login(protocol: str, mechanism: str) -> None:
    assert sasl(protocol, mechanism).librdkafka_config() == {
        "security.protocol": protocol,
        "sasl.mechanisms": mechanism,
        "sasl.username": "restman",
        "sasl.password": PASSWORD,
    }


def test_every_client_kind_carries_the_security() -> None:
    security = sasl()
    configs = [
        client_config("b:9092", "restman", security=security),
        producer_config("b:9092", "restman", delivery_timeout_seconds=5, security=security),
        consumer_config("b:9092", "restman", "group", security=security),
    ]
    for config in configs:
        assert {key: config[key] for key in SECURITY_KEYS} == {
            "security.protocol": "SASL_SSL",
            "sasl.mechanisms": "SCRAM-SHA-512",
            "sasl.username": "restman",
            "sasl.password": PASSWORD,
        }


def test_the_password_stays_out_of_repr() -> None:
    security = sasl()
    assert PASSWORD not in repr(security)
    assert PASSWORD not in str(security)
    assert "restman" in repr(security)


@pytest.mark.parametrize(
    "values",
    [
        {"protocol": "TLS"},
        {"protocol": "SASL_SSL"},
        {
            "protocol": "SASL_SSL",
            "sasl_mechanism": "GSSAPI",
            "sasl_username": "u",
            "sasl_password": "p",
        },
        {"protocol": "SASL_SSL", "sasl_mechanism": "PLAIN", "sasl_username": "u"},
        {"protocol": "PLAINTEXT", "sasl_username": "u"},
        {
            "protocol": "SASL_PLAINTEXT",
            "ssl_ca_location": "/ca.pem",
            "sasl_mechanism": "PLAIN",
            "sasl_username": "u",
            "sasl_password": "p",
        },
    ],
)
def test_incomplete_security_is_a_configuration_error(values: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        KafkaSecurity(**values)


# ---- Settings ------------------------------------------------------------------------------


def test_settings_default_to_plaintext() -> None:
    assert KafkaSecurity.from_settings(settings()) == PLAINTEXT


def test_settings_turn_into_the_security(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    configured = settings(
        kafka_security_protocol="sasl_ssl",
        kafka_sasl_mechanism="scram-sha-256",
        kafka_sasl_username="restman",
        kafka_sasl_password=PASSWORD,
        kafka_ssl_ca_location=str(ca),
    )
    assert PASSWORD not in repr(configured)
    assert KafkaSecurity.from_settings(configured) == KafkaSecurity(
        protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-256",
        sasl_username="restman",
        sasl_password=PASSWORD,
        ssl_ca_location=str(ca),
    )


def test_settings_are_read_from_the_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESTMAN_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("RESTMAN_KAFKA_SASL_MECHANISM", "PLAIN")
    monkeypatch.setenv("RESTMAN_KAFKA_SASL_USERNAME", "key")
    monkeypatch.setenv("RESTMAN_KAFKA_SASL_PASSWORD", PASSWORD)
    security = KafkaSecurity.from_settings(settings())
    assert security == KafkaSecurity("SASL_PLAINTEXT", "PLAIN", "key", PASSWORD)


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"kafka_security_protocol": "SASL_SSL"}, "RESTMAN_KAFKA_SASL_MECHANISM"),
        (
            {
                "kafka_security_protocol": "SASL_SSL",
                "kafka_sasl_mechanism": "PLAIN",
                "kafka_sasl_username": "key",
            },
            "RESTMAN_KAFKA_SASL_PASSWORD",
        ),
        (
            {"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_password": PASSWORD},
            "RESTMAN_KAFKA_SASL_USERNAME",
        ),
        ({"kafka_sasl_username": "key"}, "RESTMAN_KAFKA_SASL_USERNAME"),
        (
            {"kafka_security_protocol": "SSL", "kafka_sasl_mechanism": "PLAIN"},
            "RESTMAN_KAFKA_SASL_MECHANISM",
        ),
        ({"kafka_ssl_ca_location": "/ca.pem"}, "RESTMAN_KAFKA_SSL_CA_LOCATION"),
        ({"kafka_security_protocol": "TLS"}, "kafka_security_protocol"),
        ({"kafka_sasl_mechanism": "GSSAPI"}, "kafka_sasl_mechanism"),
    ],
)
def test_settings_refuse_bad_combinations(values: dict[str, Any], named: str) -> None:
    with pytest.raises(ValidationError) as caught:
        settings(**values)
    message = str(caught.value)
    assert named in message
    assert PASSWORD not in message


# ---- wiring ----------------------------------------------------------------------------------


async def test_the_pipeline_gives_every_client_the_security_and_the_relay_a_short_timeout(
    tmp_path: Path,
) -> None:
    platform = await build_platform(
        settings(
            data_dir=tmp_path,
            kafka_brokers="broker.invalid:9092",
            clickhouse_url=f"chdb://{tmp_path}/analytics",
            kafka_security_protocol="SASL_SSL",
            kafka_sasl_mechanism="PLAIN",
            kafka_sasl_username="key",
            kafka_sasl_password=PASSWORD,
        )
    )
    try:
        # Nothing below connects: clients are made on first use.
        pipeline = _Pipeline(platform, PipelineOptions(relay_lease_seconds=8.0))
        relay_config = pipeline.relay()._publisher._producer._config  # type: ignore[attr-defined]
        configs = [relay_config]
        for kind in ("kitchen", "analytics"):
            consumer = pipeline.consumer(kind).consumer  # type: ignore[attr-defined]
            configs += [consumer._config, consumer._dead_letters._producer._config]
        for config in configs:
            assert config["security.protocol"] == "SASL_SSL"
            assert config["sasl.password"] == PASSWORD
        # A publish must give up well inside the relay's lease (half of it at most).
        assert relay_config["message.timeout.ms"] <= 4000
    finally:
        await platform.close()


# ---- a live broker -------------------------------------------------------------------------


async def test_a_plaintext_configured_client_still_works(bootstrap: str, prefix: str) -> None:
    security = KafkaSecurity.from_settings(settings(kafka_brokers=bootstrap))
    topic = prefix + "secured.events"
    created = await ensure_topics(bootstrap, [topic], partitions=1, dlq=False, security=security)
    assert created == [topic]
    assert topic in await topic_partitions(bootstrap, security=security)
    publisher = KafkaEventPublisher(bootstrap, topic_prefix=prefix, security=security)
    event = order_event(uuid.uuid4(), 1)
    try:
        await publisher.publish([event])
    finally:
        await publisher.close()
    [message] = await asyncio.to_thread(read_topic, bootstrap, prefix + event.topic, 1)
    assert message.value() == event.to_bytes()


async def test_a_sasl_client_against_a_plaintext_broker_is_unavailable(
    bootstrap: str, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    security = sasl("SASL_PLAINTEXT", "PLAIN")
    publisher = KafkaEventPublisher(
        bootstrap, topic_prefix=prefix, security=security, delivery_timeout_seconds=2.0
    )
    try:
        async with asyncio.timeout(HANG_GUARD_SECONDS):
            with pytest.raises(Unavailable):
                await topic_partitions(bootstrap, security=security, timeout_seconds=3.0)
            with pytest.raises(Unavailable):
                await publisher.publish([order_event(uuid.uuid4(), 1)])
    finally:
        await publisher.close()
    assert PASSWORD not in caplog.text


async def test_the_doctor_check_logs_in_as_the_settings_say(bootstrap: str) -> None:
    plain = settings(kafka_brokers=bootstrap)
    assert isinstance(await kafka_topics(bootstrap, settings=plain), dict)
    secured = settings(
        kafka_brokers=bootstrap,
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="SCRAM-SHA-256",
        kafka_sasl_username="restman",
        kafka_sasl_password=PASSWORD,
    )
    async with asyncio.timeout(HANG_GUARD_SECONDS):
        with pytest.raises(Unavailable):
            await kafka_topics(bootstrap, settings=secured, timeout_seconds=3.0)


async def test_an_unreadable_ca_file_is_a_configuration_error(tmp_path: Path) -> None:
    security = KafkaSecurity(protocol="SSL", ssl_ca_location=str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigurationError):
        await topic_partitions("127.0.0.1:9", security=security, timeout_seconds=1.0)
