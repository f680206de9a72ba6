"""Sign-in state that lives outside the business unit of work: codes, sessions, rate limits.

Implemented on Redis (production) and on SQL tables (embedded). Every operation is atomic on its
own and correct when several processes share the store. Moments are passed in by the caller
(from the service's clock) so that expiry decisions and injected test clocks agree; stores use
them for their own housekeeping (key TTLs, purges) as well. Unreachable stores raise
:class:`restman_core.errors.Unavailable`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from restman_core.domain.auth import CodeRecord, CodeState, Session, WrongGuess
from restman_core.domain.rate_limits import RateDecision


class CodeStore(Protocol):
    """One live sign-in code per email, its wrong-guess counter, and the email's lockout."""

    async def state(self, email: str) -> CodeState:
        """The email's live code (possibly expired: the caller decides) and lockout."""
        ...

    async def put(
        self, record: CodeRecord, *, now: datetime, resend_seconds: int
    ) -> datetime | None:
        """Make ``record`` the email's only code, with a fresh wrong-guess counter; atomically
        refused while the email is locked or when its current code was issued less than
        ``resend_seconds`` before ``now``. Returns ``None`` when stored, else the moment a new
        request will be accepted."""
        ...

    async def consume(self, email: str, code_hash: str) -> bool:
        """Delete the email's code if it is still the one with ``code_hash``; True for exactly
        one caller (single use)."""
        ...

    async def record_wrong_guess(
        self,
        email: str,
        code_hash: str,
        *,
        max_attempts: int,
        locked_until: datetime,
        now: datetime,
    ) -> WrongGuess:
        """Count a wrong guess against the code with ``code_hash`` (nothing is counted when the
        code was replaced or consumed meanwhile). The guess that reaches ``max_attempts``
        deletes the code and locks the email until ``locked_until``, in the same atomic step."""
        ...


class SessionStore(Protocol):
    """Sessions by token hash, indexed by user so all of a user's sessions can be revoked."""

    async def create(self, session: Session, *, now: datetime) -> None: ...

    async def get(self, token_hash: str) -> Session | None:
        """The session (live or not: the caller checks) in one round trip."""
        ...

    async def touch(self, session: Session, *, now: datetime) -> None:
        """Record use at ``now``, pushing the idle deadline forward."""
        ...

    async def revoke(self, session: Session) -> bool:
        """End one session; False when it had already ended."""
        ...

    async def revoke_id(self, user_id: uuid.UUID, session_id: uuid.UUID) -> bool:
        """End the user's session with that id; False when the user has no such session."""
        ...

    async def revoke_all(self, user_id: uuid.UUID) -> int:
        """End every session of the user; returns how many stored sessions were removed (the
        SQL store may count sessions that had expired but were not purged yet)."""
        ...


class RateLimiter(Protocol):
    """Sliding-window counters (see :mod:`restman_core.domain.auth`)."""

    async def hit(
        self, bucket: str, *, limit: int, window_seconds: int, now: datetime
    ) -> RateDecision:
        """Atomically admit and count one hit, or refuse it without counting."""
        ...
