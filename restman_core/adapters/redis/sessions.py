"""Sessions in Redis (implements ``restman_core.ports.sessions.SessionStore``).

``<prefix>session:<token hash>`` is a hash holding the session; its TTL follows the session's
deadline (idle or absolute, whichever is first), so Redis drops dead sessions by itself.
Looking a session up is a single HGETALL. ``<prefix>user-sessions:<user id>`` maps each of the
user's session ids to its token hash, so logout by id, logout-all and deactivation find every
session; it lives as long as the user's longest-lived session and may list sessions that have
already expired (revoking those is a harmless no-op).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from redis.asyncio import Redis

from restman_core.adapters.redis.client import (
    DEFAULT_PREFIX,
    decoded,
    from_micros,
    redis_errors,
    text,
    to_micros,
    ttl_ms,
)
from restman_core.domain.access import Role
from restman_core.domain.auth import Session

# Writes the session and indexes it; the index's TTL only ever grows.
_CREATE = """
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return 1
"""

# Refreshes a session only if it still exists: a touch racing a logout must not resurrect it.
_TOUCH = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'last_seen_us', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""


class RedisSessionStore:
    def __init__(self, client: Redis, *, prefix: str = DEFAULT_PREFIX) -> None:
        self._client = client
        self._prefix = prefix
        self._create = client.register_script(_CREATE)
        self._touch = client.register_script(_TOUCH)

    def _session_key(self, token_hash: str) -> str:
        return f"{self._prefix}session:{token_hash}"

    def _index_key(self, user_id: uuid.UUID) -> str:
        return f"{self._prefix}user-sessions:{user_id}"

    async def create(self, session: Session, *, now: datetime) -> None:
        fields = {
            "id": str(session.id),
            "user_id": str(session.user_id),
            "role": session.role.value,
            "email": session.email,
            "created_us": to_micros(session.created_at),
            "expires_us": to_micros(session.expires_at),
            "last_seen_us": to_micros(session.last_seen_at),
            "idle_s": session.idle_seconds,
        }
        args: list[str | int] = [
            ttl_ms(session.deadline, now),
            ttl_ms(session.expires_at, now),
            str(session.id),
            session.token_hash,
        ]
        for name, value in fields.items():
            args += [name, value]
        keys = [self._session_key(session.token_hash), self._index_key(session.user_id)]
        with redis_errors("creating a session"):
            await self._create(keys=keys, args=args)

    async def get(self, token_hash: str) -> Session | None:
        with redis_errors("reading a session"):
            fields = await self._client.hgetall(self._session_key(token_hash))
        return _session(token_hash, decoded(fields)) if fields else None

    async def touch(self, session: Session, *, now: datetime) -> None:
        touched = session.touched(now)
        args = [to_micros(now), ttl_ms(touched.deadline, now)]
        with redis_errors("refreshing a session"):
            await self._touch(keys=[self._session_key(session.token_hash)], args=args)

    async def revoke(self, session: Session) -> bool:
        with redis_errors("ending a session"):
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.delete(self._session_key(session.token_hash))
                pipe.hdel(self._index_key(session.user_id), str(session.id))
                deleted, _ = await pipe.execute()
        return bool(deleted)

    async def revoke_id(self, user_id: uuid.UUID, session_id: uuid.UUID) -> bool:
        index = self._index_key(user_id)
        with redis_errors("ending a session"):
            token_hash = await self._client.hget(index, str(session_id))
            if token_hash is None:
                return False
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.delete(self._session_key(text(token_hash)))
                pipe.hdel(index, str(session_id))
                deleted, _ = await pipe.execute()
        return bool(deleted)

    async def revoke_all(self, user_id: uuid.UUID) -> int:
        index = self._index_key(user_id)
        with redis_errors("ending sessions"):
            entries = decoded(await self._client.hgetall(index))
            if not entries:
                return 0
            # HDEL of exactly these ids (not DEL of the index): a session created meanwhile
            # stays indexed and can still be revoked.
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.delete(*(self._session_key(h) for h in entries.values()))
                pipe.hdel(index, *entries.keys())
                deleted, _ = await pipe.execute()
        return int(deleted)


def _session(token_hash: str, fields: dict[str, str]) -> Session | None:
    """Decode a stored session; anything malformed counts as no session."""
    try:
        return Session(
            id=uuid.UUID(fields["id"]),
            user_id=uuid.UUID(fields["user_id"]),
            role=Role(fields["role"]),
            email=fields["email"],
            token_hash=token_hash,
            created_at=from_micros(fields["created_us"]),
            expires_at=from_micros(fields["expires_us"]),
            last_seen_at=from_micros(fields["last_seen_us"]),
            idle_seconds=int(fields["idle_s"]),
        )
    except (KeyError, ValueError):
        return None
