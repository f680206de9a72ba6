"""Authentication: ``Authorization: Bearer <token>`` resolved to the caller through the auth
service's session store, once per request, before the handler runs.

Public routes are listed here, once, by operation id; every other route of the API router needs
a live session. Identity never comes from client-supplied headers such as ``X-User-Id``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

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
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Put the caller's actor and session on ``connection.state``, or raise Unauthorized.

    OPTIONS (the framework's own answer listing the allowed methods, and a browser's CORS
    preflight) never needs a session: browsers send preflights without credentials."""
    if getattr(handler, "http_methods", None) == {"OPTIONS"}:
        return  # only the framework's generated handler answers OPTIONS (no route defines one)
    operation = getattr(handler, "operation_id", None)
    token = bearer_token(connection.headers.get("authorization"))
    auth = api_state(connection.app).auth
    if operation in PUBLIC_OPERATIONS:
        if operation in OPTIONAL_SESSION and token is not None:
            try:
                session = await auth.authenticate(token)
            except Unauthorized:
                return
            connection.state.actor = session.actor
        return
    if token is None:
        raise Unauthorized(MISSING)
    session = await auth.authenticate(token)
    connection.state.actor = session.actor
    connection.state.session = session
    connection.state.token = token


def document_public(handlers: Iterable[Any]) -> None:
    """Let the OpenAPI document show that public routes need no token (an empty security
    requirement next to the app-wide bearer one)."""
    for handler in handlers:
        if getattr(handler, "operation_id", None) in PUBLIC_OPERATIONS:
            handler.security = [{}]
