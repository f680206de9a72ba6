"""Sign-in rules: one-time codes, keyed hashes, sessions and roles (rate-limit arithmetic is in
:mod:`restman_core.domain.rate_limits`).

Pure rules, no I/O. The secrets module is the only source of randomness (a CSPRNG); every stored
code or token is an HMAC-SHA256 under the platform's secret key, so a copy of the stores (Redis,
the SQL tables) is useless without the key. Digests are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeGuard

from restman_core.domain.access import Actor, Role
from restman_core.domain.users import User
from restman_core.errors import ConfigurationError, Forbidden, InvalidInput

MIN_SECRET_KEY_BYTES = 16
SESSION_TOKEN_BYTES = 32  # 256 bits
MAX_TOKEN_LENGTH = 256  # anything longer is not one of our tokens; refuse before hashing
EMAIL_KEY_NAMESPACE = uuid.UUID("0f6f6a52-52f0-4d8e-9b1e-6d1b7e0c2a31")

_CODE_PURPOSE = "sign-in-code"
_TOKEN_PURPOSE = "session-token"
_BUCKET_PURPOSE = "rate-limit"


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    """Every tunable of sign-in, built once by bootstrap from Settings (services never read
    Settings). Defaults are the documented ones.

    ``session_touch_seconds`` bounds how often a session's idle deadline is pushed forward: the
    hot path writes at most once per interval per session, so the idle timeout is exact to
    within that interval.
    """

    code_length: int = 6
    code_expiry_seconds: int = 300
    resend_seconds: int = 60
    max_attempts: int = 5
    lockout_seconds: int = 900
    rate_limit_per_email: int = 10
    rate_limit_per_address: int = 30
    rate_limit_window_seconds: int = 900
    session_lifetime_seconds: int = 7200
    session_idle_seconds: int = 3600
    session_touch_seconds: int = 60
    allow_owner_signup: bool = True


# Codes, hashes and tokens -------------------------------------------------------------------


def check_secret_key(key: bytes) -> bytes:
    """Return ``key`` when it is long enough to key the hashes; raise ConfigurationError."""
    if len(key) < MIN_SECRET_KEY_BYTES:
        raise ConfigurationError(f"the secret key must be at least {MIN_SECRET_KEY_BYTES} bytes")
    return key


def generate_code(length: int) -> str:
    """``length`` decimal digits, uniformly random from the CSPRNG (leading zeros allowed)."""
    if length < 1:
        raise ValueError("a code has at least one digit")
    return f"{secrets.randbelow(10**length):0{length}d}"


def is_well_formed_code(code: object, length: int) -> TypeGuard[str]:
    """Exactly ``length`` ASCII digits."""
    return isinstance(code, str) and len(code) == length and code.isascii() and code.isdigit()


def keyed_hash(key: bytes, purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` under ``key``, separated by ``purpose`` so a digest made for one
    use can never stand in for another; 64 lowercase hex characters."""
    message = purpose.encode() + b"\x00" + value.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def hash_code(key: bytes, email: str, code: str) -> str:
    """The stored form of a sign-in code, bound to its (normalised) email."""
    return keyed_hash(key, _CODE_PURPOSE, f"{email}\x00{code}")


def hash_token(key: bytes, token: str) -> str:
    """The stored form (and store key) of a session token."""
    return keyed_hash(key, _TOKEN_PURPOSE, token)


def rate_bucket(key: bytes, kind: str, value: str) -> str:
    """The rate-limit bucket name for an email or client address: a keyed hash, so the counter
    stores hold no addresses and every bucket name has the same length."""
    return f"{kind}:{keyed_hash(key, _BUCKET_PURPOSE, f'{kind}:{value}')}"


def client_address_key(address: str) -> str:
    """The rate-limit identity of a client address: an IPv4 address as is, an IPv6 address by
    its /64 network (one subscriber usually holds a whole /64), anything else trimmed and
    lower-cased."""
    text = address.strip().lower()
    try:
        parsed = ipaddress.ip_address(text)
    except ValueError:
        return text
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


def same_digest(left: str, right: str) -> bool:
    """Constant-time comparison of two digests."""
    return hmac.compare_digest(left.encode(), right.encode())


