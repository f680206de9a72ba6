"""Accounts: the caller's profile, and the operator's tools (admins, deactivation, sessions).

Rule decisions:

* Only administrators (or the system actor, which the CLI and the platform use) create admins,
  deactivate, reactivate, list users or revoke someone's sessions; anyone else is Forbidden.
* ``create_admin`` creates the account or promotes an existing one (even a deactivated one
  stays deactivated: reactivation is its own, explicit step). A promotion is a role change:
  it is recorded and revokes the user's sessions, because a session carries the role it was
  opened with.
* Deactivation is idempotent, and revokes every session each time it is asked (after the
  change commits, see :mod:`restman_core.services.auth_signin` for the race with sign-in).
  Staff memberships and owned restaurants are left as they are.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from restman_core.domain import auth_events
from restman_core.domain.access import Actor, Role
from restman_core.domain.clock import Clock
from restman_core.domain.ids import new_id
from restman_core.domain.menus import Restaurant
from restman_core.domain.users import User, normalise_email
from restman_core.errors import InvalidInput, NotFound, Unauthorized
from restman_core.ports.sessions import SessionStore
from restman_core.ports.storage import Database, Transaction
from restman_core.services.auth_signin import USER_NOT_FOUND, require_admin

MAX_USERS_PAGE = 200


@dataclass(frozen=True, slots=True)
class Profile:
    """``GET /api/auth/me``: the account and its restaurants (owned for ``rest``, staffed for
    ``kitch``, none for customers and admins)."""

    id: uuid.UUID
    email: str
    role: Role
    is_active: bool
    restaurants: tuple[Restaurant, ...]


class AccountService:
    def __init__(self, db: Database, sessions: SessionStore, clock: Clock) -> None:
        self._db = db
        self._sessions = sessions
        self._clock = clock

    async def me(self, actor: Actor) -> Profile:
        """The caller's account; Unauthorized if it no longer exists."""

        async def work(tx: Transaction) -> Profile:
            user = await tx.users.get(actor.user_id)
            if user is None:
                raise Unauthorized("Session not found or expired")
            restaurants: Sequence[Restaurant] = ()
            if user.role is Role.OWNER:
                restaurants = await tx.restaurants.list_owned(user.id)
            elif user.role is Role.KITCHEN:
                restaurants = await tx.restaurants.list_ids(await tx.staff.restaurants_of(user.id))
            ordered = tuple(sorted(restaurants, key=lambda r: (r.name.lower(), str(r.id))))
            return Profile(user.id, user.email, user.role, user.is_active, ordered)

        return await self._db.run(work)

    async def list_users(
        self, actor: Actor, *, role: Role | None = None, limit: int = 50, offset: int = 0
    ) -> Sequence[User]:
        """Accounts, oldest first (admins only)."""
        require_admin(actor)
        if not 1 <= limit <= MAX_USERS_PAGE or offset < 0:
            raise InvalidInput(f"limit must be 1..{MAX_USERS_PAGE} and offset not negative")

        async def work(tx: Transaction) -> Sequence[User]:
            return await tx.users.list(role=role, limit=limit, offset=offset)

        return await self._db.run(work)

    async def create_admin(self, actor: Actor, email: object) -> User:
        """Create an administrator, or promote an existing account to one."""
        require_admin(actor)
        address = normalise_email(email)
        now = self._clock.now()

        async def work(tx: Transaction) -> tuple[User, bool]:
            user = await tx.users.get_by_email(address)
            if user is None:
                user = User(new_id(), address, Role.ADMIN, True, now, now)
                await tx.users.add(user)
                await tx.outbox.add([auth_events.user_created(user, "cli", now)])
                return user, False
            if user.role is Role.ADMIN:
                return user, False
            promoted = replace(user, role=Role.ADMIN, updated_at=now)
            await tx.users.save(promoted)
            event = auth_events.role_changed(promoted, user.role, actor, "create_admin", now)
            await tx.outbox.add([event])
            return promoted, True

        user, promoted = await self._db.run(work)
        if promoted:
            await self._sessions.revoke_all(user.id)
        return user

    async def deactivate_user(self, actor: Actor, email: object) -> User:
        """Deactivate the account and end all its sessions."""
        user = await self._set_active(actor, email, active=False)
        await self._sessions.revoke_all(user.id)
        return user

    async def reactivate_user(self, actor: Actor, email: object) -> User:
        """Let a deactivated account sign in again."""
        return await self._set_active(actor, email, active=True)

    async def revoke_sessions(self, actor: Actor, email: object) -> int:
        """End every session of the account (admins only); returns how many ended."""
        require_admin(actor)
        address = normalise_email(email)
        user = await self._db.run(lambda tx: _existing(tx, address))
        count = await self._sessions.revoke_all(user.id)
        now = self._clock.now()

        async def record(tx: Transaction) -> None:
            await tx.outbox.add([auth_events.sessions_revoked(user, count, actor, now)])

        await self._db.run(record)
        return count

    async def _set_active(self, actor: Actor, email: object, *, active: bool) -> User:
        require_admin(actor)
        address = normalise_email(email)
        now = self._clock.now()

        async def work(tx: Transaction) -> User:
            user = await _existing(tx, address)
            if user.is_active == active:
                return user
            changed = replace(user, is_active=active, updated_at=now)
            await tx.users.save(changed)
            await tx.outbox.add([auth_events.activation_changed(changed, actor, now)])
            return changed

        return await self._db.run(work)


async def _existing(tx: Transaction, email: str) -> User:
    user = await tx.users.get_by_email(email)
    if user is None:
        raise NotFound(USER_NOT_FOUND)
    return user
