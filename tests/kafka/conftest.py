"""Fixtures for the Kafka adapter tests: one tansu broker per session, isolated topics per test.

Each test gets its own topic prefix, so the shared broker never leaks events between tests.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from restman_core.adapters.kafka import ensure_topics
from restman_core.domain.events import TOPIC_ORDER
from tests.kafka.helpers import RunningConsumers
from tests.support.tansu import Broker, running_broker


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[Broker]:
    """A tansu broker for the whole session (skips, or fails in CI, when it cannot run)."""
    with running_broker() as broker:
        yield broker


@pytest.fixture
def bootstrap(kafka_broker: Broker) -> str:
    """``host:port`` of the session's broker."""
    return kafka_broker.bootstrap


@pytest.fixture
def prefix() -> str:
    """A topic prefix of this test's own."""
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture
async def order_topic(bootstrap: str, prefix: str) -> str:
    """``<prefix>order.events`` (3 partitions) and its dead-letter topic, created."""
    topic = prefix + TOPIC_ORDER
    await ensure_topics(bootstrap, [topic], partitions=3)
    return topic


@pytest.fixture
async def consumers() -> AsyncIterator[RunningConsumers]:
    """Runs consumers for a test; all are stopped (and awaited) at its end."""
    running = RunningConsumers()
    yield running
    await running.stop_all()
