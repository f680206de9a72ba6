"""Audit events of sign-in, accounts and kitchen staff (topic ``user.events``).

Events about a user are keyed by the user's id; events about an email that has no account yet
(a failed verify, a lockout, a staff invitation) are keyed by :func:`email_key` of the email.
Payload values are JSON-ready strings. Codes and tokens never appear in an event.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from restman_core.domain.access import Actor, Role
from restman_core.domain.auth import Session, email_key
from restman_core.domain.clock import format_timestamp
from restman_core.domain.events import DomainEvent
from restman_core.domain.users import User

USER_CREATED = "user.created"
USER_SIGNED_IN = "user.signed_in"
USER_VERIFY_FAILED = "user.verify_failed"
USER_LOCKED_OUT = "user.locked_out"
USER_ROLE_CHANGED = "user.role_changed"
USER_DEACTIVATED = "user.deactivated"
USER_REACTIVATED = "user.reactivated"
USER_SESSIONS_REVOKED = "user.sessions_revoked"
USER_TOKEN_ISSUED = "user.token_issued"
STAFF_ADDED = "staff.added"
STAFF_REMOVED = "staff.removed"
STAFF_INVITED = "staff.invited"
STAFF_INVITATION_WITHDRAWN = "staff.invitation_withdrawn"


def _event(event_type: str, key: uuid.UUID, at: datetime, **payload: Any) -> DomainEvent:
    return DomainEvent(event_type=event_type, key=key, occurred_at=at, payload=payload)


def _by(actor: Actor | None) -> str | None:
    return str(actor.user_id) if actor is not None else None


def user_created(user: User, via: str, at: datetime) -> DomainEvent:
    """``via``: ``sign_in`` or ``cli``."""
    return _event(
        USER_CREATED,
        user.id,
        at,
        user_id=str(user.id),
        email=user.email,
        role=user.role.value,
        via=via,
    )


def signed_in(user: User, session: Session, at: datetime) -> DomainEvent:
    return _event(
        USER_SIGNED_IN,
        user.id,
        at,
        user_id=str(user.id),
        email=user.email,
        role=user.role.value,
        session_id=str(session.id),
    )


def verify_failed(
    email: str, user_id: uuid.UUID | None, reason: str, attempts: int, at: datetime
) -> DomainEvent:
    """``reason``: ``wrong_code``, ``no_code`` (none issued, expired or already used)."""
    return _event(
        USER_VERIFY_FAILED,
        user_id or email_key(email),
        at,
        email=email,
        user_id=str(user_id) if user_id else None,
        reason=reason,
        attempts=attempts,
    )


def locked_out(
    email: str, user_id: uuid.UUID | None, locked_until: datetime, at: datetime
) -> DomainEvent:
    return _event(
        USER_LOCKED_OUT,
        user_id or email_key(email),
        at,
        email=email,
        user_id=str(user_id) if user_id else None,
        locked_until=format_timestamp(locked_until),
    )


def role_changed(
    user: User, old_role: Role, actor: Actor | None, reason: str, at: datetime
) -> DomainEvent:
    return _event(
        USER_ROLE_CHANGED,
        user.id,
        at,
        user_id=str(user.id),
        email=user.email,
        old_role=old_role.value,
        new_role=user.role.value,
        by=_by(actor),
        reason=reason,
    )


def activation_changed(user: User, actor: Actor, at: datetime) -> DomainEvent:
    """``user.deactivated`` or ``user.reactivated`` after the change."""
    kind = USER_REACTIVATED if user.is_active else USER_DEACTIVATED
    return _event(kind, user.id, at, user_id=str(user.id), email=user.email, by=_by(actor))


def sessions_revoked(user: User, count: int, actor: Actor, at: datetime) -> DomainEvent:
    return _event(
        USER_SESSIONS_REVOKED,
        user.id,
        at,
        user_id=str(user.id),
        email=user.email,
        count=count,
        by=_by(actor),
    )


def token_issued(user: User, session: Session, actor: Actor, at: datetime) -> DomainEvent:
    return _event(
        USER_TOKEN_ISSUED,
        user.id,
        at,
        user_id=str(user.id),
        email=user.email,
        session_id=str(session.id),
        by=_by(actor),
    )


def staff_added(
    restaurant_id: uuid.UUID, user: User, actor: Actor | None, via: str, at: datetime
) -> DomainEvent:
    """``via``: ``owner`` (added directly) or ``invitation`` (accepted at first sign-in)."""
    return _event(
        STAFF_ADDED,
        user.id,
        at,
        restaurant_id=str(restaurant_id),
        user_id=str(user.id),
        email=user.email,
        by=_by(actor),
        via=via,
    )


def staff_removed(restaurant_id: uuid.UUID, user: User, actor: Actor, at: datetime) -> DomainEvent:
    return _event(
        STAFF_REMOVED,
        user.id,
        at,
        restaurant_id=str(restaurant_id),
        user_id=str(user.id),
        email=user.email,
        by=_by(actor),
    )


def staff_invited(restaurant_id: uuid.UUID, email: str, actor: Actor, at: datetime) -> DomainEvent:
    return _event(
        STAFF_INVITED,
        email_key(email),
        at,
        restaurant_id=str(restaurant_id),
        email=email,
        by=_by(actor),
    )


def invitation_withdrawn(
    restaurant_id: uuid.UUID, email: str, actor: Actor, at: datetime
) -> DomainEvent:
    return _event(
        STAFF_INVITATION_WITHDRAWN,
        email_key(email),
        at,
        restaurant_id=str(restaurant_id),
        email=email,
        by=_by(actor),
    )
