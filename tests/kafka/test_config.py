"""Kafka client configuration, retry timing and dead-letter headers (no broker needed)."""

from __future__ import annotations

import pytest

from restman_core.adapters.kafka.config import (
    KafkaOptions,
    consumer_config,
    parse_bootstrap,
    producer_config,
)
from restman_core.adapters.kafka.headers import (
    DLQ_ATTEMPTS,
    DLQ_ERROR,
    DLQ_ORIGINAL_TOPIC,
    MAX_ERROR_HEADER_CHARS,
    DeadLetterCause,
    dead_letter_headers,
)
from restman_core.adapters.kafka.retry import Backoff
from restman_core.config import Settings
from restman_core.errors import ConfigurationError


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("broker:9093", "broker:9093"),
        (" a:1 , ,b ", "a:1,b:9092"),
        ("kafka://k1:19092/,tcp://k2", "k1:19092,k2:9092"),
        ("[::1]:9092,[::1]", "[::1]:9092,[::1]:9092"),
    ],
)
def test_broker_lists_are_normalised(given: str, expected: str) -> None:
    assert parse_bootstrap(given) == expected


@pytest.mark.parametrize("given", ["", " , ", "host:port", "host:70000", "http://host:1", ":9092"])
def test_unusable_broker_lists_are_configuration_errors(given: str) -> None:
    with pytest.raises(ConfigurationError):
        parse_bootstrap(given)


def test_options_come_from_settings() -> None:
    settings = Settings(
        kafka_brokers="k1,k2:9093", kafka_topic_partitions=6, kafka_consumer_max_attempts=2
    )
    options = KafkaOptions.from_settings(settings, client_id="restman-worker")
    assert options == KafkaOptions(
        bootstrap="k1:9092,k2:9093",
        client_id="restman-worker",
        topic_partitions=6,
        replication_factor=1,
        consumer_max_attempts=2,
    )


def test_options_need_brokers() -> None:
    with pytest.raises(ConfigurationError):
        KafkaOptions.from_settings(Settings(kafka_brokers=None))


def test_producer_is_idempotent_with_acks_all() -> None:
    config = producer_config("k:1", "relay", delivery_timeout_seconds=2.5)
    assert config["enable.idempotence"] is True
    assert config["acks"] == "all"
    assert config["message.timeout.ms"] == 2500


@pytest.mark.parametrize("key", ["enable.auto.offset.store", "enable.auto.commit"])
def test_consumer_offset_storing_cannot_be_overridden(key: str) -> None:
    with pytest.raises(ConfigurationError):
        consumer_config("k:1", "worker", "kitchen", {key: True})


def test_consumer_stores_offsets_itself() -> None:
    config = consumer_config("k:1", "worker", "kitchen", {"session.timeout.ms": 6000})
    assert config["enable.auto.offset.store"] is False
    assert config["session.timeout.ms"] == 6000
    assert config["group.id"] == "kitchen"


def test_backoff_doubles_up_to_its_cap() -> None:
    backoff = Backoff(base_seconds=0.5, cap_seconds=3.0)
    assert [backoff.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert backoff.delay(10_000) == 3.0


def test_dead_letter_headers_name_the_cause_and_truncate_the_error() -> None:
    original = (("event_id", b"e1"), (DLQ_ATTEMPTS, b"9"))
    cause = DeadLetterCause("order.events", 2, 41, "x" * 5000, 5, "handler_failed")
    headers = dead_letter_headers(original, cause)
    names = [name for name, _value in headers]
    assert names.count(DLQ_ATTEMPTS) == 1
    values = dict(headers)
    assert values["event_id"] == b"e1"
    assert values[DLQ_ORIGINAL_TOPIC] == b"order.events"
    assert values[DLQ_ATTEMPTS] == b"5"
    assert len(values[DLQ_ERROR].decode()) == MAX_ERROR_HEADER_CHARS
