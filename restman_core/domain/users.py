"""Users and kitchen staff membership."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from restman_core.domain.access import Actor, Role
from restman_core.errors import InvalidInput

# Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is proven by the
# code arriving, not by a regular expression.
# The API document states the same expression (restman_api/body_rules.py).
EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$"
_EMAIL = re.compile(EMAIL_PATTERN)
MAX_EMAIL = 254


def normalise_email(value: object) -> str:
    """Trim and lower-case an email; raise InvalidInput when it is not well formed. Emails are
    compared in this form everywhere, so ``Ann@X.com`` and ``ann@x.com`` are one user."""
    if not isinstance(value, str):
        raise InvalidInput("email must be a string", details={"field": "email"})
    email = value.strip().lower()
    if any(ord(c) < 32 or ord(c) == 127 for c in email):
        raise InvalidInput("Invalid email address", details={"field": "email"})
    if len(email) > MAX_EMAIL or not _EMAIL.match(email):
        raise InvalidInput("Invalid email address", details={"field": "email"})
    return email


@dataclass(frozen=True, slots=True)
class User:
    id: uuid.UUID
    email: str
    role: Role
    is_active: bool
    created_at: datetime
    updated_at: datetime
    last_sign_in_at: datetime | None = None

    def as_actor(self) -> Actor:
        return Actor(user_id=self.id, role=self.role, email=self.email)
