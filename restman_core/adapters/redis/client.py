"""The Redis connection and what every Redis store shares: error translation, key prefixes and
timestamp encoding.

Timestamps are stored as integer microseconds since the Unix epoch (exact, and comparable inside
Lua scripts, whose numbers are doubles: exact below 2**53, about the year 2255 in microseconds).
The adapters target a single Redis server (or a primary with replicas): some operations touch
several keys in one script or MULTI, which Redis Cluster would need hash tags for.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from restman_core.errors import ConfigurationError, Unavailable

DEFAULT_PREFIX = "restman:"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def open_redis(url: str, *, socket_timeout: float = 5.0, connect_timeout: float = 2.0) -> Redis:
    """A client for ``url`` (``redis://``, ``rediss://`` or ``unix://``); nothing connects until
    first use. Replies are bytes: the stores decode what they read.

    After Redis restarts, every pooled connection is dead, and the first command on each would
    fail. A command that fails with a connection error is therefore retried on a fresh
    connection (twice at most, 50 ms then 100 ms later): a refused or reset connection means
    the command never ran, so the retry cannot apply it twice. Timeouts are not retried (the
    command may have run). Idle connections are also checked before use every 10 s."""
    try:
        return Redis.from_url(
            url,
            socket_timeout=socket_timeout,
            socket_connect_timeout=connect_timeout,
            health_check_interval=10,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=2),
            retry_on_error=[RedisConnectionError],
            decode_responses=False,
        )
    except ValueError as exc:
        raise ConfigurationError("REDIS_URL is not a valid Redis URL") from exc


@contextmanager
def redis_errors(what: str) -> Iterator[None]:
    """Turn driver failures (refused connections, timeouts, protocol errors) into Unavailable,
    naming the operation but never echoing driver text to clients."""
    try:
        yield
    except (RedisError, OSError) as exc:
        raise Unavailable(f"The session store is unavailable ({what}); try again") from exc


async def ping(client: Redis) -> None:
    """Raise Unavailable when Redis cannot be reached."""
    with redis_errors("ping"):
        await client.ping()


def to_micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def from_micros(value: int | bytes | str) -> datetime:
    return _EPOCH + timedelta(microseconds=int(value))


def ttl_ms(until: datetime, now: datetime) -> int:
    """Milliseconds from ``now`` to ``until``, at least 1 (Redis refuses zero expiries)."""
    return max(1, (until - now) // timedelta(milliseconds=1))


def text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def decoded(fields: Mapping[bytes | str, bytes | str]) -> dict[str, str]:
    """A hash reply with text keys and values."""
    return {text(name): text(value) for name, value in fields.items()}
