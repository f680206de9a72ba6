"""A byte cache with expiry, used for built menus.

Values are opaque bytes (the caller serialises). ``get_or_build`` protects the source from a
stampede: when many callers miss the same key at once, one build runs and the others wait for
its result. A ``delete`` during a build makes that build's result unstorable, so an
invalidation is never undone by a rebuild that started before it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """Store ``value`` for ``ttl_seconds`` (nothing is stored when it is not positive)."""
        ...

    async def delete(self, key: str) -> None:
        """Invalidate ``key`` (and any build of it in progress)."""
        ...

    async def get_or_build(
        self, key: str, ttl_seconds: float, build: Callable[[], Awaitable[bytes]]
    ) -> bytes:
        """The cached value, or the result of one ``build`` shared by every concurrent caller
        and stored for ``ttl_seconds``. With a TTL that is not positive, caching is off and
        ``build`` runs every time. Errors from ``build`` reach every waiting caller."""
        ...
