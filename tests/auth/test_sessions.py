"""Sessions after sign-in, on every store backend: expiry (absolute and idle), the cheap hot
path, logout of one session or all, deactivation, and tokens issued from the CLI."""

from __future__ import annotations

import uuid

import pytest

from restman_core.adapters.smtp.mailer import SmtpMailer
from restman_core.domain.access import SYSTEM_ACTOR, Role
from restman_core.domain.auth import AuthPolicy, hash_token, new_session_token
from restman_core.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from tests.auth.conftest import Env
from tests.auth.helpers import (
    SECRET,
    Inbox,
    ManualClock,
    Node,
    Services,
    build_services,
    events_about,
    fresh_email,
)


@pytest.fixture
def services(
    node: Node, mailer: SmtpMailer, clock: ManualClock, policy: AuthPolicy, inbox: Inbox
) -> Services:
    return build_services(node, mailer, clock, policy, inbox)


async def test_unknown_malformed_and_missing_tokens_are_unauthorized(services: Services) -> None:
    for token in (None, "", new_session_token(), "x" * 5000, 42):
        with pytest.raises(Unauthorized):
            await services.auth.authenticate(token)


async def test_a_session_dies_at_its_absolute_lifetime_even_when_used(services: Services) -> None:
    signed = await services.sign_in(fresh_email())
    for _ in range(3):
        services.clock.advance(2390)  # used well within the idle timeout each time
        await services.auth.authenticate(signed.token)
    services.clock.advance(30)  # 7200 s after sign-in
    with pytest.raises(Unauthorized):
        await services.auth.authenticate(signed.token)


async def test_an_unused_session_dies_after_the_idle_timeout(services: Services) -> None:
    signed = await services.sign_in(fresh_email())
    services.clock.advance(3599)
    await services.auth.authenticate(signed.token)
    services.clock.advance(3599)
    await services.auth.authenticate(signed.token)
    services.clock.advance(3600)
    with pytest.raises(Unauthorized):
        await services.auth.authenticate(signed.token)


async def test_the_idle_refresh_is_written_at_most_once_a_minute(services: Services) -> None:
    signed = await services.sign_in(fresh_email())
    key = hash_token(SECRET, signed.token)
    services.clock.advance(30)
    await services.auth.authenticate(signed.token)
    stored = await services.node.sessions.get(key)
    assert stored is not None
    assert stored.last_seen_at == signed.session.last_seen_at
    services.clock.advance(31)
    await services.auth.authenticate(signed.token)
    stored = await services.node.sessions.get(key)
    assert stored is not None
    assert stored.last_seen_at == services.clock.now()


async def _two_sessions(services: Services, email: str) -> tuple[str, str]:
    first = await services.sign_in(email)
    services.clock.advance(60)
    second = await services.sign_in(email)
    return first.token, second.token


async def test_logout_ends_only_the_current_session(services: Services) -> None:
    first, second = await _two_sessions(services, fresh_email())
    await services.auth.logout(first)
    with pytest.raises(Unauthorized):
        await services.auth.authenticate(first)
    await services.auth.authenticate(second)
    with pytest.raises(Unauthorized):
        await services.auth.logout(first)


async def test_logout_by_id_or_token_only_reaches_the_callers_own_sessions(
    services: Services,
) -> None:
    mine, my_other = await _two_sessions(services, fresh_email())
    theirs = await services.sign_in(fresh_email())
    with pytest.raises(NotFound):
        await services.auth.logout(mine, session_id=theirs.session.id)
    with pytest.raises(NotFound):
        await services.auth.logout(mine, session_token=theirs.token)
    with pytest.raises(NotFound):
        await services.auth.logout(mine, session_id=uuid.uuid4())
    with pytest.raises(InvalidInput):
        await services.auth.logout(mine, session_id="not-an-id")
    await services.auth.authenticate(theirs.token)
    other_id = (await services.auth.authenticate(my_other)).id
    await services.auth.logout(mine, session_id=str(other_id))
    with pytest.raises(Unauthorized):
        await services.auth.authenticate(my_other)
    await services.auth.authenticate(mine)
    await services.auth.logout(mine, session_token=mine)
    with pytest.raises(Unauthorized):
        await services.auth.authenticate(mine)


