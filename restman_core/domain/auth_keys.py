"""The secret keys that key every stored code, token and rate-limit bucket, with rotation.

Pure rules, no I/O. ``current`` hashes everything new (codes being issued, sessions being
opened, rate-limit buckets); ``previous`` keys are only tried when verifying something that
already exists (a stored session looked up by its token, a stored code compared with a guess),
so an operator can replace the key without signing everybody out: set the new key, keep the old
one as the previous key for one session lifetime, then drop it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from restman_core.domain.auth import check_secret_key, hash_code, hash_token, same_digest


@dataclass(frozen=True, slots=True)
class SecretKeys:
    """The current key and the previous ones still accepted for verifying, oldest last.

    Every key is at least ``MIN_SECRET_KEY_BYTES`` long (ConfigurationError otherwise); a
    previous key equal to the current one is dropped, since trying it twice proves nothing."""

    current: bytes
    previous: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        check_secret_key(self.current)
        kept: list[bytes] = []
        for key in self.previous:
            check_secret_key(key)
            if key != self.current and key not in kept:
                kept.append(key)
        object.__setattr__(self, "previous", tuple(kept))

    @classmethod
    def of(cls, current: bytes, previous: Iterable[bytes] = ()) -> SecretKeys:
        return cls(current, tuple(previous))

    @property
    def all(self) -> tuple[bytes, ...]:
        """Every accepted key, the current one first."""
        return (self.current, *self.previous)

    def token_hashes(self, token: str) -> tuple[str, ...]:
        """The stored forms a session token may have, the current key's first: a session
        opened before a rotation is stored under the key of its day."""
        return tuple(hash_token(key, token) for key in self.all)

    def code_matches(self, email: str, code: str, stored_hash: str) -> bool:
        """Whether ``code`` is the code stored as ``stored_hash`` under any accepted key. Every
        key is tried (no early exit), so the time taken does not tell which one matched."""
        matches = [same_digest(hash_code(key, email, code), stored_hash) for key in self.all]
        return any(matches)
