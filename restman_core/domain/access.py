"""Who is acting: roles and the actor every use case receives."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """Roles, spelled as the original spelled them."""

    CUSTOMER = "user"
    OWNER = "rest"
    KITCHEN = "kitch"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Actor:
    """The signed-in user a use case acts for. Identity always comes from the session, never
    from client-supplied headers or bodies."""

    user_id: uuid.UUID
    role: Role
    email: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


SYSTEM_ACTOR = Actor(user_id=uuid.UUID(int=0), role=Role.ADMIN, email="system@restman")
"""The actor of changes made by the platform itself (event consumers, housekeeping)."""
