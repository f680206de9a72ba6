"""The store adapters on their own, on every backend: codes, lockouts, sessions, rate limits.

The concurrency tests fire at two independent instances (two Redis clients, or two engines on
the same database) at once: the atomic steps must hold across processes.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from datetime import timedelta

import pytest

from restman_core.adapters.redis import RedisCodeStore, RedisSessionStore, open_redis
from restman_core.adapters.sql.auth_sessions import SqlSessionStore
from restman_core.adapters.sql.auth_state import SqlCodeStore
from restman_core.adapters.sql.database import open_database
from restman_core.domain.access import Role
from restman_core.errors import Unavailable
from tests.auth.conftest import Env
from tests.auth.helpers import (
    ManualClock,
    Node,
    fresh_email,
    make_code,
    make_session,
)
from tests.support.services import free_port

# Codes and lockouts ---------------------------------------------------------------------


async def test_a_stored_code_reads_back_with_its_role(node: Node, clock: ManualClock) -> None:
    record = make_code(fresh_email(), clock, Role.OWNER)
    assert await node.codes.put(record, now=clock.now(), resend_seconds=60) is None
    state = await node.codes.state(record.email)
    assert state.record == record
    assert state.locked_until is None
    assert (await node.codes.state(fresh_email())).record is None


async def test_a_resend_within_the_interval_is_refused_until_it_ends(
    node: Node, clock: ManualClock
) -> None:
    first = make_code(fresh_email(), clock)
    await node.codes.put(first, now=clock.now(), resend_seconds=60)
    clock.advance(20)
    second = make_code(first.email, clock)
    retry_at = await node.codes.put(second, now=clock.now(), resend_seconds=60)
    assert retry_at == first.created_at + timedelta(seconds=60)
    assert (await node.codes.state(first.email)).record == first
    clock.advance(40)
    third = make_code(first.email, clock)
    assert await node.codes.put(third, now=clock.now(), resend_seconds=60) is None
    assert (await node.codes.state(first.email)).record == third


async def test_a_code_is_consumed_exactly_once_across_instances(
    env: Env, node: Node, clock: ManualClock
) -> None:
    other = await env.node()
    record = make_code(fresh_email(), clock)
    await node.codes.put(record, now=clock.now(), resend_seconds=60)
    attempts = [n.codes.consume(record.email, record.code_hash) for n in (node, other) * 4]
    assert sorted(await asyncio.gather(*attempts)) == [False] * 7 + [True]
    assert (await node.codes.state(record.email)).record is None


async def test_a_replaced_code_cannot_be_consumed_or_counted(
    node: Node, clock: ManualClock
) -> None:
    old = make_code(fresh_email(), clock)
    await node.codes.put(old, now=clock.now(), resend_seconds=0)
    new = make_code(old.email, clock)
    await node.codes.put(new, now=clock.now(), resend_seconds=0)
    assert not await node.codes.consume(old.email, old.code_hash)
    guess = await node.codes.record_wrong_guess(
        old.email, old.code_hash, max_attempts=5, locked_until=clock.now(), now=clock.now()
    )
    assert guess.attempts == 0
    assert (await node.codes.state(old.email)).record == new


async def test_the_last_wrong_guess_kills_the_code_and_locks_the_email(
    node: Node, clock: ManualClock
) -> None:
    record = make_code(fresh_email(), clock)
    await node.codes.put(record, now=clock.now(), resend_seconds=0)
    until = clock.now() + timedelta(minutes=15)
    outcomes = [
        await node.codes.record_wrong_guess(
            record.email, record.code_hash, max_attempts=3, locked_until=until, now=clock.now()
        )
        for _ in range(3)
    ]
    assert [o.attempts for o in outcomes] == [1, 2, 3]
    assert [o.locked_until for o in outcomes] == [None, None, until]
    state = await node.codes.state(record.email)
    assert state.record is None
    assert state.locked_until == until
    assert state.lock_remaining(clock.now()) == 900
    # A new code is refused while locked, with the end of the lockout as the retry moment.
    retry_at = await node.codes.put(
        make_code(record.email, clock), now=clock.now(), resend_seconds=0
    )
    assert retry_at == until
    clock.advance(901)
    assert (
        await node.codes.put(make_code(record.email, clock), now=clock.now(), resend_seconds=0)
        is None
    )


async def test_concurrent_wrong_guesses_on_two_instances_lock_exactly_once(
    env: Env, node: Node, clock: ManualClock
) -> None:
    other = await env.node()
    record = make_code(fresh_email(), clock)
    await node.codes.put(record, now=clock.now(), resend_seconds=0)
    until = clock.now() + timedelta(minutes=15)
    guesses = [
        n.codes.record_wrong_guess(
            record.email, record.code_hash, max_attempts=5, locked_until=until, now=clock.now()
        )
        for n in (node, other) * 6
    ]
    outcomes = await asyncio.gather(*guesses)
    counted = sorted(o.attempts for o in outcomes if o.attempts)
    assert counted == [1, 2, 3, 4, 5]
    assert sum(1 for o in outcomes if o.locked_until is not None) == 1


# Rate limits ----------------------------------------------------------------------------


async def test_concurrent_hits_on_two_instances_never_pass_the_limit(
    env: Env, node: Node, clock: ManualClock
) -> None:
    other = await env.node()
    bucket = f"test:{secrets.token_hex(8)}"
    hits = [
        n.limiter.hit(bucket, limit=7, window_seconds=900, now=clock.now())
        for n in (node, other) * 10
    ]
    decisions = await asyncio.gather(*hits)
    assert sum(d.allowed for d in decisions) == 7
    refused = [d for d in decisions if not d.allowed]
    assert all(d.retry_after >= 1 for d in refused)


async def test_refused_hits_do_not_count_and_the_window_slides(
    node: Node, clock: ManualClock
) -> None:
    bucket = f"test:{secrets.token_hex(8)}"
    # Start at a window boundary so the arithmetic below is exact.
    window = 100
    start = (int(clock.now().timestamp()) // window + 1) * window
    clock.advance(start - clock.now().timestamp())

    async def hit() -> bool:
        decision = await node.limiter.hit(bucket, limit=4, window_seconds=window, now=clock.now())
        return decision.allowed

    assert [await hit() for _ in range(6)] == [True] * 4 + [False] * 2
    # Half way into the next window the previous 4 hits weigh 2: two more fit, not three.
    clock.advance(150)
    assert [await hit() for _ in range(3)] == [True, True, False]
    # Two windows later nothing of the first window weighs any more.
    clock.advance(100)
    assert await hit()


# Sessions -------------------------------------------------------------------------------


async def test_a_session_reads_back_and_touch_moves_its_idle_deadline(
    node: Node, clock: ManualClock
) -> None:
    session = make_session(clock)
    await node.sessions.create(session, now=clock.now())
    assert await node.sessions.get(session.token_hash) == session
    assert await node.sessions.get(secrets.token_hex(32)) is None
    clock.advance(120)
    await node.sessions.touch(session, now=clock.now())
    stored = await node.sessions.get(session.token_hash)
    assert stored is not None
    assert stored.last_seen_at == clock.now()
    assert stored.idle_deadline == clock.now() + timedelta(hours=1)


async def test_sessions_are_revoked_one_by_id_and_all(
    env: Env, node: Node, clock: ManualClock
) -> None:
    other = await env.node()
    user_id = uuid.uuid4()
    first, second, third = (make_session(clock, user_id) for _ in range(3))
    stranger = make_session(clock)
    for session in (first, second, third, stranger):
        await node.sessions.create(session, now=clock.now())
    assert await other.sessions.revoke(first)
    assert not await node.sessions.revoke(first)
    assert await node.sessions.get(first.token_hash) is None
    assert not await node.sessions.revoke_id(stranger.user_id, second.id)
    assert await other.sessions.revoke_id(user_id, second.id)
    assert not await node.sessions.revoke_id(user_id, second.id)
    assert await node.sessions.revoke_all(user_id) == 1
    assert await node.sessions.get(third.token_hash) is None
    assert await node.sessions.get(stranger.token_hash) == stranger
    assert await node.sessions.revoke_all(user_id) == 0


async def test_touching_a_revoked_session_does_not_bring_it_back(
    node: Node, clock: ManualClock
) -> None:
    session = make_session(clock)
    await node.sessions.create(session, now=clock.now())
    await node.sessions.revoke(session)
    clock.advance(90)
    await node.sessions.touch(session, now=clock.now())
    assert await node.sessions.get(session.token_hash) is None


# Failures -------------------------------------------------------------------------------


async def test_an_unreachable_redis_is_unavailable(clock: ManualClock) -> None:
    client = open_redis(f"redis://127.0.0.1:{free_port()}/0", connect_timeout=0.5)
    try:
        with pytest.raises(Unavailable):
            await RedisCodeStore(client).state(fresh_email())
        with pytest.raises(Unavailable):
            await RedisSessionStore(client).get(secrets.token_hex(32))
    finally:
        await client.aclose()


async def test_an_unreachable_database_is_unavailable(clock: ManualClock) -> None:
    db = open_database(f"postgresql://postgres@127.0.0.1:{free_port()}/none")
    try:
        with pytest.raises(Unavailable):
            await SqlCodeStore(db.engine).state(fresh_email())
        with pytest.raises(Unavailable):
            await SqlSessionStore(db.engine).get(secrets.token_hex(32))
    finally:
        await db.close()
