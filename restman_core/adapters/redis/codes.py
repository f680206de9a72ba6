"""Sign-in codes and lockouts in Redis (implements ``restman_core.ports.sessions.CodeStore``).

Keys: ``<prefix>code:<email>`` is a hash (code_hash, role, created_us, expires_us, attempts)
that lives until the code expires or the resend interval ends, whichever is later;
``<prefix>lock:<email>`` holds the end of a lockout (microseconds) and expires with it. Every
write is one Lua script, so two API processes can never both count the fifth wrong guess, both
consume one code, or slip a new code past a lockout.
"""

from __future__ import annotations

from datetime import datetime, timedelta

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
from restman_core.domain.auth import CodeRecord, CodeState, WrongGuess

# Refuses while locked or within the resend interval; otherwise replaces the code.
_PUT = """
local locked = redis.call('GET', KEYS[2])
if locked and tonumber(locked) > tonumber(ARGV[5]) then return {'locked', locked} end
local previous = redis.call('HGET', KEYS[1], 'created_us')
if previous and tonumber(previous) + tonumber(ARGV[6]) > tonumber(ARGV[5]) then
  return {'resend', previous}
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'code_hash', ARGV[1], 'role', ARGV[2], 'created_us', ARGV[3],
  'expires_us', ARGV[4], 'attempts', '0')
redis.call('PEXPIRE', KEYS[1], ARGV[7])
return false
"""

_CONSUME = """
if redis.call('HGET', KEYS[1], 'code_hash') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""

# Counts a wrong guess against the named code; the last allowed one kills it and locks.
_WRONG_GUESS = """
if redis.call('HGET', KEYS[1], 'code_hash') ~= ARGV[1] then return {0, 0} end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if attempts >= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
  return {attempts, 1}
end
return {attempts, 0}
"""


class RedisCodeStore:
    """Sign-in codes and lockouts on one Redis client; ``prefix`` isolates deployments/tests."""

    def __init__(self, client: Redis, *, prefix: str = DEFAULT_PREFIX) -> None:
        self._client = client
        self._prefix = prefix
        self._put = client.register_script(_PUT)
        self._consume = client.register_script(_CONSUME)
        self._wrong_guess = client.register_script(_WRONG_GUESS)

    def _keys(self, email: str) -> list[str]:
        return [f"{self._prefix}code:{email}", f"{self._prefix}lock:{email}"]

    async def state(self, email: str) -> CodeState:
        code_key, lock_key = self._keys(email)
        with redis_errors("reading a sign-in code"):
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.hgetall(code_key)
                pipe.get(lock_key)
                fields, locked = await pipe.execute()
        record = _record(email, decoded(fields)) if fields else None
        return CodeState(record, from_micros(locked) if locked else None)

    async def put(
        self, record: CodeRecord, *, now: datetime, resend_seconds: int
    ) -> datetime | None:
        resend_until = record.created_at + timedelta(seconds=resend_seconds)
        lifetime = ttl_ms(max(record.expires_at, resend_until), now)
        args: list[str | int] = [
            record.code_hash,
            record.requested_role.value if record.requested_role else "",
            to_micros(record.created_at),
            to_micros(record.expires_at),
            to_micros(now),
            resend_seconds * 1_000_000,
            lifetime,
        ]
        with redis_errors("storing a sign-in code"):
            refused = await self._put(keys=self._keys(record.email), args=args)
        if not refused:
            return None
        kind, moment = text(refused[0]), from_micros(refused[1])
        return moment if kind == "locked" else moment + timedelta(seconds=resend_seconds)

    async def consume(self, email: str, code_hash: str) -> bool:
        with redis_errors("using a sign-in code"):
            done = await self._consume(keys=self._keys(email)[:1], args=[code_hash])
        return bool(done)

    async def record_wrong_guess(
        self,
        email: str,
        code_hash: str,
        *,
        max_attempts: int,
        locked_until: datetime,
        now: datetime,
    ) -> WrongGuess:
        args: list[str | int] = [
            code_hash,
            max_attempts,
            to_micros(locked_until),
            ttl_ms(locked_until, now),
        ]
        with redis_errors("counting a wrong sign-in code"):
            attempts, locked = await self._wrong_guess(keys=self._keys(email), args=args)
        return WrongGuess(int(attempts), locked_until if int(locked) else None)


def _record(email: str, fields: dict[str, str]) -> CodeRecord | None:
    """Decode a stored code; a hash missing fields (never written by this adapter) is ignored."""
    try:
        role = fields["role"]
        return CodeRecord(
            email=email,
            code_hash=fields["code_hash"],
            requested_role=Role(role) if role else None,
            created_at=from_micros(fields["created_us"]),
            expires_at=from_micros(fields["expires_us"]),
            failed_attempts=int(fields["attempts"]),
        )
    except (KeyError, ValueError):
        return None
