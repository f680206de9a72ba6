"""Redis adapters (redis-py asyncio): sign-in codes, sessions, rate limits and the menu cache.

Bootstrap opens one client with :func:`open_redis` and hands it to each store; every key starts
with a configurable prefix (default ``restman:``). Connection failures surface as
:class:`restman_core.errors.Unavailable`.
"""

from restman_core.adapters.redis.cache import RedisCache
from restman_core.adapters.redis.client import DEFAULT_PREFIX, open_redis, ping
from restman_core.adapters.redis.codes import RedisCodeStore
from restman_core.adapters.redis.ratelimit import RedisRateLimiter
from restman_core.adapters.redis.sessions import RedisSessionStore

__all__ = [
    "DEFAULT_PREFIX",
    "RedisCache",
    "RedisCodeStore",
    "RedisRateLimiter",
    "RedisSessionStore",
    "open_redis",
    "ping",
]
