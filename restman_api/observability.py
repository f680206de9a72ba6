"""Request ids, structured JSON logs and Prometheus metrics.

Every response carries ``X-Request-Id`` (the client's, when it sent a sane one); log records
written while a request is handled carry the same id. Metrics count requests and measure their
latency by route template and status, and show the event pipeline's position and backlog.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from typing import Any, cast

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from restman_api.logs import AccessLog, JsonFormatter, configure_json_logging, request_id_var

__all__ = [
    "AccessLog",
    "JsonFormatter",
    "Metrics",
    "configure_json_logging",
    "observing_middleware",
    "request_id_for",
    "request_id_var",
    "stamp_request_id",
]
REQUEST_ID_HEADER = "x-request-id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_START = "restman.started_at"
_ID = "restman.request_id"


def request_id_for(scope: Scope) -> str:
    """The request's id: remembered on the scope, else the client's header when it is sane,
    else a fresh one."""
    raw = cast(dict[str, Any], scope)
    known = raw.get(_ID)
    if isinstance(known, str):
        return known
    sent = next((v for k, v in raw.get("headers", []) if k == b"x-request-id"), b"")
    text = sent.decode("latin-1").strip()
    request_id = text if _SANE_ID.match(text) else uuid.uuid4().hex
    raw[_ID] = request_id
    return request_id


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    """The metrics label of a request method. Servers pass any method token through, so an
    invented one becomes ``OTHER``: a label value per made-up method would grow the registry
    without bound."""
    return method if method in KNOWN_METHODS else "OTHER"


class Metrics:
    """The app's metrics. Each app has its own registry (several apps may live in one test
    process); with ``PROMETHEUS_MULTIPROC_DIR`` set (``restman serve --workers N``) the
    exposition aggregates every worker process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        reg = self.registry
        self.requests = Counter(
            "restman_http_requests", "HTTP requests", ["method", "route", "status"], registry=reg
        )
        self.latency = Histogram(
            "restman_http_request_duration_seconds",
            "HTTP request latency until the response headers are sent",
            ["method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=reg,
        )
        self.unpublished = Gauge(
            "restman_events_unpublished",
            "Outbox events not yet published",
            registry=reg,
            multiprocess_mode="max",
        )
        self.last_seq = Gauge(
            "restman_events_last_seq",
            "Sequence of the last published event",
            registry=reg,
            multiprocess_mode="max",
        )
        self.stream_clients = Gauge(
            "restman_kitchen_stream_clients",
            "Connected kitchen stream clients",
            registry=reg,
            multiprocess_mode="livesum",
        )
        self.pipeline = Gauge(
            "restman_pipeline_worker",
            "Counters of the event pipeline workers running in this process (processed, "
            "failed_attempts, dead_lettered, lag; the relay's published, batches, failures, "
            "backlog)",
            ["worker", "counter"],
            registry=reg,
            multiprocess_mode="max",
        )
        self.stream_events = Counter(
            "restman_kitchen_stream_events", "Ticket events sent to kitchen streams", registry=reg
        )

    def exposition(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            merged = CollectorRegistry()
            MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
            return generate_latest(merged)
        return generate_latest(self.registry)

    def show_pipeline(self, stats: dict[str, Any]) -> None:
        """Copy each worker's integer counters into the pipeline gauge."""
        for worker, counters in stats.items():
            for name in getattr(counters, "__dataclass_fields__", {}):
                value = getattr(counters, name, None)
                if isinstance(value, int) and not isinstance(value, bool):
                    self.pipeline.labels(worker, name).set(value)

    def observe(self, method: str, route: str, status: int, seconds: float | None) -> None:
        method = method_label(method)
        self.requests.labels(method, route, str(status)).inc()
        if seconds is not None:
            self.latency.labels(method, route).observe(seconds)


def observing_middleware(metrics_of: Any, access: AccessLog | None = None) -> Any:
    """An ASGI middleware factory (runs for matched routes): binds the request id to the log
    context, times the request, counts it and hands it to ``access`` (default: an
    :class:`AccessLog` of every request), which writes its one access line."""
    writer = access if access is not None else AccessLog()

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            raw = cast(dict[str, Any], scope)
            if raw["type"] != "http":
                await app(scope, receive, send)
                return
            token = request_id_var.set(request_id_for(scope))
            started = time.perf_counter()
            raw[_START] = started
            method, path = str(raw["method"]), str(raw["path"])
            status = 500

            async def sending(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    metrics = metrics_of(scope)
                    if metrics is not None:
                        route = raw.get("path_template") or "unmatched"
                        seconds = time.perf_counter() - started
                        metrics.observe(method, route, status, seconds)
                await send(message)

            try:
                await app(scope, receive, sending)
            finally:
                writer.write(method, path, status, started)
                request_id_var.reset(token)

        return middleware

    return factory


def stamp_request_id(metrics_of: Any) -> Any:
    """A ``before_send`` hook: every response, even for unmatched routes (which never reach
    route middleware), gets ``X-Request-Id``; unmatched ones are counted here."""

    async def hook(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        headers[REQUEST_ID_HEADER] = request_id_for(scope)
        raw = cast(dict[str, Any], scope)
        if _START not in raw:
            metrics = metrics_of(scope)
            if metrics is not None:
                metrics.observe(raw.get("method", "?"), "unmatched", message["status"], None)

    return hook
