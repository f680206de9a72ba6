"""The database side of signing in: who may sign in, creating accounts, opening sessions.

Used by :class:`restman_core.services.auth.AuthService`. Each method is one unit of work; the
session is stored after the unit commits (stores are never written inside a transaction that
might retry) and the account is then read once more, so a deactivation that committed meanwhile
revokes the new session instead of missing it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from restman_core.domain import auth_events
from restman_core.domain.access import Actor, Role
from restman_core.domain.auth import AuthPolicy, Session, new_session, role_for_new_user
from restman_core.domain.clock import Clock
from restman_core.domain.events import DomainEvent
from restman_core.domain.ids import new_id
from restman_core.domain.users import User
from restman_core.errors import Forbidden, InvalidInput, NotFound
from restman_core.ports.sessions import SessionStore
from restman_core.ports.storage import Database, Transaction

DEACTIVATED = "This account is deactivated"
USER_NOT_FOUND = "User not found"


def require_admin(actor: Actor) -> None:
    """Forbidden unless the actor is an administrator (or the system actor)."""
    if not actor.is_admin:
        raise Forbidden("Only administrators may do this")


class SignInWriter:
    def __init__(
        self, db: Database, sessions: SessionStore, policy: AuthPolicy, clock: Clock
    ) -> None:
        self._db = db
        self._sessions = sessions
        self._policy = policy
        self._clock = clock

    async def check_eligible(self, email: str, role: Role | None) -> None:
        """Raise Forbidden when the email may not sign in with ``role`` (a deactivated account,
        or a new account asking for a role it may not take). Reads only."""

        async def work(tx: Transaction) -> None:
            user = await tx.users.get_by_email(email)
            if user is not None:
                if not user.is_active:
                    raise Forbidden(DEACTIVATED)
                return
            invited = bool(await tx.staff.invitations_for(email))
            role_for_new_user(
                role, invited=invited, allow_owner_signup=self._policy.allow_owner_signup
            )

        await self._db.run(work)

    async def sign_in(self, email: str, role: Role | None, token_hash: str) -> tuple[User, Session]:
        """Find or create the account, record the sign-in (and, for a new account, accept its
        staff invitations) in one unit of work, then store the session."""
        now = self._clock.now()

        async def work(tx: Transaction) -> tuple[User, Session]:
            events: list[DomainEvent] = []
            user = await tx.users.get_by_email(email)
            if user is None:
                user = await self._create(tx, email, role, events)
            elif not user.is_active:
                raise Forbidden(DEACTIVATED)
            else:
                user = replace(user, last_sign_in_at=now)
                await tx.users.save(user)
            session = new_session(user, token_hash, now, self._policy)
            events.append(auth_events.signed_in(user, session, now))
            await tx.outbox.add(events)
            return user, session

        user, session = await self._db.run(work)
        await self._open(session)
        return user, session

    async def issue(
        self, actor: Actor, email: str, token_hash: str, lifetime_seconds: int | None
    ) -> tuple[User, Session]:
        """A session for an existing active account, without a code (CLI only)."""
        require_admin(actor)
        if lifetime_seconds is not None and lifetime_seconds < 60:
            raise InvalidInput("a session lasts at least 60 seconds")
        now = self._clock.now()

        async def work(tx: Transaction) -> tuple[User, Session]:
            user = await tx.users.get_by_email(email)
            if user is None:
                raise NotFound(USER_NOT_FOUND)
            if not user.is_active:
                raise Forbidden(DEACTIVATED)
            session = new_session(user, token_hash, now, self._policy)
            if lifetime_seconds is not None:
                session = replace(session, expires_at=now + timedelta(seconds=lifetime_seconds))
            await tx.outbox.add([auth_events.token_issued(user, session, actor, now)])
            return user, session

        user, session = await self._db.run(work)
        await self._open(session)
        return user, session

    async def _create(
        self, tx: Transaction, email: str, role: Role | None, events: list[DomainEvent]
    ) -> User:
        """A new account; with pending invitations it is kitchen staff of those restaurants."""
        now = self._clock.now()
        invitations = await tx.staff.invitations_for(email)
        user = User(
            id=new_id(),
            email=email,
            role=role_for_new_user(
                role,
                invited=bool(invitations),
                allow_owner_signup=self._policy.allow_owner_signup,
            ),
            is_active=True,
            created_at=now,
            updated_at=now,
            last_sign_in_at=now,
        )
        await tx.users.add(user)
        events.append(auth_events.user_created(user, "sign_in", now))
        # The invitation's inviter is not exposed by the staff port, so the membership records
        # the new member as having accepted it (added_by = the member).
        for restaurant_id in sorted(invitations):
            if await tx.staff.add(restaurant_id, user.id, user.id, now):
                events.append(auth_events.staff_added(restaurant_id, user, None, "invitation", now))
        if invitations:
            await tx.staff.clear_invitations(email)
        return user

    async def _open(self, session: Session) -> None:
        await self._sessions.create(session, now=self._clock.now())

        async def current(tx: Transaction) -> User | None:
            return await tx.users.get(session.user_id)

        user = await self._db.run(current)
        if user is None or not user.is_active:
            await self._sessions.revoke(session)
            raise Forbidden(DEACTIVATED)
