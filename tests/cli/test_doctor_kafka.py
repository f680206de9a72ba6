"""``restman doctor`` against a real Kafka-protocol broker (tansu, started for this module)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from restman_core.adapters.kafka import ensure_topics
from restman_core.domain.events import TOPICS
from tests.cli.conftest import Cli
from tests.support.tansu import Broker, running_broker

pytestmark = pytest.mark.kafka


@pytest.fixture(scope="module")
def broker() -> Iterator[Broker]:
    with running_broker() as running:
        yield running


def _kafka_check(cli: Cli, brokers: str) -> dict[str, str]:
    checks = cli.json("doctor", KAFKA_BROKERS=brokers)
    return next(c for c in checks if c["check"] == "kafka")


def test_doctor_checks_the_broker_and_its_topics(cli: Cli, broker: Broker) -> None:
    missing = _kafka_check(cli, broker.bootstrap)
    assert missing["verdict"] == "warn"
    assert "missing topics" in missing["detail"]
    assert missing["hint"]
    asyncio.run(ensure_topics(broker.bootstrap, TOPICS, partitions=1))
    present = _kafka_check(cli, broker.bootstrap)
    assert present["verdict"] == "ok"
    assert all(topic in present["detail"] for topic in TOPICS)
