"""Offsets: where a message sits, storing its successor once it took effect, final commit.

These run on the consumer's own thread (they block on the client).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

logger = logging.getLogger(__name__)


def message_position(message: Message) -> tuple[str, int, int]:
    """Topic, partition and offset of a fetched message."""
    return message.topic() or "", message.partition() or 0, message.offset() or 0


def store_offset(consumer: Consumer, message: Message) -> int | None:
    """Store ``offset + 1`` for the next commit; return the partition's lag if known."""
    topic, partition, offset = message_position(message)
    try:
        consumer.store_offsets(message=message)
    except KafkaException as exc:
        # The partition was revoked meanwhile; its next owner redelivers the message.
        logger.warning("Offset %s[%d]@%d not stored: %s", topic, partition, offset, exc)
        return None
    try:
        _low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), cached=True)
    except KafkaException:
        return None
    return max(0, high - offset - 1) if high >= 0 else None


def store_offsets(
    consumer: Consumer, messages: Sequence[Message]
) -> dict[tuple[str, int], int | None]:
    """:func:`store_offset` for messages that all took effect, in one call on the consumer's
    thread: each partition's last message (they are handled in partition order, so storing it
    covers those before it). Returns each partition's lag where known."""
    last: dict[tuple[str, int], Message] = {}
    for message in messages:
        topic, partition, _offset = message_position(message)
        last[(topic, partition)] = message
    return {where: store_offset(consumer, message) for where, message in last.items()}


def commit_and_close(consumer: Consumer) -> None:
    """Commit the stored offsets synchronously, then leave the group and close."""
    try:
        consumer.commit(asynchronous=False)
    except KafkaException as exc:
        error = exc.args[0] if exc.args else None
        if not (isinstance(error, KafkaError) and error.code() == KafkaError._NO_OFFSET):
            logger.warning("Final offset commit failed: %s", exc)
    try:
        consumer.close()
    except (KafkaException, RuntimeError) as exc:
        logger.warning("Closing the Kafka consumer failed: %s", exc)
