"""The Litestar application: ``create_app(platform=None, settings=None, ...)``.

The app's lifespan brings the platform up (``bootstrap`` from the settings, unless a platform is
handed in, which then stays the caller's to close), builds the sign-in services and the kitchen
ticket feed, optionally starts the embedded event pipeline, and tears everything down in reverse
order. Nothing is built at import time.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request, Router, get
from litestar.config.cors import CORSConfig
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from restman_api.bodies import DocumentContext, StrictBodySchemas
from restman_api.edge import EdgeLitestar, edge_middleware
from restman_api.errors import EXCEPTION_HANDLERS
from restman_api.logs import access_log_every
from restman_api.observability import AccessLog, Metrics, configure_json_logging
from restman_api.pipeline import PipelineRunner, pipeline_runner
from restman_api.routes.admin import ADMIN_ROUTES
from restman_api.routes.analytics import ANALYTICS_ROUTES
from restman_api.routes.auth import AUTH_ROUTES
from restman_api.routes.bill_money import MONEY_ROUTES
from restman_api.routes.billing import BILLING_ROUTES
from restman_api.routes.health import HEALTH_ROUTES
from restman_api.routes.kitchen import KITCHEN_ROUTES
from restman_api.routes.kitchen_orders import KITCHEN_ORDER_ROUTES
from restman_api.routes.menus import MENU_ROUTES
from restman_api.routes.modifiers import MODIFIER_ROUTES
from restman_api.routes.orders import ORDER_ROUTES
from restman_api.routes.restaurants import RESTAURANT_ROUTES
from restman_api.routes.stream import STREAM_ROUTES
from restman_api.security import document_public, with_guards
from restman_api.state import DEPENDENCIES, STATE_KEY, ApiState
from restman_api.stream_hub import TicketHub
from restman_core.bootstrap import Platform, bootstrap, build_ticket_feed
from restman_core.config import Settings, load_settings

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1_048_576
BENCH_CEILING_ENV = "RESTMAN_BENCH_CEILING"
JSON_MEDIA = ("application/json",)
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


async def require_json(request: Request[Any, Any, Any]) -> None:
    """415 for a body that says it is not JSON (an absent Content-Type is tolerated)."""
    if request.method not in BODY_METHODS:
        return
    header = request.headers.get("content-type")
    if header is None:
        return
    media = header.split(";", 1)[0].strip().lower()
    if media not in JSON_MEDIA and not media.endswith("+json"):
        raise HTTPException(status_code=415)


@get("/bench/ceiling", operation_id="benchCeiling", include_in_schema=False)
async def bench_ceiling() -> dict[str, bool]:
    """A trivial route for measuring the bare framework on the same server."""
    return {"ok": True}


def _lifespan(
    platform: Platform | None,
    settings: Settings,
    metrics: Metrics,
    options: dict[str, Any],
) -> Callable[[Litestar], Any]:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        owned = platform is None
        up = platform or await bootstrap(settings)
        feed = build_ticket_feed(up)
        runner: PipelineRunner | None = None
        try:
            hub = TicketHub(feed, poll_seconds=options["poll_seconds"])
            runner = await pipeline_runner(up, options["run_pipeline"])
            app.state[STATE_KEY] = ApiState(
                platform=up,
                auth=up.auth,
                staff=up.staff,
                accounts=up.accounts,
                feed=feed,
                hub=hub,
                metrics=metrics,
                pipeline=runner,
                heartbeat_seconds=options["heartbeat_seconds"],
                recheck_seconds=options["recheck_seconds"],
            )
            try:
                yield
            finally:
                await hub.close()
        finally:
            if runner is not None:
                await runner.stop()
            await feed.close()
            if owned:
                await up.close()

    return lifespan


def _openapi() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="RestMan API",
        version="1.0.0",
        description="Restaurants, menus, orders, kitchen tickets, bills and analytics. "
        "Authenticate with `Authorization: Bearer <token>` from /api/auth/verify-otp. Errors "
        'are `{"error": CODE, "message": text}`.',
        path="/schema",
        render_plugins=[SwaggerRenderPlugin(), JsonRenderPlugin()],
        components=Components(
            security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}
        ),
        security=[{"bearer": []}],
        use_handler_docstrings=False,
    )


def _api_router() -> Router:
    """Every contract route, each with the guard it needs (public ones with none)."""
    handlers = [
        *HEALTH_ROUTES,
        *AUTH_ROUTES,
        *RESTAURANT_ROUTES,
        *MENU_ROUTES,
        *MODIFIER_ROUTES,
        *ORDER_ROUTES,
        *KITCHEN_ORDER_ROUTES,
        *KITCHEN_ROUTES,
        *STREAM_ROUTES,
        *BILLING_ROUTES,
        *MONEY_ROUTES,
        *ANALYTICS_ROUTES,
        *ADMIN_ROUTES,
    ]
    document_public(handlers)
    return Router(path="/", route_handlers=_json_checked(with_guards(handlers)))


def _json_checked(handlers: list[Any]) -> list[Any]:
    """``handlers`` (copies of their own, see :func:`with_guards`), each one that accepts
    POST, PUT or PATCH with :func:`require_json` as its ``before_request`` hook. Set on the
    routes rather than the app, where Litestar would call it on every GET too."""
    for handler in handlers:
        if handler.http_methods & BODY_METHODS:
            if handler.before_request is not None:
                raise RuntimeError(f"{handler} has a before_request hook of its own")
            handler.before_request = require_json
    return handlers


def _cors(settings: Settings) -> CORSConfig | None:
    """Browser access for the configured origins only (none by default)."""
    if not settings.cors_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.cors_origins),
        allow_headers=[
            "Authorization",
            "Content-Type",
            "Idempotency-Key",
            "Last-Event-ID",
            "X-Request-Id",
        ],
        expose_headers=["X-Request-Id", "Idempotent-Replayed", "Retry-After"],
        max_age=3600,
    )


def create_app(
    platform: Platform | None = None,
    *,
    settings: Settings | None = None,
    run_pipeline: bool | None = None,
    heartbeat_seconds: float = 15.0,
    poll_seconds: float = 0.25,
    recheck_seconds: float = 30.0,
    bench_routes: bool | None = None,
) -> Litestar:
    """Build the API.

    ``platform``: use this platform (the caller closes it); otherwise the lifespan bootstraps one
    from ``settings`` (default: the environment) and closes it. ``run_pipeline``: run the
    embedded event pipeline in this process (``None``: decided by :func:`pipeline_runner`).
    ``heartbeat_seconds``/``poll_seconds``/``recheck_seconds``: kitchen stream heartbeat,
    event-log poll interval, and how often an open stream re-checks its session and scope.
    ``bench_routes``: add the bare ``/bench/ceiling`` route (default: when
    ``RESTMAN_BENCH_CEILING=1``).
    """
    settings = platform.settings if platform is not None else settings or load_settings()
    metrics = Metrics()
    options = {
        "run_pipeline": run_pipeline,
        "heartbeat_seconds": heartbeat_seconds,
        "poll_seconds": poll_seconds,
        "recheck_seconds": recheck_seconds,
    }
    if bench_routes is None:
        bench_routes = os.environ.get(BENCH_CEILING_ENV) == "1"
    return EdgeLitestar(
        # Request ids, metrics, access lines, Allow and the body deadline: one layer around
        # everything (restman_api.edge), unmatched routes included.
        edge=edge_middleware(
            metrics, AccessLog(access_log_every(settings.access_log)), settings.body_timeout_seconds
        ),
        route_handlers=[_api_router(), *([bench_ceiling] if bench_routes else [])],
        dependencies=DEPENDENCIES,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[_lifespan(platform, settings, metrics, options)],
        cors_config=_cors(settings),
        openapi_config=_openapi(),
        plugins=[StrictBodySchemas(DocumentContext(code_length=settings.otp_length))],
        request_max_body_size=MAX_BODY_BYTES,
        logging_config=None,
        debug=False,
    )


def app_from_environment() -> Litestar:
    """The app factory ``restman serve`` gives the ASGI server: settings from the environment,
    JSON logs on stderr."""
    settings = load_settings()
    configure_json_logging(settings.log_level)
    return create_app(settings=settings)


def granian_app_from_environment() -> Any:
    """:func:`app_from_environment` for granian, which has no proxy-header option of its own:
    behind ``RESTMAN_TRUSTED_PROXIES`` the app is wrapped in granian's X-Forwarded-For
    middleware trusting exactly those; with none configured, the peer address is the client's."""
    settings = load_settings()
    configure_json_logging(settings.log_level)
    app = create_app(settings=settings)
    trusted = list(settings.trusted_proxies)
    if not trusted:
        return app
    from granian.utils.proxies import wrap_asgi_with_proxy_headers

    return wrap_asgi_with_proxy_headers(app, trusted_hosts=trusted)
