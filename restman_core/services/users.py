"""Users for programs that embed RestMan (seeding, imports, tests): find or create a user with
a given role. Sign-in with codes lives in the auth use cases; this is the operator's path, so
it may create any role."""

from __future__ import annotations

from restman_core.domain.access import Role
from restman_core.domain.clock import Clock
from restman_core.domain.ids import new_id
from restman_core.domain.users import User, normalise_email
from restman_core.ports.storage import Database, Transaction


class UserDirectory:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def ensure(self, email: str, role: Role) -> User:
        """The user with ``email``, created with ``role`` when missing. An existing user keeps
        the role they have."""
        address = normalise_email(email)

        async def work(tx: Transaction) -> User:
            existing = await tx.users.get_by_email(address)
            if existing is not None:
                return existing
            now = self._clock.now()
            user = User(new_id(), address, role, True, now, now)
            await tx.users.add(user)
            return user

        return await self._db.run(work)

    async def find(self, email: str) -> User | None:
        address = normalise_email(email)
        return await self._db.run(lambda tx: tx.users.get_by_email(address))
