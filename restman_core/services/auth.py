"""Sign-in with emailed one-time codes, and the sessions it opens.

Rule decisions (the issue and the API contract leave these to us):

* **No enumeration.** ``request_code`` does exactly the same for known and unknown emails: rate
  limits, lockout and resend checks depend only on the email's request history, a code is
  stored and mailed in both cases (an unknown email becomes an account at its first verify).
* **Requested role.** Remembered with the code, not judged at request time (judging it would
  need the account, and so reveal it). At verify, a role named there wins over the remembered
  one. It only matters for a new account (see :func:`role_for_new_user`): existing accounts
  keep their role whatever is asked, so an existing admin may send ``admin``.
* **Checks at verify, in order:** code format (InvalidInput, nothing counted), per-address then
  per-email rate limit, lockout (RateLimited), then the code. A missing, expired, used or wrong
  code is the same Unauthorized. Each wrong guess counts against that code; the guess that
  reaches ``max_attempts`` still answers Unauthorized but kills the code and locks the email
  for ``lockout_seconds``; requests and verifies during the lockout are RateLimited.
* **Role refused or account deactivated** (only knowable with the right code): Forbidden, and
  the code is not used up, so a retry with another role works.
* **Rate limits** count code requests and verifies together, per email and per client address
  (IPv6 by /64). A call without a client address skips the address limit.
* **Mail** is sent after the code is stored, outside any transaction; a failure is logged and
  the request still succeeds (the code stays valid; the user may ask again after the resend
  interval).
* **Deactivation race.** A session is stored after the sign-in commits and the account is then
  read once more; if it was deactivated meanwhile the session is revoked (deactivation revokes
  after its commit, so one of the two always sees the other).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from restman_core.domain import auth_events
from restman_core.domain.access import Actor, Role
from restman_core.domain.auth import (
    MAX_TOKEN_LENGTH,
    AuthPolicy,
    CodeRecord,
    Session,
    client_address_key,
    generate_code,
    hash_code,
    hash_token,
    is_well_formed_code,
    new_code_record,
    new_session_token,
    rate_bucket,
    seconds_until,
)
from restman_core.domain.auth_keys import SecretKeys
from restman_core.domain.clock import Clock
from restman_core.domain.events import DomainEvent
from restman_core.domain.ids import parse_id
from restman_core.domain.mail_templates import DEFAULT_APP_NAME, sign_in_code
from restman_core.domain.users import User, normalise_email
from restman_core.errors import InvalidInput, NotFound, RateLimited, Unauthorized
from restman_core.ports.mail import Mailer, MailMessage
from restman_core.ports.sessions import CodeStore, RateLimiter, SessionStore
from restman_core.ports.storage import Database, Transaction
from restman_core.services.auth_signin import SignInWriter

log = logging.getLogger(__name__)

WRONG_CODE = "Invalid or expired code"
NO_SESSION = "Session not found or expired"
TOO_MANY = "Too many attempts; try again later"
LOCKED = "Too many wrong codes; try again later"
RESEND = "A code was sent recently; wait before asking for another"
SESSION_NOT_FOUND = "Session not found"


@dataclass(frozen=True, slots=True)
class SignIn:
    """A successful sign-in: the session, its bearer token (shown once, never stored) and the
    account."""

    session: Session
    token: str
    user: User


class AuthService:
    """Sign-in and session use cases. ``secret_key`` keys every stored hash: a plain key, or
    :class:`SecretKeys` whose previous keys are still accepted for verifying existing codes
    and sessions (key rotation)."""

    def __init__(
        self,
        db: Database,
        codes: CodeStore,
        sessions: SessionStore,
        limiter: RateLimiter,
        mailer: Mailer,
        policy: AuthPolicy,
        clock: Clock,
        secret_key: bytes | SecretKeys,
        *,
        app_name: str = DEFAULT_APP_NAME,
    ) -> None:
        self._db = db
        self._codes = codes
        self._sessions = sessions
        self._limiter = limiter
        self._mailer = mailer
        self._policy = policy
        self._clock = clock
        keys = secret_key if isinstance(secret_key, SecretKeys) else SecretKeys(secret_key)
        self._keys = keys
        self._key = keys.current  # everything new is hashed with the current key only
        self._app_name = app_name
        self._writer = SignInWriter(db, sessions, policy, clock)

    @property
    def policy(self) -> AuthPolicy:
        return self._policy

    # Codes --------------------------------------------------------------------------------

    async def request_code(
        self, email: object, requested_role: Role | None = None, client_address: str | None = None
    ) -> None:
        """Store a fresh code for the email and mail it. Returns nothing: the answer is the same
        for every well-formed email. Raises InvalidInput (malformed email) or RateLimited (rate
        limit, lockout, or a resend within ``resend_seconds``)."""
        address = normalise_email(email)
        now = self._clock.now()
        await self._check_limits(address, client_address)
        code = generate_code(self._policy.code_length)
        code_hash = hash_code(self._key, address, code)
        record = new_code_record(address, code_hash, requested_role, now, self._policy)
        retry_at = await self._codes.put(
            record, now=now, resend_seconds=self._policy.resend_seconds
        )
        if retry_at is not None:
            state = await self._codes.state(address)
            message = LOCKED if state.lock_remaining(now) else RESEND
            raise RateLimited(message, retry_after=math.ceil(seconds_until(retry_at, now)))
        await self._mail_code(address, code)

    async def verify_code(
        self,
        email: object,
        code: object,
        requested_role: Role | None = None,
        client_address: str | None = None,
    ) -> SignIn:
        """Exchange a correct code for a session, creating the account on first sign-in.

        Raises InvalidInput (malformed email or code), RateLimited, Unauthorized (missing,
        expired, used or wrong code: one message), Forbidden (deactivated account, or a role a
        new account may not take)."""
        address = normalise_email(email)
        length = self._policy.code_length
        if not is_well_formed_code(code, length):
            raise InvalidInput(f"code must be {length} digits", details={"field": "code"})
        record = await self._matching_code(address, code, client_address)
        role = requested_role or record.requested_role
        await self._writer.check_eligible(address, role)
        if not await self._codes.consume(address, record.code_hash):
            raise Unauthorized(WRONG_CODE)  # a concurrent verify used it first
        token = new_session_token()
        user, session = await self._writer.sign_in(address, role, hash_token(self._key, token))
        return SignIn(session, token, user)

    # Sessions -----------------------------------------------------------------------------

    async def authenticate(self, token: object) -> Session:
        """The live session of a bearer token, in one store round trip (plus a refresh write
        at most once per ``session_touch_seconds``). Raises Unauthorized otherwise. The
        session's ``actor`` is the caller's identity."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise Unauthorized(NO_SESSION)
        session = await self._stored_session(token)
        if session is None:
            raise Unauthorized(NO_SESSION)
        now = self._clock.now()
        if not session.is_live(now):
            await self._sessions.revoke(session)
            raise Unauthorized(NO_SESSION)
        if session.needs_touch(now, self._policy.session_touch_seconds):
            await self._sessions.touch(session, now=now)
            session = session.touched(now)
        return session

    async def logout(
        self,
        token: object,
        *,
        session_id: object = None,
        session_token: object = None,
    ) -> None:
        """End the caller's session, or the one named by ``session_id``/``session_token``,
        which must be one of the caller's own (NotFound otherwise, never revealing another
        user's session)."""
        current = await self.authenticate(token)
        if session_token is not None:
            other = None
            if isinstance(session_token, str) and 0 < len(session_token) <= MAX_TOKEN_LENGTH:
                other = await self._stored_session(session_token)
            if other is None or other.user_id != current.user_id:
                raise NotFound(SESSION_NOT_FOUND)
            await self._sessions.revoke(other)
            return
        if session_id is not None:
            wanted = parse_id(session_id, what="session_id")
            if not await self._sessions.revoke_id(current.user_id, wanted):
                raise NotFound(SESSION_NOT_FOUND)
            return
        await self._sessions.revoke(current)

    async def logout_all(self, actor: Actor) -> int:
        """End every session of the actor; returns how many ended."""
        return await self._sessions.revoke_all(actor.user_id)

    async def issue_token(
        self, actor: Actor, email: object, *, lifetime_seconds: int | None = None
    ) -> SignIn:
        """A session for an existing active account without a code, for kitchen terminals set
        up from the CLI (admins and the system actor only). ``lifetime_seconds`` overrides the
        absolute lifetime; the idle timeout still applies."""
        token = new_session_token()
        user, session = await self._writer.issue(
            actor, normalise_email(email), hash_token(self._key, token), lifetime_seconds
        )
        return SignIn(session, token, user)

    # Helpers ------------------------------------------------------------------------------

    async def _stored_session(self, token: str) -> Session | None:
        """The session stored for ``token`` under the current key or, after a rotation, under
        a previous one (one store round trip per key tried, the current key's first)."""
        for token_hash in self._keys.token_hashes(token):
            session = await self._sessions.get(token_hash)
            if session is not None:
                return session
        return None

    async def _matching_code(self, email: str, code: str, client_address: str | None) -> CodeRecord:
        """The email's live code if ``code`` matches it, after the rate limits and lockout;
        a mismatch is counted (and may lock the email) and audited before Unauthorized."""
        now = self._clock.now()
        await self._check_limits(email, client_address)
        state = await self._codes.state(email)
        if locked := state.lock_remaining(now):
            raise RateLimited(LOCKED, retry_after=locked)
        record = state.record
        if record is None or record.is_expired(now):
            await self._audit_email(email, "no_code", 0, None)
            raise Unauthorized(WRONG_CODE)
        if not self._keys.code_matches(email, code, record.code_hash):
            guess = await self._codes.record_wrong_guess(
                email,
                record.code_hash,
                max_attempts=self._policy.max_attempts,
                locked_until=now + timedelta(seconds=self._policy.lockout_seconds),
                now=now,
            )
            await self._audit_email(email, "wrong_code", guess.attempts, guess.locked_until)
            raise Unauthorized(WRONG_CODE)
        return record

    async def _check_limits(self, email: str, client_address: str | None) -> None:
        policy = self._policy
        buckets: list[tuple[str, int]] = []
        if client_address and client_address.strip():
            address = client_address_key(client_address)
            buckets.append(
                (rate_bucket(self._key, "address", address), policy.rate_limit_per_address)
            )
        buckets.append((rate_bucket(self._key, "email", email), policy.rate_limit_per_email))
        for bucket, limit in buckets:
            decision = await self._limiter.hit(
                bucket,
                limit=limit,
                window_seconds=policy.rate_limit_window_seconds,
                now=self._clock.now(),
            )
            if not decision.allowed:
                raise RateLimited(TOO_MANY, retry_after=decision.retry_after)

    async def _mail_code(self, email: str, code: str) -> None:
        rendered = sign_in_code(code, self._policy.code_expiry_seconds, self._app_name)
        message = MailMessage(
            to=email, subject=rendered.subject, text=rendered.text, html=rendered.html
        )
        try:
            await self._mailer.send(message)
        except Exception:
            # The code stays stored and valid; the mailer has already retried. Never log the
            # message body: it holds the code.
            log.exception("could not mail a sign-in code to %s; the code remains valid", email)

    async def _audit_email(
        self, email: str, reason: str, attempts: int, locked_until: datetime | None
    ) -> None:
        """Record a failed verify (and the lockout it caused) in a short unit of its own."""
        now = self._clock.now()

        async def work(tx: Transaction) -> None:
            user = await tx.users.get_by_email(email)
            user_id = user.id if user else None
            events: list[DomainEvent] = [
                auth_events.verify_failed(email, user_id, reason, attempts, now)
            ]
            if locked_until is not None:
                events.append(auth_events.locked_out(email, user_id, locked_until, now))
            await tx.outbox.add(events)

        await self._db.run(work)