async def test_logout_all_ends_every_session_of_the_caller_only(
    env: Env, services: Services, mailer: SmtpMailer, policy: AuthPolicy, inbox: Inbox
) -> None:
    first, second = await _two_sessions(services, fresh_email())
    bystander = await services.sign_in(fresh_email())
    # Another process ends them: the sessions live in the shared store, not in a process.
    other = build_services(await env.node(), mailer, services.clock, policy, inbox)
    actor = (await other.auth.authenticate(first)).actor
    assert await other.auth.logout_all(actor) == 2
    for token in (first, second):
        with pytest.raises(Unauthorized):
            await services.auth.authenticate(token)
    await services.auth.authenticate(bystander.token)


async def test_deactivation_kills_sessions_and_refuses_sign_in(
    services: Services, inbox: Inbox
) -> None:
    email = fresh_email()
    first, second = await _two_sessions(services, email)
    user = await services.accounts.deactivate_user(SYSTEM_ACTOR, email)
    assert not user.is_active
    for token in (first, second):
        with pytest.raises(Unauthorized):
            await services.auth.authenticate(token)
    services.clock.advance(60)
    await services.auth.request_code(email)  # the same answer as for anyone
    code = await inbox.code(email, 3)
    with pytest.raises(Forbidden):
        await services.auth.verify_code(email, code)
    await services.accounts.reactivate_user(SYSTEM_ACTOR, email)
    signed = await services.auth.verify_code(email, code)
    assert signed.user.is_active
    kinds = [kind for kind, _ in await events_about(services.node.db, email)]
    assert kinds.count("user.deactivated") == 1
    assert kinds.count("user.reactivated") == 1


async def test_only_admins_deactivate(services: Services) -> None:
    customer = await services.sign_in(fresh_email())
    with pytest.raises(Forbidden):
        await services.accounts.deactivate_user(customer.session.actor, customer.user.email)
    with pytest.raises(NotFound):
        await services.accounts.deactivate_user(SYSTEM_ACTOR, fresh_email())


async def test_a_cli_token_opens_a_session_for_an_active_account(services: Services) -> None:
    cook = await services.sign_in(fresh_email("cook"))
    issued = await services.auth.issue_token(SYSTEM_ACTOR, cook.user.email, lifetime_seconds=86400)
    session = await services.auth.authenticate(issued.token)
    assert session.user_id == cook.user.id
    assert (session.expires_at - session.created_at).total_seconds() == 86400
    with pytest.raises(Forbidden):
        await services.auth.issue_token(cook.session.actor, cook.user.email)
    with pytest.raises(NotFound):
        await services.auth.issue_token(SYSTEM_ACTOR, fresh_email())
    assert await services.accounts.revoke_sessions(SYSTEM_ACTOR, cook.user.email) == 2
    with pytest.raises(Unauthorized):
        await services.auth.authenticate(issued.token)


async def test_create_admin_creates_or_promotes_and_revokes_old_sessions(
    services: Services,
) -> None:
    new = await services.accounts.create_admin(SYSTEM_ACTOR, fresh_email("ops"))
    assert new.role is Role.ADMIN
    customer = await services.sign_in(fresh_email())
    promoted = await services.accounts.create_admin(SYSTEM_ACTOR, customer.user.email)
    assert promoted.id == customer.user.id
    assert promoted.role is Role.ADMIN
    with pytest.raises(Unauthorized):
        await services.auth.authenticate(customer.token)
    services.clock.advance(60)
    again = await services.sign_in(customer.user.email)
    assert again.session.actor.is_admin
    kinds = [kind for kind, _ in await events_about(services.node.db, customer.user.email)]
    assert "user.role_changed" in kinds
