"""Authentication: ``Authorization: Bearer <token>`` resolved to the caller through the auth
service's session store, once per request, before the handler runs.

Public routes are listed here, once, by operation id; every other route of the API router needs
a live session. Identity never comes from client-supplied headers such as ``X-User-Id``.

Guards are attached per route by :func:`with_guards`, not router-wide: a public route runs no
guard at all (no header parsing, no session-store call), a route in ``OPTIONAL_SESSION`` runs
:func:`optional_session_guard`, every other one :func:`session_guard`. The framework's own
OPTIONS answers (and CORS preflights, which browsers send without credentials) are not routes
of ours, so they run none either.
"""

from __future__ import annotations

from collections.abc import Iterable
from copy import copy
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.types import Guard

from restman_api.state import api_state
from restman_core.errors import Unauthorized

PUBLIC_OPERATIONS = frozenset(
    {
        "health",
        "apiHealth",
        "authHealth",
        "restaurantsHealth",
        "ordersHealth",
        "kitchenHealth",
        "billingHealth",
        "analyticsHealth",
        "ready",
        "metrics",
        "requestOtp",
        "verifyOtp",
        "listRestaurants",
        "getRestaurant",
        "getMenu",
    }
)
"""Routes anyone may call without a session."""

OPTIONAL_SESSION = frozenset({"getRestaurant"})
"""Public routes that still look at a session when one is sent (an owner sees an inactive
restaurant of theirs); an invalid token there is treated as no token."""

MISSING = "Missing or malformed Authorization header (expected: Bearer <token>)"


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (scheme case-insensitive)."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


async def session_guard(
    connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
) -> None:
    """Put the caller's actor, session and token on ``connection.state``, or raise
    Unauthorized."""
    token = bearer_token(connection.headers.get("authorization"))
    if token is None:
        raise Unauthorized(MISSING)
    session = await api_state(connection.app).auth.authenticate(token)
    connection.state.actor = session.actor
    connection.state.session = session
    connection.state.token = token


async def optional_session_guard(
    connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
) -> None:
    """Put the caller's actor on ``connection.state`` when a live session is sent; no token
    or an invalid one is an anonymous caller, never an error."""
    token = bearer_token(connection.headers.get("authorization"))
    if token is None:
        return
    try:
        session = await api_state(connection.app).auth.authenticate(token)
    except Unauthorized:
        return
    connection.state.actor = session.actor


def guard_of(operation_id: str | None) -> Guard | None:
    """The guard a route needs: none for a public one."""
    if operation_id in OPTIONAL_SESSION:
        return optional_session_guard
    if operation_id in PUBLIC_OPERATIONS:
        return None
    return session_guard


def with_guards(handlers: Iterable[Any]) -> list[Any]:
    """Copies of ``handlers``, each with the guard its operation needs added to its own
    (the originals are module-level objects shared by every app built, so left alone)."""
    guarded = []
    for handler in handlers:
        own = copy(handler)
        guard = guard_of(getattr(handler, "operation_id", None))
        if guard is not None:
            own.guards = [*(handler.guards or []), guard]
        guarded.append(own)
    return guarded


def document_public(handlers: Iterable[Any]) -> None:
    """Let the OpenAPI document show that public routes need no token (an empty security
    requirement next to the app-wide bearer one)."""
    for handler in handlers:
        if getattr(handler, "operation_id", None) in PUBLIC_OPERATIONS:
            handler.security = [{}]
