"""Kafka transport (confluent-kafka): publish domain events, consume them in groups.

Used in distributed mode only (``KAFKA_BROKERS`` set); ``restman_core.bootstrap`` builds these.
"""

from restman_core.adapters.kafka.admin import broker_reachable, ensure_topics, topic_partitions
from restman_core.adapters.kafka.config import KafkaOptions, KafkaSecurity, parse_bootstrap
from restman_core.adapters.kafka.consumer import KafkaEventConsumer
from restman_core.adapters.kafka.headers import dlq_topic
from restman_core.adapters.kafka.metrics import ConsumerMetric, ConsumerStats
from restman_core.adapters.kafka.producer import KafkaEventPublisher

__all__ = [
    "ConsumerMetric",
    "ConsumerStats",
    "KafkaEventConsumer",
    "KafkaEventPublisher",
    "KafkaOptions",
    "KafkaSecurity",
    "broker_reachable",
    "dlq_topic",
    "ensure_topics",
    "parse_bootstrap",
    "topic_partitions",
]
