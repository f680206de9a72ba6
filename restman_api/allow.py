"""``OPTIONS`` answers list every method of the path.

Litestar builds a path's automatic ``OPTIONS`` handler when the path's first handler is
registered, and keeps it when handlers for other methods of the same path are added (they live
in different route modules here), so ``OPTIONS /api/restaurants/{id}`` said ``GET, OPTIONS``
although the path also serves PUT, PATCH and DELETE. The route itself knows all its methods:
the request layer (:mod:`restman_api.edge`) rewrites the ``Allow`` header of every ``OPTIONS``
response from :func:`allow_header` (and HEAD, which Litestar answers for every GET, is left out
as the document leaves it out).
"""

from __future__ import annotations

from litestar import Litestar
from litestar.routes import HTTPRoute

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


def allow_header(app: Litestar, template: str) -> bytes | None:
    """The ``Allow`` value for an ``OPTIONS`` answer on the route ``template`` of ``app``: every
    method the route serves but HEAD (None for a template that is no HTTP route of ``app``)."""
    return _allow_by_path(app).get(template)
