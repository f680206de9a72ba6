"""``OPTIONS`` answers list every method of the path.

Litestar builds a path's automatic ``OPTIONS`` handler when the path's first handler is
registered, and keeps it when handlers for other methods of the same path are added (they live
in different route modules here), so ``OPTIONS /api/restaurants/{id}`` said ``GET, OPTIONS``
although the path also serves PUT, PATCH and DELETE. The route itself knows all its methods:
this ``before_send`` hook rewrites the ``Allow`` header of every ``OPTIONS`` response from it
(and HEAD, which Litestar answers for every GET, is left out as the document leaves it out).
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope

_ALLOW_KEY = "restman_allow_by_path"


def _allow_by_path(app: Litestar) -> dict[str, bytes]:
    cached: dict[str, bytes] | None = app.state.get(_ALLOW_KEY)
    if cached is None:
        cached = {
            route.path_format: ", ".join(sorted(route.methods - {"HEAD"})).encode()
            for route in app.routes
            if isinstance(route, HTTPRoute)
        }
        app.state[_ALLOW_KEY] = cached
    return cached


async def allow_every_method(message: Message, scope: Scope) -> None:
    """Set ``Allow`` on an ``OPTIONS`` response to every method its route serves."""
    raw: dict[str, Any] = scope  # type: ignore[assignment]
    if message["type"] != "http.response.start" or raw.get("method") != "OPTIONS":
        return
    template = raw.get("path_template")
    allow = _allow_by_path(raw["app"]).get(template) if isinstance(template, str) else None
    if allow is None:
        return
    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
    message["headers"] = [*headers, (b"allow", allow)]
