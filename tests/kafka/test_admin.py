"""Topic administration against the real broker."""

from __future__ import annotations

import asyncio

import pytest

from restman_core.adapters.kafka import (
    broker_reachable,
    dlq_topic,
    ensure_topics,
    topic_partitions,
)
from restman_core.errors import Unavailable
from tests.support.services import free_port

pytestmark = pytest.mark.kafka


async def test_missing_topics_and_their_dead_letter_topics_are_created(
    bootstrap: str, prefix: str
) -> None:
    wanted = [f"{prefix}order.events", f"{prefix}bill.events"]
    created = await ensure_topics(bootstrap, wanted, partitions=2)
    expected = {*wanted, *(dlq_topic(name) for name in wanted)}
    assert set(created) == expected
    known = await topic_partitions(bootstrap)
    assert {name: known.get(name) for name in expected} == dict.fromkeys(expected, 2)


async def test_existing_topics_are_left_alone(bootstrap: str, prefix: str) -> None:
    topic = f"{prefix}menu.events"
    await ensure_topics(bootstrap, [topic], partitions=2, dlq=False)
    assert await ensure_topics(bootstrap, [topic], partitions=5) == [dlq_topic(topic)]
    assert (await topic_partitions(bootstrap))[topic] == 2


async def test_racing_creators_both_succeed(bootstrap: str, prefix: str) -> None:
    topics = [f"{prefix}user.events"]
    first, second = await asyncio.gather(
        ensure_topics(bootstrap, topics), ensure_topics(bootstrap, topics)
    )
    assert sorted(first + second) == sorted({*first, *second})
    assert set(first) | set(second) == {topics[0], dlq_topic(topics[0])}


async def test_an_absent_broker_is_unavailable(bootstrap: str) -> None:
    nowhere = f"127.0.0.1:{free_port()}"
    assert await broker_reachable(bootstrap)
    assert not await broker_reachable(nowhere, timeout_seconds=1.0)
    with pytest.raises(Unavailable):
        await ensure_topics(nowhere, ["order.events"], timeout_seconds=1.0)
