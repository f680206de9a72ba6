"""Health, readiness and metrics (public)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Response, get
from litestar.handlers import HTTPRouteHandler

from restman_api.errors import error_response, responses, server_errors
from restman_api.state import Api
from restman_core.bootstrap_ops import dead_letter_service
from restman_core.errors import RestmanError

log = logging.getLogger(__name__)
CHECK_TIMEOUT_SECONDS = 3.0
CONTEXTS = ("auth", "restaurants", "orders", "kitchen", "billing", "analytics")
CONTEXT_SERVICES = {
    "auth": "auth-service",
    "restaurants": "restaurant-service",
    "orders": "order-service",
    "kitchen": "kitchen-service",
    "billing": "billing-service",
    "analytics": "analytics-service",
}


def healthy(service: str) -> dict[str, str]:
    return {"status": "healthy", "service": service}


@get(
    "/health",
    operation_id="health",
    summary="Liveness of the API",
    tags=["health"],
    responses=server_errors(),
)
async def health() -> dict[str, str]:
    return healthy("api-gateway")


@get(
    "/api/health",
    operation_id="apiHealth",
    summary="Liveness of the API",
    tags=["health"],
    responses=server_errors(),
)
async def api_health() -> dict[str, str]:
    return healthy("restman-api")


def _context_health(context: str) -> HTTPRouteHandler:
    service = CONTEXT_SERVICES[context]

    async def handler() -> dict[str, str]:
        return healthy(service)

    return get(
        f"/api/{context}/health",
        operation_id=f"{context}Health",
        summary=f"Liveness of the {context} context",
        tags=["health"],
        name=f"{context}-health",
        responses=server_errors(),
    )(handler)


CONTEXT_HEALTH = [_context_health(context) for context in CONTEXTS]


async def _check(probe: Callable[[], Awaitable[Any]]) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await probe()
    except TimeoutError:
        return "timeout"
    except RestmanError as exc:
        return exc.message
    except Exception:
        log.exception("readiness probe failed")
        return "failed"
    return "ok"


def _probes(api: Api) -> dict[str, Callable[[], Awaitable[Any]]]:
    """Every backend this process is configured to use."""
    platform = api.platform
    probes: dict[str, Callable[[], Awaitable[Any]]] = {
        "database": platform.db.ping,
        "cache": lambda: platform.cache.get("ready:probe"),
    }

    async def analytics() -> None:
        await (await platform.analytics()).health()

    # Embedded too: the in-process engine can fail (a locked or damaged store).
    probes["analytics"] = analytics
    return probes


async def _dead_letters(api: Api) -> int | None:
    """How many dead letters wait for an operator; None when the count cannot be had (the
    database check says why). Dead letters do not make the API unready."""
    try:
        count = dead_letter_service(api.platform).count()
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            return await count
    except (TimeoutError, RestmanError):
        return None


@get(
    "/ready",
    operation_id="ready",
    summary="Readiness: every configured backend answers",
    tags=["health"],
    responses=responses(503),
)
async def ready(api: Api) -> Response[Any]:
    probes = _probes(api)
    results, dead_letters = await asyncio.gather(
        asyncio.gather(*(_check(probe) for probe in probes.values())), _dead_letters(api)
    )
    checks = dict(zip(probes, results, strict=True))
    failing = sorted(name for name, result in checks.items() if result != "ok")
    if failing:
        return error_response(
            503,
            "SERVICE_UNAVAILABLE",
            f"Not ready: {', '.join(failing)}",
            {"checks": checks, "dead_letters": dead_letters},
        )
    return Response({"status": "ready", "checks": checks, "dead_letters": dead_letters})


@get(
    "/metrics",
    operation_id="metrics",
    summary="Prometheus metrics",
    tags=["health"],
    media_type="text/plain; version=0.0.4",
    responses=server_errors(),
)
async def metrics(api: Api) -> Response[bytes]:
    with contextlib.suppress(RestmanError):
        status = await api.feed.status()
        api.metrics.unpublished.set(status.unpublished)
        api.metrics.last_seq.set(status.last_seq)
    api.metrics.stream_clients.set(api.hub.subscribers)
    if api.pipeline is not None:
        api.metrics.show_pipeline(api.pipeline.stats())
    return Response(api.metrics.exposition(), media_type="text/plain; version=0.0.4")


HEALTH_ROUTES = [health, api_health, *CONTEXT_HEALTH, ready, metrics]
