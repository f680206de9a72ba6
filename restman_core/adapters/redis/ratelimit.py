"""Sliding-window rate limits in Redis (implements ``restman_core.ports.sessions.RateLimiter``).

One counter key per bucket and fixed window, ``<prefix>rate:<bucket>:<window index>``, kept
until the end of the following window (where it still weighs as the previous window). The
decision and the increment happen in one Lua script with the same integer arithmetic as
:func:`restman_core.domain.auth.admits`, so every process sharing the Redis enforces one limit.
"""

from __future__ import annotations

from datetime import datetime

from redis.asyncio import Redis

from restman_core.adapters.redis.client import DEFAULT_PREFIX, redis_errors
from restman_core.domain.rate_limits import RateDecision, rate_decision, window_position

_HIT = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
local limit, window, elapsed = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if previous * (window - elapsed) + (current + 1) * window > limit * window then
  return {0, previous, current}
end
current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return {1, previous, current}
"""


class RedisRateLimiter:
    def __init__(self, client: Redis, *, prefix: str = DEFAULT_PREFIX) -> None:
        self._prefix = prefix
        self._hit = client.register_script(_HIT)

    async def hit(
        self, bucket: str, *, limit: int, window_seconds: int, now: datetime
    ) -> RateDecision:
        index, elapsed_ms, window_ms = window_position(now, window_seconds)
        keys = [f"{self._prefix}rate:{bucket}:{index}", f"{self._prefix}rate:{bucket}:{index - 1}"]
        keep_ms = 2 * window_ms - elapsed_ms
        with redis_errors("checking a rate limit"):
            allowed, previous, current = await self._hit(
                keys=keys, args=[limit, window_ms, elapsed_ms, keep_ms]
            )
        return rate_decision(
            bool(allowed), limit, int(previous), int(current), window_ms, elapsed_ms
        )
