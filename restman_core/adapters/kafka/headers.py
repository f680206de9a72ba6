"""Message headers RestMan writes: on every event, and on dead letters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from restman_core.domain.events import DomainEvent

EVENT_ID = "event_id"
EVENT_TYPE = "event_type"
SCHEMA_VERSION = "schema_version"

DLQ_SUFFIX = ".dlq"
DLQ_ORIGINAL_TOPIC = "dlq.original_topic"
DLQ_ORIGINAL_PARTITION = "dlq.original_partition"
DLQ_ORIGINAL_OFFSET = "dlq.original_offset"
DLQ_ERROR = "dlq.error"
DLQ_ATTEMPTS = "dlq.attempts"
DLQ_REASON = "dlq.reason"

# Why a message was dead-lettered (the DLQ_REASON header).
REASON_HANDLER_FAILED = "handler_failed"
REASON_MALFORMED = "malformed"

# Headers travel with every copy of the message; a whole stack trace does not belong there.
MAX_ERROR_HEADER_CHARS = 1000

Headers = tuple[tuple[str, bytes], ...]


def dlq_topic(topic: str) -> str:
    """The dead-letter topic of ``topic``."""
    return f"{topic}{DLQ_SUFFIX}"


def event_headers(event: DomainEvent) -> Headers:
    """The headers every published event carries, so tools can route without parsing."""
    return (
        (EVENT_ID, str(event.event_id).encode()),
        (EVENT_TYPE, event.event_type.encode()),
        (SCHEMA_VERSION, str(event.schema_version).encode()),
    )


@dataclass(frozen=True, slots=True)
class DeadLetterCause:
    """Where a dead letter came from and why it was given up on."""

    topic: str
    partition: int
    offset: int
    error: str
    attempts: int
    reason: str


def dead_letter_headers(original: Headers, cause: DeadLetterCause) -> Headers:
    """The original headers (minus any stale ``dlq.*`` ones) followed by the cause."""
    error = cause.error
    if len(error) > MAX_ERROR_HEADER_CHARS:
        error = error[: MAX_ERROR_HEADER_CHARS - 1] + "…"
    kept = tuple((name, value) for name, value in original if not name.startswith("dlq."))
    return (
        *kept,
        (DLQ_ORIGINAL_TOPIC, cause.topic.encode()),
        (DLQ_ORIGINAL_PARTITION, str(cause.partition).encode()),
        (DLQ_ORIGINAL_OFFSET, str(cause.offset).encode()),
        (DLQ_ERROR, error.encode()),
        (DLQ_ATTEMPTS, str(cause.attempts).encode()),
        (DLQ_REASON, cause.reason.encode()),
    )


ReceivedHeaders = Sequence[tuple[str, str | bytes | None]] | Mapping[str, str | bytes | None] | None


def raw_headers(headers: ReceivedHeaders) -> Headers:
    """Headers as received, normalised to bytes values (a null value becomes empty)."""
    if not headers:
        return ()
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    normalised: list[tuple[str, bytes]] = []
    for name, value in pairs:
        if value is None:
            normalised.append((name, b""))
        elif isinstance(value, str):
            normalised.append((name, value.encode()))
        else:
            normalised.append((name, value))
    return tuple(normalised)


def passed_over(headers: ReceivedHeaders, wanted: frozenset[str] | None) -> bool:
    """True when the message's ``event_type`` header names a type outside ``wanted`` (a
    consumer then stores its offset without decoding it); False when ``wanted`` is None or
    the header is missing or unreadable (the message is decoded as usual)."""
    if wanted is None or not headers:
        return False
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    for name, value in pairs:
        if name == EVENT_TYPE and value is not None:
            try:
                text = value if isinstance(value, str) else value.decode()
            except UnicodeDecodeError:
                return False
            return text not in wanted
    return False


def text_headers(headers: Headers) -> dict[str, str]:
    """Headers as text for handlers; a repeated name keeps its last value."""
    return {name: value.decode("utf-8", errors="replace") for name, value in headers}
