"""Users and staff storage (inside a unit of work)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from restman_core.domain.access import Role
from restman_core.domain.users import User


class UserRepository(Protocol):
    async def get(self, user_id: uuid.UUID) -> User | None: ...

    async def get_by_email(self, email: str) -> User | None:
        """``email`` must already be normalised."""
        ...

    async def add(self, user: User) -> None: ...

    async def save(self, user: User) -> None:
        """Persist role, active flag, timestamps of an existing user."""
        ...

    async def list(
        self, *, role: Role | None = None, limit: int = 50, offset: int = 0
    ) -> Sequence[User]: ...


class StaffRepository(Protocol):
    async def add(
        self, restaurant_id: uuid.UUID, user_id: uuid.UUID, added_by: uuid.UUID, at: datetime
    ) -> bool:
        """Attach a user to a restaurant's kitchen staff; False when already attached."""
        ...

    async def remove(self, restaurant_id: uuid.UUID, user_id: uuid.UUID) -> bool: ...

    async def restaurants_of(self, user_id: uuid.UUID) -> frozenset[uuid.UUID]: ...

    async def members(self, restaurant_id: uuid.UUID) -> Sequence[User]: ...

    async def invite(
        self, restaurant_id: uuid.UUID, email: str, invited_by: uuid.UUID, at: datetime
    ) -> bool:
        """Remember that ``email`` (normalised) is invited to the restaurant's staff before it
        has an account; False when already invited."""
        ...

    async def invitations_for(self, email: str) -> frozenset[uuid.UUID]:
        """Restaurants that invited ``email``."""
        ...

    async def withdraw_invitation(self, restaurant_id: uuid.UUID, email: str) -> bool: ...

    async def clear_invitations(self, email: str) -> None: ...