def new_session_token() -> str:
    """A fresh bearer token: 256 random bits, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(SESSION_TOKEN_BYTES)


def email_key(email: str) -> uuid.UUID:
    """The event key for an email that has no user yet (a uuid5 of the normalised email), so
    events about one address stay in order."""
    return uuid.uuid5(EMAIL_KEY_NAMESPACE, email)


# Codes ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CodeRecord:
    """The one live sign-in code of an email. ``requested_role`` is the role asked for when the
    code was requested; verify uses it when verify names none."""

    email: str
    code_hash: str
    requested_role: Role | None
    created_at: datetime
    expires_at: datetime
    failed_attempts: int = 0

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at


@dataclass(frozen=True, slots=True)
class CodeState:
    """What the code store knows about an email: its live code (if any) and its lockout."""

    record: CodeRecord | None
    locked_until: datetime | None

    def lock_remaining(self, now: datetime) -> int:
        """Seconds the email stays locked (0 when it is not locked)."""
        if self.locked_until is None or self.locked_until <= now:
            return 0
        return max(1, math.ceil((self.locked_until - now).total_seconds()))


@dataclass(frozen=True, slots=True)
class WrongGuess:
    """Outcome of counting a wrong guess: ``attempts`` made on the code so far (0 when the code
    had been replaced or consumed meanwhile, so nothing was counted) and ``locked_until`` when
    this guess used up the last attempt (the code is then gone and the email locked)."""

    attempts: int
    locked_until: datetime | None = None


def new_code_record(
    email: str, code_hash: str, requested_role: Role | None, now: datetime, policy: AuthPolicy
) -> CodeRecord:
    return CodeRecord(
        email=email,
        code_hash=code_hash,
        requested_role=requested_role,
        created_at=now,
        expires_at=now + timedelta(seconds=policy.code_expiry_seconds),
    )


# Sessions ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in session. The token itself is never stored: ``token_hash`` identifies it.

    It ends at ``expires_at`` (absolute) or ``idle_seconds`` after ``last_seen_at``, whichever
    comes first. The role is copied from the user at sign-in; role changes revoke the user's
    sessions, so the copy never goes stale.
    """

    id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    email: str
    token_hash: str
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime
    idle_seconds: int

    @property
    def idle_deadline(self) -> datetime:
        return self.last_seen_at + timedelta(seconds=self.idle_seconds)

    @property
    def deadline(self) -> datetime:
        """The moment the session ends unless it is used (and touched) before."""
        return min(self.expires_at, self.idle_deadline)

    def is_live(self, now: datetime) -> bool:
        return now < self.deadline

    def needs_touch(self, now: datetime, interval_seconds: int) -> bool:
        """Whether ``now`` is far enough past the last refresh to write a new one."""
        return (now - self.last_seen_at).total_seconds() >= interval_seconds

    def touched(self, now: datetime) -> Session:
        return replace(self, last_seen_at=now)

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.user_id, role=self.role, email=self.email)


def new_session(user: User, token_hash: str, now: datetime, policy: AuthPolicy) -> Session:
    return Session(
        id=uuid.uuid4(),
        user_id=user.id,
        role=user.role,
        email=user.email,
        token_hash=token_hash,
        created_at=now,
        expires_at=now + timedelta(seconds=policy.session_lifetime_seconds),
        last_seen_at=now,
        idle_seconds=policy.session_idle_seconds,
    )


def seconds_until(moment: datetime, now: datetime) -> float:
    """Seconds from ``now`` to ``moment`` (negative when it has passed)."""
    return (moment - now).total_seconds()


# Roles ------------------------------------------------------------------------------------


def parse_requested_role(value: object) -> Role | None:
    """The role a client asked for: ``None`` (or an empty string) when it named none; raise
    InvalidInput for anything that is not one of the four roles."""
    if value is None or value == "":
        return None
    if isinstance(value, Role):
        return value
    if isinstance(value, str):
        try:
            return Role(value.strip().lower())
        except ValueError:
            pass
    allowed = ", ".join(role.value for role in Role)
    raise InvalidInput(f"role must be one of: {allowed}", details={"field": "role"})


def role_for_new_user(requested: Role | None, *, invited: bool, allow_owner_signup: bool) -> Role:
    """The role a first successful sign-in creates the account with.

    * An email with pending staff invitations becomes ``kitch``, whatever it asked for: the
      owner invited this address as kitchen staff.
    * Otherwise nothing or ``user`` gives ``user``; ``rest`` gives ``rest`` while owner sign-up
      is allowed.
    * Refused with Forbidden (the caller proved the mailbox, so naming the reason leaks
      nothing; no account is created and the code stays usable for a retry with another role):
      ``rest`` when owner sign-up is off, ``kitch`` without an invitation, ``admin`` always
      (administrators are created with the CLI).
    """
    if invited:
        return Role.KITCHEN
    if requested is None or requested is Role.CUSTOMER:
        return Role.CUSTOMER
    if requested is Role.OWNER:
        if allow_owner_signup:
            return Role.OWNER
        raise Forbidden("Owner sign-up is turned off; sign up as a customer (role 'user')")
    if requested is Role.KITCHEN:
        raise Forbidden("The kitchen role comes only with a restaurant's staff invitation")
    raise Forbidden("Administrator accounts are created with the restman CLI")
